/** @jsxImportSource hono/jsx */
// The simulators of the org, with status, progress and key figures, live over `/events`.

import type { SimulatorSummary } from "../components/simulator-card.tsx";
import { SiteTime } from "../components/site-time.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { WaitingNote } from "../components/waiting-note.tsx";
import { fmtInt } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

/** A backfill or gap fill in progress, in a list row: kind, percent and a bar. */
function RowProgress(p: { id: number; progress: SimulatorSummary["progress"] }) {
  const pr = p.progress && p.progress.total > 0 ? p.progress : null;
  if (!pr) return null;
  const pct = Math.round((pr.done / pr.total) * 100);
  return (
    <div class="small row-progress">
      <label for={`row-progress-${p.id}`}>
        {pr.kind === "backfill" ? "Backfill" : "Gap fill"} {pct} %
      </label>{" "}
      <progress id={`row-progress-${p.id}`} max={pr.total} value={pr.done}>
        {pct} %
      </progress>
    </div>
  );
}

export function SimulatorRows(p: { simulators: readonly SimulatorSummary[] }) {
  return (
    <tbody id="simulator-rows">
      {p.simulators.map((s) => (
        <tr id={`sim-row-${s.id}`}>
          <td>
            <a href={`/simulators/${s.id}`}>{s.name}</a>
            <div class="small muted mono">{s.key}</div>
          </td>
          <td class="sim-status">
            <StatusBadge status={s.status} />
            <WaitingNote status={s.status} short />
            <RowProgress id={s.id} progress={s.progress} />
          </td>
          <td class="hide-sm">{s.template ?? "custom"}</td>
          <td class="hide-sm">{s.intervalMinutes ? `${s.intervalMinutes} min` : "–"}</td>
          <td class="sim-last">
            <SiteTime at={s.lastInterval} tz={s.tz ?? "UTC"} />
          </td>
          <td class="num sim-points">{fmtInt(s.pointsWritten)}</td>
          <td class="num">{fmtInt(s.errors24h)}</td>
        </tr>
      ))}
    </tbody>
  );
}

/**
 * The list (or the note that there is none). The same component renders the page and the
 * `simulators` SSE update, which replaces it as a whole: status, last interval, points written and
 * progress of every row, and simulators created or deleted meanwhile.
 */
export function SimulatorList(p: { simulators: readonly SimulatorSummary[] }) {
  return (
    <div id="simulator-list" sse-swap="simulators" hx-swap="outerHTML">
      {p.simulators.length === 0 ? (
        <p class="muted">No simulators yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Simulators</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" class="hide-sm">
                  Template
                </th>
                <th scope="col" class="hide-sm">
                  Interval
                </th>
                <th scope="col">Last interval</th>
                <th scope="col" class="num">
                  Points
                </th>
                <th scope="col" class="num">
                  Errors 24 h
                </th>
              </tr>
            </thead>
            <SimulatorRows simulators={p.simulators} />
          </table>
        </div>
      )}
    </div>
  );
}

export function SimulatorListPage(p: {
  shell: Shell;
  simulators: readonly SimulatorSummary[];
  canCreate: boolean;
}) {
  return (
    <Layout shell={p.shell} title="Simulators" live="/events?topics=simulators">
      <div class="spread">
        <h1>Simulators</h1>
        {p.canCreate ? (
          <a class="button" href="/simulators/new">
            New simulator
          </a>
        ) : null}
      </div>
      <SimulatorList simulators={p.simulators} />
    </Layout>
  );
}
