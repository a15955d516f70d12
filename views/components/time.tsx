/** @jsxImportSource hono/jsx */
import { fmtTime } from "../format.ts";

/** A UTC instant; the browser shows it in local time when JavaScript runs. */
export function Time(props: { at: string | Date | null | undefined }) {
  if (!props.at) return <span class="muted">–</span>;
  const iso = typeof props.at === "string" ? props.at : props.at.toISOString();
  return (
    <time datetime={iso} data-local-time={iso}>
      {fmtTime(props.at)}
    </time>
  );
}
