/** @jsxImportSource hono/jsx */
// Databases at a glance (dashboard): status, role, latency, and for secondaries the outbox backlog
// and lag. Replaced as a whole by the `databases` SSE event.
import { fmtInt, fmtMs, fmtNum } from "../format.ts";
import { StatusBadge } from "./status-badge.tsx";

export interface DatabaseSummary {
  key: string;
  role: "primary" | "secondary" | "state";
  status: "healthy" | "unhealthy";
  latencyMs: number | null;
  engine: string;
  backlog: number;
  /** Age of the oldest change a secondary has not received (seconds); null when unknown. */
  lagSeconds?: number | null;
}

/** `0 s`, `42 s`, `3.5 min`, `2.1 h`. */
export function fmtLag(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return "–";
  if (s < 60) return `${fmtNum(s, 0)} s`;
  if (s < 3600) return `${fmtNum(s / 60, 1)} min`;
  return `${fmtNum(s / 3600, 1)} h`;
}

export function DatabaseCards(props: { databases: readonly DatabaseSummary[] }) {
  return (
    <div class="grid" id="database-cards" sse-swap="databases" hx-swap="outerHTML">
      {props.databases.map((d) => (
        <article class="card" data-db={d.key}>
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
                <dd>
                  {d.backlog > 0 ? (
                    <StatusBadge status="waiting" label={`${fmtInt(d.backlog)} batches`} />
                  ) : (
                    "0"
                  )}
                </dd>
                <dt>Lag</dt>
                <dd>{d.backlog > 0 ? fmtLag(d.lagSeconds) : "none"}</dd>
              </>
            ) : null}
          </dl>
        </article>
      ))}
    </div>
  );
}
