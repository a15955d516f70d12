/** @jsxImportSource hono/jsx */
// A point's current value with its unit, status and time (site zone). The same component renders the
// page and the `pt-<id>` SSE update that replaces it, so a value changes without a reload.
import { fmtValue } from "../format.ts";
import { SiteTime } from "./site-time.tsx";
import { StatusBadge } from "./status-badge.tsx";

export interface CurrentValue {
  value: number | boolean | string | null;
  unit: string | null;
  /** The row's status (`ok` when the source said nothing; `stale`, `fault`, `down`…). */
  status: string | null;
  ts: string | null;
}

/** Statuses that say the value is fine; any other is shown beside the value. */
const GOOD = new Set(["ok", ""]);

export function PointValue(props: {
  pointId: number;
  cur: CurrentValue | null;
  tz: string;
  /** Shows the value's time below it (point page); rows show it in their own column. */
  showTime?: boolean;
  /** Written by an operator: the priority array overrides the simulation. */
  overridden?: boolean;
}) {
  const c = props.cur;
  const status = c?.status ?? "ok";
  return (
    <span
      class="pv"
      id={`pv-${props.pointId}`}
      sse-swap={`pt-${props.pointId}`}
      hx-swap="outerHTML"
      data-ts={c?.ts ?? undefined}
    >
      <span class="pv-value">{c ? fmtValue(c.value, c.unit) : "–"}</span>
      {c && !GOOD.has(status) ? (
        <>
          {" "}
          <StatusBadge status={status === "ok" ? "ok" : "paused"} label={status} />
        </>
      ) : null}
      {props.overridden ? (
        <>
          {" "}
          <StatusBadge status="waiting" label="override" />
        </>
      ) : null}
      {props.showTime ? (
        <span class="pv-time small muted">
          {" "}
          at <SiteTime at={c?.ts} tz={props.tz} />
        </span>
      ) : null}
    </span>
  );
}
