/** @jsxImportSource hono/jsx */
// One simulator: live status and metrics, controls, backfill with progress, a chart of key points,
// and its latest activity. `SimulatorLive` is also the `simd-<id>` SSE fragment.
import { ActivityItem, type ActivityItemProps } from "../components/activity-item.tsx";
import { Chart, type ChartProps } from "../components/chart.tsx";
import { CsrfField } from "../components/csrf-field.tsx";
import { FormErrors } from "../components/field.tsx";
import type { SimulatorSummary } from "../components/simulator-card.tsx";
import { SiteTime } from "../components/site-time.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { WaitingNote } from "../components/waiting-note.tsx";
import { fmtInt, fmtMs, zoneAbbr } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface Progress {
  kind: string;
  done: number;
  total: number;
}

/**
 * The chart of key points. It is not sent over SSE: after its `chart-<id>` notice (new intervals)
 * the browser reads it again (at most every 5 s, not while the page is hidden) from `data-resync`.
 */
export function KeyPointsPanel(p: { id: number; chart: ChartProps | null }) {
  return (
    <section
      class="panel"
      aria-labelledby="h-chart"
      id={`key-points-${p.id}`}
      data-resync={`/simulators/${p.id}/chart`}
      data-resync-on={`chart-${p.id}`}
    >
      <h2 id="h-chart">Key points</h2>
      {p.chart ? <Chart {...p.chart} /> : <p class="muted">No history yet.</p>}
    </section>
  );
}

export function SimulatorLive(p: { sim: SimulatorSummary; progress: Progress | null }) {
  const s = p.sim;
  const pct =
    p.progress && p.progress.total > 0 ? Math.round((p.progress.done / p.progress.total) * 100) : null;
  return (
    <section
      id={`simd-${s.id}`}
      sse-swap={`simd-${s.id}`}
      hx-swap="outerHTML"
      class="panel"
      aria-labelledby="h-status"
    >
      <div class="spread">
        <h2 id="h-status">Status</h2>
        <StatusBadge status={s.status} />
      </div>
      <WaitingNote status={s.status} />
      <dl class="facts">
        <dt>Desired</dt>
        <dd>{s.desired}</dd>
        <dt>Last interval</dt>
        <dd>
          <SiteTime at={s.lastInterval} tz={s.tz ?? "UTC"} />
        </dd>
        <dt>Next run</dt>
        <dd>
          <SiteTime at={s.nextRun} tz={s.tz ?? "UTC"} />
        </dd>
        <dt>Site time zone</dt>
        <dd class="site-zone">{s.tz ?? "UTC"}</dd>
        <dt>Points written</dt>
        <dd>{fmtInt(s.pointsWritten)}</dd>
        <dt>Errors (24 h)</dt>
        <dd>{fmtInt(s.errors24h)}</dd>
        <dt>Last run took</dt>
        <dd>{fmtMs(s.lastDurationMs)}</dd>
      </dl>
      {s.errorMessage ? <p class="error-text">{s.errorMessage}</p> : null}
      <div id={`progress-${s.id}`} class="progress-box">
        {p.progress ? (
          <>
            <label for={`progress-bar-${s.id}`}>
              {p.progress.kind === "backfill" ? "Backfill" : "Gap fill"}: {fmtInt(p.progress.done)} of{" "}
              {fmtInt(p.progress.total)} intervals ({pct ?? 0} %)
            </label>
            <progress id={`progress-bar-${s.id}`} max={p.progress.total} value={p.progress.done}>
              {pct ?? 0} %
            </progress>
          </>
        ) : null}
      </div>
    </section>
  );
}

function Control(p: {
  id: number;
  action: string;
  label: string;
  csrf: string | null;
  kind?: string;
  disabled?: boolean;
}) {
  return (
    <form
      method="post"
      action={`/simulators/${p.id}/${p.action}`}
      hx-post={`/simulators/${p.id}/${p.action}`}
      hx-swap="none"
    >
      <CsrfField token={p.csrf} />
      <button type="submit" class={p.kind} disabled={p.disabled}>
        {p.label}
      </button>
    </form>
  );
}

export interface SimulatorDetailProps {
  shell: Shell;
  sim: SimulatorSummary;
  progress: Progress | null;
  isAdmin: boolean;
  entityCount: number;
  pointCount: number;
  chart: ChartProps | null;
  activity: readonly ActivityItemProps[];
  config: string;
  backfillError?: string | null;
  defaultFrom: string;
}

