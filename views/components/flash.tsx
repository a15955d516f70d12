/** @jsxImportSource hono/jsx */
import type { Flash } from "../shell.ts";

/** One-shot messages; errors are announced assertively, the rest politely. */
export function FlashList(props: { flash: readonly Flash[] }) {
  return (
    <>
      {props.flash.map((f) => (
        <div class={`flash ${f.kind}`} role={f.kind === "error" ? "alert" : "status"}>
          {f.text}
        </div>
      ))}
    </>
  );
}
