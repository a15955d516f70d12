/** @jsxImportSource hono/jsx */
// One simulator's live card (dashboard): status, key readings with units, a 24 h trend of the main
// meter, next run, and a progress bar during a backfill or gap fill. The same component renders the
// page and the SSE update (`sim-<id>` events replace the card).
import { fmtInt, fmtMs, fmtRelative, fmtValue } from "../format.ts";
import type { CurrentValue } from "./point-value.tsx";
import { entityHref } from "./ref-link.tsx";
import { SiteTime } from "./site-time.tsx";
import { Sparkline } from "./sparkline.tsx";
import { StatusBadge } from "./status-badge.tsx";
import { WaitingNote } from "./waiting-note.tsx";

export interface KeyReading {
  pointId: number;
  /** What the reading is (`Outside air`, `Main meter`), short enough for a card. */
  label: string;
  cur: CurrentValue | null;
}

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
  /** IANA zone of the building's (first) site: the last interval is building time. */
  tz?: string;
  readings?: readonly KeyReading[];
  /** The main meter over the last 24 h (evenly spaced, oldest first). */
  meter?: {
    pointId: number;
    label: string;
    unit: string | null;
    values: ReadonlyArray<number | null>;
  } | null;
  /** A backfill or gap fill in progress. */
  progress?: { kind: string; done: number; total: number } | null;
}

export function SimulatorCard(props: { sim: SimulatorSummary; now: Date }) {
  const s = props.sim;
  const pr = s.progress && s.progress.total > 0 ? s.progress : null;
  const pct = pr ? Math.round((pr.done / pr.total) * 100) : 0;
  return (
    <article
      class="card sim-card"
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
      <WaitingNote status={s.status} />
      {s.readings && s.readings.length > 0 ? (
        <ul class="readings">
          {s.readings.map((r) => (
            <li>
              <a href={entityHref(r.pointId)} class="reading-label">
                {r.label}
              </a>
              <span class="reading-value" data-point={r.pointId}>
                {r.cur ? fmtValue(r.cur.value, r.cur.unit) : "–"}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {s.meter ? (
        <div class="meter-trend">
          <a href={entityHref(s.meter.pointId)} class="small muted">
            {s.meter.label}, 24 h
          </a>
          <Sparkline
            values={s.meter.values}
            label={`${s.meter.label}, last 24 h`}
            unit={s.meter.unit}
            width={260}
            height={40}
          />
        </div>
      ) : null}
      {pr ? (
        <div class="card-progress">
          <label for={`card-progress-${s.id}`} class="small">
            {pr.kind === "backfill" ? "Backfill" : "Gap fill"}: {pct} % ({fmtInt(pr.done)} of{" "}
            {fmtInt(pr.total)} intervals)
          </label>
          <progress id={`card-progress-${s.id}`} max={pr.total} value={pr.done}>
            {pct} %
          </progress>
        </div>
      ) : null}
      <dl class="facts">
        <dt>Last interval</dt>
        <dd>
          <SiteTime at={s.lastInterval} tz={s.tz ?? "UTC"} />
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
