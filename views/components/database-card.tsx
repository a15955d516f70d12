/** @jsxImportSource hono/jsx */
// Databases at a glance (dashboard): status, role, latency, backlog. Replaced as a whole by the
// `databases` SSE event.
import { fmtInt, fmtMs } from "../format.ts";
import { StatusBadge } from "./status-badge.tsx";

export interface DatabaseSummary {
  key: string;
  role: "primary" | "secondary" | "state";
  status: "healthy" | "unhealthy";
  latencyMs: number | null;
  engine: string;
  backlog: number;
}

export function DatabaseCards(props: { databases: readonly DatabaseSummary[] }) {
  return (
    <div class="grid" id="database-cards" sse-swap="databases" hx-swap="outerHTML">
      {props.databases.map((d) => (
        <article class="card">
          <header>
            <h3>
              <a href={`/databases#db-${d.key}`}>{d.key}</a>
            </h3>
            <StatusBadge status={d.status} />
          </header>
          <dl class="facts">
            <dt>Role</dt>
            <dd>{d.role}</dd>
            <dt>Engine</dt>
            <dd>{d.engine}</dd>
            <dt>Latency</dt>
            <dd>{fmtMs(d.latencyMs)}</dd>
            {d.role === "secondary" ? (
              <>
                <dt>Backlog</dt>
                <dd>{d.backlog > 0 ? <StatusBadge status="waiting" label={fmtInt(d.backlog)} /> : "0"}</dd>
              </>
            ) : null}
          </dl>
        </article>
      ))}
    </div>
  );
}
