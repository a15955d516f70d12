/** @jsxImportSource hono/jsx */
// A coloured status word. The colour is never the only signal: the word is always shown.
const TONE: Record<string, "ok" | "warn" | "bad" | "info" | "idle"> = {
  running: "ok",
  healthy: "ok",
  ok: "ok",
  primary: "info",
  paused: "warn",
  waiting: "info",
  degraded: "warn",
  stopped: "idle",
  error: "bad",
  unhealthy: "bad",
  critical: "bad",
  unreachable: "bad",
};

export function StatusBadge(props: { status: string; label?: string }) {
  return <span class={`badge ${TONE[props.status] ?? "idle"}`}>{props.label ?? props.status}</span>;
}
