/** @jsxImportSource hono/jsx */
// The dashboard: every simulator and database of the org, updated live.
import { DatabaseCards, type DatabaseSummary } from "../components/database-card.tsx";
import { SimulatorCard, type SimulatorSummary } from "../components/simulator-card.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface DashboardProps {
  simulators: readonly SimulatorSummary[];
  databases: readonly DatabaseSummary[];
  canCreate: boolean;
  now: Date;
}

export function DashboardBody(p: DashboardProps) {
  return (
    <>
      <div class="spread">
        <h1>Dashboard</h1>
        <span class="small muted" id="live-note">
          Updates live
        </span>
      </div>
      <section aria-labelledby="h-sims">
        <div class="spread">
          <h2 id="h-sims">Simulators</h2>
          {p.canCreate ? (
            <a class="button secondary" href="/simulators/new">
              New simulator
            </a>
          ) : null}
        </div>
        {p.simulators.length === 0 ? (
          <p class="muted">No simulators in this org yet.</p>
        ) : (
          <div class="grid">
            {p.simulators.map((s) => (
              <SimulatorCard sim={s} now={p.now} />
            ))}
          </div>
        )}
      </section>
      <section aria-labelledby="h-dbs">
        <h2 id="h-dbs">Databases</h2>
        <DatabaseCards databases={p.databases} />
      </section>
    </>
  );
}

export function DashboardPage(p: DashboardProps & { shell: Shell; live: string }) {
  return (
    <Layout shell={p.shell} title="Dashboard" live={p.live}>
      <DashboardBody {...p} />
    </Layout>
  );
}
