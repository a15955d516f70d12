/** @jsxImportSource hono/jsx */
// A building timestamp in the site's zone with the zone named (`2026-03-01 06:15 EST`). It is final
// on the server: the browser never rewrites it (system events use `Time`, in the viewer's zone).
import { fmtZoned } from "../format.ts";

export function SiteTime(props: { at: string | Date | null | undefined; tz: string; seconds?: boolean }) {
  if (!props.at) return <span class="muted">–</span>;
  const d = typeof props.at === "string" ? new Date(props.at) : props.at;
  if (Number.isNaN(d.getTime())) return <span>{String(props.at)}</span>;
  const iso = d.toISOString();
  return (
    <time datetime={iso} title={`${iso} (${props.tz})`} class="site-time">
      {fmtZoned(d, props.tz, { seconds: props.seconds })}
    </time>
  );
}
