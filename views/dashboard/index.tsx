/** @jsxImportSource hono/jsx */
// The dashboard: what an operator checks first. Per simulator a live card (key readings, the main
// meter's day, status, next run, progress), values written per second, each database's status,
// latency, backlog and lag, and the latest errors; all updated live over SSE.
import { ActivityItem, type ActivityItemProps } from "../components/activity-item.tsx";
import { DatabaseCards, type DatabaseSummary } from "../components/database-card.tsx";
import { IngestPanel, type IngestRate } from "../components/ingest-rate.tsx";
import { SimulatorCard, type SimulatorSummary } from "../components/simulator-card.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface DashboardProps {
  simulators: readonly SimulatorSummary[];
  databases: readonly DatabaseSummary[];
  ingest: IngestRate;
  /** The latest error events of the org's simulators, newest first. */
  errors: readonly ActivityItemProps[];
  canCreate: boolean;
  now: Date;
}

/** The latest errors; replaced as a whole by the `errors` SSE event. */
export function RecentErrors(props: { errors: readonly ActivityItemProps[] }) {
  return (
    <div id="recent-errors" sse-swap="errors" hx-swap="outerHTML">
      {props.errors.length === 0 ? (
        <p class="muted small">No errors recorded.</p>
      ) : (
        <ul class="timeline">
          {props.errors.map((e) => (
            <ActivityItem ev={e} />
          ))}
        </ul>
      )}
    </div>
  );
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
          <div class="grid sim-grid">
            {p.simulators.map((s) => (
              <SimulatorCard sim={s} now={p.now} />
            ))}
          </div>
        )}
      </section>
      <section aria-labelledby="h-ingest">
        <h2 id="h-ingest">Values written</h2>
        <IngestPanel rate={p.ingest} />
      </section>
      <section aria-labelledby="h-dbs">
        <h2 id="h-dbs">Databases</h2>
        <DatabaseCards databases={p.databases} />
      </section>
      <section aria-labelledby="h-errors">
        <div class="spread">
          <h2 id="h-errors">Recent errors</h2>
          <a class="small" href="/activity?type=error">
            all errors
          </a>
        </div>
        <RecentErrors errors={p.errors} />
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
