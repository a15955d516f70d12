/** @jsxImportSource hono/jsx */
// One activity event: a line with time, simulator, type and message; details expand in place.
// Used by the activity page, the simulator page and the `activity` SSE event. Instants inside a
// message (stored in UTC, `interval 2026-12-02T05:15:00.000Z`) are building times: they read in the
// site's zone, as on the simulator page; the stored message is unchanged.
import { SiteTime } from "./site-time.tsx";
import { StatusBadge } from "./status-badge.tsx";
import { Time } from "./time.tsx";

export interface ActivityItemProps {
  id: number | null;
  simulatorId: number;
  simulatorName: string;
  type: string;
  message: string;
  details: Record<string, unknown> | null;
  at: string;
  /** The simulator's site zone: the time's text without JavaScript. */
  tz?: string;
}

const ISO = /(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z)/;

/** The message with each UTC instant in it shown in the site's zone (`tz`, else UTC). */
export function ActivityMessage(props: { message: string; tz?: string }) {
  const parts = props.message.split(ISO);
  if (parts.length === 1) return <span class="msg">{props.message}</span>;
  return (
    <span class="msg">
      {parts.map((p, i) => (i % 2 === 1 ? <SiteTime at={p} tz={props.tz ?? "UTC"} /> : p))}
    </span>
  );
}

const TONE: Record<string, string> = {
  error: "error",
  recovered: "running",
  start: "running",
  stop: "stopped",
  pause: "paused",
};

export function ActivityItem(props: { ev: ActivityItemProps; fresh?: boolean; showSimulator?: boolean }) {
  const e = props.ev;
  const details = e.details && Object.keys(e.details).length > 0 ? JSON.stringify(e.details, null, 2) : null;
  return (
    <li class={props.fresh ? "new" : undefined} data-type={e.type}>
      <details class="event">
        <summary>
          <span class="when">
            <Time at={e.at} tz={e.tz} />
          </span>
          <StatusBadge status={TONE[e.type] ?? "waiting"} label={e.type} />
          {props.showSimulator !== false ? (
            <a href={`/simulators/${e.simulatorId}`}>{e.simulatorName}</a>
          ) : null}
          <ActivityMessage message={e.message} tz={e.tz} />
          {details ? <span class="small muted">details</span> : null}
        </summary>
        {details ? <pre>{details}</pre> : <p class="small muted">No details.</p>}
      </details>
    </li>
  );
}
