/** @jsxImportSource hono/jsx */
import { fmtTime, fmtZoned } from "../format.ts";

/**
 * A system event's instant; the browser shows it in the viewer's zone with the offset when
 * JavaScript runs. Without JavaScript it reads in `tz` (the site's zone, named) when given, else UTC.
 */
export function Time(props: { at: string | Date | null | undefined; tz?: string }) {
  if (!props.at) return <span class="muted">–</span>;
  const iso = typeof props.at === "string" ? props.at : props.at.toISOString();
  return (
    <time datetime={iso} data-local-time={iso}>
      {props.tz ? fmtZoned(props.at, props.tz, { seconds: true }) : fmtTime(props.at)}
    </time>
  );
}
