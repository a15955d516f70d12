/** @jsxImportSource hono/jsx */
// One simulator's status card (dashboard). The same component renders the page and the SSE
// update (`sim-<id>` events replace the card).
import { fmtInt, fmtMs, fmtRelative } from "../format.ts";
import { StatusBadge } from "./status-badge.tsx";
import { Time } from "./time.tsx";

export interface SimulatorSummary {
  id: number;
  key: string;
  name: string;
  orgKey: string;
  template: string | null;
  status: string;
  desired: string;
  lastInterval: string | null;
  nextRun: string | null;
  pointsWritten: number;
  errors24h: number;
  lastDurationMs: number | null;
  errorMessage: string | null;
  intervalMinutes: number | null;
}

export function SimulatorCard(props: { sim: SimulatorSummary; now: Date }) {
  const s = props.sim;
  return (
    <article
      class="card"
      id={`sim-card-${s.id}`}
      sse-swap={`sim-${s.id}`}
      hx-swap="outerHTML"
      aria-live="polite"
    >
      <header>
        <h3>
          <a href={`/simulators/${s.id}`}>{s.name}</a>
        </h3>
        <span>
          <StatusBadge status={s.status} />
          {s.desired !== s.status && (s.desired === "paused" || s.desired === "stopped") ? (
            <span class="small muted"> {s.desired === "paused" ? "pausing" : "stopping"}</span>
          ) : null}
        </span>
      </header>
      <dl class="facts">
        <dt>Last interval</dt>
        <dd>
          <Time at={s.lastInterval} />
        </dd>
        <dt>Next run</dt>
        <dd>{s.nextRun ? fmtRelative(s.nextRun, props.now) : "–"}</dd>
        <dt>Points written</dt>
        <dd class="pts">{fmtInt(s.pointsWritten)}</dd>
        <dt>Errors (24 h)</dt>
        <dd>{s.errors24h > 0 ? <StatusBadge status="error" label={fmtInt(s.errors24h)} /> : "0"}</dd>
        <dt>Last run took</dt>
        <dd>{fmtMs(s.lastDurationMs)}</dd>
      </dl>
      {s.errorMessage ? <p class="error-text small">{s.errorMessage}</p> : null}
    </article>
  );
}
