/** @jsxImportSource hono/jsx */
// The database inspector: one panel per database.
import { StatusBadge } from "../components/status-badge.tsx";
import { Time } from "../components/time.tsx";
import { fmtBytes, fmtInt, fmtMs } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface DatabasePanelProps {
  key: string;
  role: string;
  reachable: boolean;
  latencyMs: number | null;
  engine: string;
  serverVersion: string | null;
  timescaleVersion: string | null;
  /** Why TimescaleDB is offered but not used (e.g. not in shared_preload_libraries). */
  timescaleNote?: string | null;
  databaseBytes: number | null;
  backlog: number | null;
  hypertables: ReadonlyArray<{
    name: string;
    chunks: number;
    compressedChunks: number;
    compression: boolean;
  }>;
  valueTables: ReadonlyArray<{
    name: string;
    rows: number;
    bytes: number;
    currentRows: number;
    newest: string | null;
  }>;
  error: string | null;
}

function Panel(p: { db: DatabasePanelProps }) {
  const d = p.db;
  return (
    <section class="panel" id={`db-${d.key}`} aria-labelledby={`h-db-${d.key}`}>
      <div class="spread">
        <h2 id={`h-db-${d.key}`}>{d.key}</h2>
        <StatusBadge
          status={d.reachable ? "healthy" : "unreachable"}
          label={d.reachable ? "reachable" : "unreachable"}
        />
      </div>
      <dl class="facts">
        <dt>Role</dt>
        <dd>{d.role}</dd>
        <dt>Engine</dt>
        <dd>{d.engine}</dd>
        <dt>Latency</dt>
        <dd>{fmtMs(d.latencyMs)}</dd>
        <dt>PostgreSQL</dt>
        <dd>{d.serverVersion ?? "–"}</dd>
        <dt>TimescaleDB</dt>
        <dd>{d.timescaleVersion ?? "not installed"}</dd>
        <dt>Size</dt>
        <dd>{fmtBytes(d.databaseBytes)}</dd>
        {d.role === "secondary" ? (
          <>
            <dt>Outbox backlog</dt>
            <dd>{fmtInt(d.backlog)}</dd>
          </>
        ) : null}
      </dl>
      {d.timescaleNote ? <p class="hint">{d.timescaleNote}</p> : null}
      {d.error ? <p class="error-text">{d.error}</p> : null}
      {d.hypertables.length > 0 ? (
        <>
          <h3>Hypertables</h3>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Table</th>
                  <th scope="col" class="num">
                    Chunks
                  </th>
                  <th scope="col" class="num">
                    Compressed
                  </th>
                  <th scope="col">Compression</th>
                </tr>
              </thead>
              <tbody>
                {d.hypertables.map((h) => (
                  <tr>
                    <td class="mono">{h.name}</td>
                    <td class="num">{fmtInt(h.chunks)}</td>
                    <td class="num">{fmtInt(h.compressedChunks)}</td>
                    <td>{h.compression ? "on" : "off"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {d.valueTables.length > 0 ? (
        <>
          <h3>Value tables</h3>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Table</th>
                  <th scope="col" class="num">
                    Rows (est.)
                  </th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col" class="num">
                    Points with a value
                  </th>
                  <th scope="col">Newest value</th>
                </tr>
              </thead>
              <tbody>
                {d.valueTables.map((t) => (
                  <tr>
                    <td class="mono">{t.name}</td>
                    <td class="num">{t.rows < 0 ? "–" : fmtInt(t.rows)}</td>
                    <td class="num">{fmtBytes(t.bytes)}</td>
                    <td class="num">{fmtInt(t.currentRows)}</td>
                    <td>
                      <Time at={t.newest} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

export function DatabasesBody(p: { databases: readonly DatabasePanelProps[] }) {
  return (
    <div id="databases" class="stack">
      {p.databases.map((d) => (
        <Panel db={d} />
      ))}
    </div>
  );
}

export function DatabasesPage(p: { shell: Shell; databases: readonly DatabasePanelProps[] }) {
  return (
    <Layout shell={p.shell} title="Databases">
      <div class="spread">
        <h1>Databases</h1>
        <a
          class="button secondary"
          href="/databases"
          hx-get="/databases"
          hx-target="#databases"
          hx-swap="outerHTML"
        >
          Refresh
        </a>
      </div>
      <DatabasesBody databases={p.databases} />
    </Layout>
  );
}
