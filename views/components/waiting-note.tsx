/** @jsxImportSource hono/jsx */
// What `waiting` means, said in words next to a simulator's status: the primary database cannot be
// reached, nothing is lost, and the missing intervals are written once it returns.

export const WAITING_TEXT =
  "Primary database unavailable: the missing intervals are written when it returns.";

/** The explanation of a `waiting` simulator (nothing for any other status). */
export function WaitingNote(props: { status: string; short?: boolean }) {
  if (props.status !== "waiting") return null;
  if (props.short) return <div class="small muted waiting-note">Primary database unavailable</div>;
  return (
    <p class="flash warn small waiting-note" role="status">
      {WAITING_TEXT}
    </p>
  );
}
