/** @jsxImportSource hono/jsx */
// The simulators of the org, with status and key figures.

import type { SimulatorSummary } from "../components/simulator-card.tsx";
import { SiteTime } from "../components/site-time.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { WaitingNote } from "../components/waiting-note.tsx";
import { fmtInt } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export function SimulatorRows(p: { simulators: readonly SimulatorSummary[] }) {
  return (
    <tbody id="simulator-rows">
      {p.simulators.map((s) => (
        <tr>
          <td>
            <a href={`/simulators/${s.id}`}>{s.name}</a>
            <div class="small muted mono">{s.key}</div>
          </td>
          <td>
            <StatusBadge status={s.status} />
            <WaitingNote status={s.status} short />
          </td>
          <td class="hide-sm">{s.template ?? "custom"}</td>
          <td class="hide-sm">{s.intervalMinutes ? `${s.intervalMinutes} min` : "–"}</td>
          <td>
            <SiteTime at={s.lastInterval} tz={s.tz ?? "UTC"} />
          </td>
          <td class="num">{fmtInt(s.pointsWritten)}</td>
          <td class="num">{fmtInt(s.errors24h)}</td>
        </tr>
      ))}
    </tbody>
  );
}

export function SimulatorListPage(p: {
  shell: Shell;
  simulators: readonly SimulatorSummary[];
  canCreate: boolean;
}) {
  return (
    <Layout shell={p.shell} title="Simulators">
      <div class="spread">
        <h1>Simulators</h1>
        {p.canCreate ? (
          <a class="button" href="/simulators/new">
            New simulator
          </a>
        ) : null}
      </div>
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
    </Layout>
  );
}