export function SimulatorDetailPage(p: SimulatorDetailProps) {
  const s = p.sim;
  const csrf = p.shell.csrf;
  const d = s.desired;
  return (
    <Layout shell={p.shell} title={s.name} live={`/events?topics=sim:${s.id}`} chart>
      <p class="small">
        <a href="/simulators">Simulators</a> /
      </p>
      <div class="spread">
        <h1>{s.name}</h1>
        <span class="mono small muted">{s.key}</span>
      </div>
      {p.isAdmin ? (
        <fieldset class="controls">
          <legend class="visually-hidden">Controls</legend>
          <Control id={s.id} action="start" label="Start" csrf={csrf} disabled={d === "running"} />
          <Control
            id={s.id}
            action="pause"
            label="Pause"
            csrf={csrf}
            kind="secondary"
            disabled={d !== "running"}
          />
          <Control
            id={s.id}
            action="resume"
            label="Resume"
            csrf={csrf}
            kind="secondary"
            disabled={d !== "paused"}
          />
          <Control
            id={s.id}
            action="stop"
            label="Stop"
            csrf={csrf}
            kind="secondary"
            disabled={d === "stopped"}
          />
          <Control
            id={s.id}
            action="run"
            label="Run now"
            csrf={csrf}
            kind="secondary"
            disabled={d !== "running"}
          />
          <a class="button danger" href={`/simulators/${s.id}/reset`}>
            Reset…
          </a>
        </fieldset>
      ) : null}
      <div class="cols">
        <div class="stack">
          <SimulatorLive sim={s} progress={p.progress} />
          <KeyPointsPanel id={s.id} chart={p.chart} />
        </div>
        <div class="stack">
          <section class="panel" aria-labelledby="h-metrics">
            <h2 id="h-metrics">Model</h2>
            <dl class="facts">
              <dt>Template</dt>
              <dd>{s.template ?? "custom"}</dd>
              <dt>Interval</dt>
              <dd>{s.intervalMinutes} min</dd>
              <dt>Entities</dt>
              <dd>{fmtInt(p.entityCount)}</dd>
              <dt>Points</dt>
              <dd>
                {fmtInt(p.pointCount)} (
                <a href={`/explorer?filter=${encodeURIComponent("point and his")}`}>explore</a>)
              </dd>
              <dt>Weather</dt>
              <dd>
                <a href={`/simulators/${s.id}/weather`}>
                  {p.isAdmin ? "Weather files (EPW upload)" : "Weather files"}
                </a>
              </dd>
            </dl>
          </section>
          {p.isAdmin ? (
            <section class="panel" aria-labelledby="h-backfill">
              <h2 id="h-backfill">Backfill</h2>
              <form
                method="post"
                action={`/simulators/${s.id}/backfill`}
                hx-post={`/simulators/${s.id}/backfill`}
                hx-swap="none"
              >
                <CsrfField token={csrf} />
                <FormErrors errors={p.backfillError ? [p.backfillError] : []} />
                <p class="hint">Times are the site's local time ({s.tz ?? "UTC"}).</p>
                <div class="field">
                  <label for="bf-from">From (site time, {zoneAbbr(s.tz ?? "UTC")})</label>
                  <input id="bf-from" name="from" type="datetime-local" value={p.defaultFrom} />
                  <div class="hint">Only intervals after the last one written can be added.</div>
                </div>
                <div class="field">
                  <label for="bf-to">To (site time, {zoneAbbr(s.tz ?? "UTC")}; empty: now)</label>
                  <input id="bf-to" name="to" type="datetime-local" />
                </div>
                <button type="submit">Backfill</button>
              </form>
            </section>
          ) : null}
        </div>
      </div>
      <section aria-labelledby="h-activity">
        <div class="spread">
          <h2 id="h-activity">Latest activity</h2>
          <a href={`/activity?simulator=${s.id}`}>All activity</a>
        </div>
        <ul class="timeline" id="activity-list" sse-swap="activity" hx-swap="afterbegin">
          {p.activity.map((a) => (
            <ActivityItem ev={a} showSimulator={false} />
          ))}
        </ul>
      </section>
      <details class="panel">
        <summary>Configuration</summary>
        <pre>{p.config}</pre>
        {p.isAdmin ? <a href={`/simulators/${s.id}/edit`}>Edit configuration</a> : null}
      </details>
    </Layout>
  );
}

export function ResetConfirmPage(p: { shell: Shell; sim: SimulatorSummary; error?: string | null }) {
  return (
    <Layout shell={p.shell} title={`Reset ${p.sim.name}`}>
      <div class="panel">
        <h1>Reset {p.sim.name}?</h1>
        <p>
          Reset deletes every value this simulator wrote and its checkpoint; the next run starts over with a
          fresh backfill. Type the key <code>{p.sim.key}</code> to confirm.
        </p>
        <FormErrors errors={p.error ? [p.error] : []} />
        <form method="post" action={`/simulators/${p.sim.id}/reset`}>
          <CsrfField token={p.shell.csrf} />
          <div class="field">
            <label for="confirm">Simulator key</label>
            <input id="confirm" name="confirm" type="text" autocomplete="off" required />
          </div>
          <div class="row">
            <button type="submit" class="danger">
              Reset
            </button>
            <a href={`/simulators/${p.sim.id}`}>Cancel</a>
          </div>
        </form>
      </div>
    </Layout>
  );
}
