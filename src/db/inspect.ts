// Read-only catalog queries for the console's database inspector: server and TimescaleDB versions,
// hypertables with chunks and compression, value tables with estimated rows and sizes, and the
// newest current value. For application admins (the caller checks); reports names, never URLs.
import type { Database, Databases } from "./index.ts";
import { timescaleStatus } from "./timescale.ts";

export interface HypertableInfo {
  name: string;
  chunks: number;
  compressedChunks: number;
  compression: boolean;
}

export interface ValueTableInfo {
  name: string;
  /** Planner estimate (pg_class.reltuples); an exact count for small never-analysed tables; -1 otherwise. */
  rows: number;
  bytes: number;
  currentRows: number;
  newest: string | null;
}

export interface DatabaseInspection {
  key: string;
  role: "primary" | "secondary" | "state";
  reachable: boolean;
  latencyMs: number | null;
  engine: string;
  serverVersion: string | null;
  timescaleVersion: string | null;
  /** Why TimescaleDB is offered by the server but not used here (e.g. not preloaded); else null. */
  timescaleNote: string | null;
  hypertables: HypertableInfo[];
  valueTables: ValueTableInfo[];
  databaseBytes: number | null;
  error: string | null;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

async function inspectOne(
  db: Database,
  role: DatabaseInspection["role"],
  timeoutMs: number,
): Promise<DatabaseInspection> {
  const base: DatabaseInspection = {
    key: db.key,
    role,
    reachable: false,
    latencyMs: null,
    engine: db.kind === "pglite" ? "pglite" : "postgresql",
    serverVersion: null,
    timescaleVersion: null,
    timescaleNote: null,
    hypertables: [],
    valueTables: [],
    databaseBytes: null,
    error: null,
  };
  try {
    base.latencyMs = Math.round((await db.ping(timeoutMs)) * 100) / 100;
    base.reachable = true;
    base.engine = await db.engine();
    const [v] = await db.query<{ v: string; size: string | number | null }>(
      "SELECT current_setting('server_version') AS v, pg_database_size(current_database()) AS size",
    );
    base.serverVersion = v?.v ?? null;
    base.databaseBytes = v?.size === null || v?.size === undefined ? null : Number(v.size);
    const ts = await timescaleStatus(db, db.kind === "pglite");
    base.timescaleVersion = ts.installed;
    base.timescaleNote = ts.note;
    if (base.timescaleVersion) {
      const hts = await db.query<{
        name: string;
        chunks: unknown;
        compressed: unknown;
        compression: boolean;
      }>(
        `SELECT h.hypertable_schema || '.' || h.hypertable_name AS name,
                (SELECT count(*) FROM timescaledb_information.chunks c
                  WHERE c.hypertable_schema = h.hypertable_schema AND c.hypertable_name = h.hypertable_name) AS chunks,
                (SELECT count(*) FROM timescaledb_information.chunks c
                  WHERE c.hypertable_schema = h.hypertable_schema AND c.hypertable_name = h.hypertable_name
                    AND c.is_compressed) AS compressed,
                h.compression_enabled AS compression
           FROM timescaledb_information.hypertables h ORDER BY 1`,
      );
      base.hypertables = hts.map((h) => ({
        name: h.name,
        chunks: num(h.chunks),
        compressedChunks: num(h.compressed),
        compression: !!h.compression,
      }));
    }
    if (role !== "state") {
      const tables = await db.query<{ name: string; rows: unknown; bytes: unknown }>(
        `SELECT c.relname AS name, c.reltuples AS rows, pg_total_relation_size(c.oid) AS bytes
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'core' AND c.relkind IN ('r', 'p') AND c.relname IN (SELECT value_table FROM core.org)
          ORDER BY c.relname`,
      );
      for (const t of tables) {
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(t.name)) continue;
        let rows = num(t.rows);
        let bytes = num(t.bytes);
        if (base.hypertables.some((h) => h.name === `core.${t.name}`)) {
          const [hs] = await db.query<{ b: unknown; n: unknown }>(
            `SELECT hypertable_size('core."${t.name}"') AS b, approximate_row_count('core."${t.name}"') AS n`,
          );
          bytes = num(hs?.b);
          rows = num(hs?.n);
        } else if (rows < 0 && bytes < 256 * 1024 * 1024) {
          // Never analysed (new or embedded databases): a small table is counted exactly.
          const [exact] = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM core."${t.name}"`);
          rows = num(exact?.n);
        }
        const [cur] = await db.query<{ n: unknown; newest: Date | string | null }>(
          `SELECT count(*) AS n, max(ts) AS newest FROM core."${t.name}_current"`,
        );
        base.valueTables.push({
          name: t.name,
          rows,
          bytes,
          currentRows: num(cur?.n),
          newest: cur?.newest ? new Date(cur.newest).toISOString() : null,
        });
      }
    }
  } catch (e) {
    base.error = base.reachable ? "catalog query failed" : "unreachable";
    if (!(e instanceof Error)) base.error = "unreachable";
  }
  return base;
}

/** Inspects every database concurrently (each bounded by `timeoutMs` for its ping). */
export async function inspectDatabases(dbs: Databases, timeoutMs = 2000): Promise<DatabaseInspection[]> {
  const roleOf = (db: Database): DatabaseInspection["role"] =>
    db === dbs.primary ? "primary" : dbs.secondaries.includes(db) ? "secondary" : "state";
  return Promise.all(dbs.all().map((db) => inspectOne(db, roleOf(db), timeoutMs)));
}
