// Health of every database: reachability, latency, engine and (for secondaries) outbox backlog.
// Reports keys and roles only, never URLs, hosts or users.

import type { Logger } from "../log.ts";
import type { Database, Engine } from "./connect.ts";
import type { Databases } from "./index.ts";

export type Role = "primary" | "secondary" | "state";

export interface DatabaseHealth {
  key: string;
  is_primary: boolean;
  role: Role;
  status: "healthy" | "unhealthy";
  latency_ms: number | null;
  engine: Engine;
  /** The TimescaleDB version installed in this database; null without it (or while unreachable). */
  timescaledb_version: string | null;
  backlog: number;
  /** Secondaries: age in seconds of the oldest change they have not received (0 when none). */
  lag_seconds?: number;
}

export interface HealthReport {
  overall_status: "healthy" | "degraded" | "critical";
  databases: DatabaseHealth[];
  total_databases: number;
  healthy_databases: number;
}

/** A secondary's outbox backlog (batches) and lag (seconds). */
export interface ReplicaBacklog {
  backlog: number;
  lagSeconds: number;
}

/** Supplies the outbox batches a secondary still needs (0 when there is no outbox), and its lag. */
export type BacklogOf = (key: string) => Promise<number | ReplicaBacklog> | number | ReplicaBacklog;

export function createHealthChecker(dbs: Databases, backlogOf: BacklogOf = () => 0) {
  const engines = new Map<string, { engine: Engine; version: string | null }>();
  const engineOf = async (db: Database) => {
    const known = engines.get(db.key);
    if (known) return known;
    const engine = await db.engine();
    const [v] =
      engine === "timescaledb"
        ? await db.query<{ v: string }>(
            "SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'",
          )
        : [];
    const e = { engine, version: v?.v ?? null };
    engines.set(db.key, e);
    return e;
  };
  const roleOf = (db: Database): Role =>
    db === dbs.primary ? "primary" : dbs.secondaries.includes(db) ? "secondary" : "state";

  /** Pings every database concurrently (each bounded by `timeoutMs`). */
  async function check(timeoutMs = 2000): Promise<HealthReport> {
    const databases = await Promise.all(
      dbs.all().map(async (db): Promise<DatabaseHealth> => {
        const role = roleOf(db);
        let latency: number | null = null;
        let engine: Engine = db.kind === "pglite" ? "pglite" : "postgresql";
        let version: string | null = null;
        try {
          latency = Math.round((await db.ping(timeoutMs)) * 100) / 100;
          ({ engine, version } = await engineOf(db));
        } catch {
          latency = null;
        }
        let backlog = 0;
        let lag: number | undefined;
        if (role === "secondary") {
          try {
            const b = await backlogOf(db.key);
            backlog = typeof b === "number" ? b : b.backlog;
            lag = typeof b === "number" ? undefined : Math.round(b.lagSeconds * 1000) / 1000;
          } catch {
            backlog = 0;
          }
        }
        return {
          key: db.key,
          is_primary: role === "primary",
          role,
          status: latency === null ? "unhealthy" : "healthy",
          latency_ms: latency,
          engine,
          timescaledb_version: version,
          backlog,
          ...(lag !== undefined ? { lag_seconds: lag } : {}),
        };
      }),
    );
    const healthy = databases.filter((d) => d.status === "healthy").length;
    const primaryDown = databases.some((d) => d.role === "primary" && d.status === "unhealthy");
    const stateDown = databases.some((d) => d.role === "state" && d.status === "unhealthy");
    return {
      overall_status:
        primaryDown || stateDown ? "critical" : healthy < databases.length ? "degraded" : "healthy",
      databases,
      total_databases: databases.length,
      healthy_databases: healthy,
    };
  }
  let last: { at: number; report: Promise<HealthReport> } | undefined;
  /**
   * A report no older than `maxAgeMs`: concurrent pages, SSE ticks and metric scrapes within that
   * window share one round of pings instead of each pinging every database.
   */
  function recent(maxAgeMs = 1000, timeoutMs = 1500): Promise<HealthReport> {
    if (!last || performance.now() - last.at > maxAgeMs)
      last = { at: performance.now(), report: check(timeoutMs) };
    return last.report;
  }
  return { check, recent };
}
export type HealthChecker = ReturnType<typeof createHealthChecker>;

/**
 * Logs each database's outages: one error line when it is found down and one info line,
 * "database recovered" with how long it was down, when it answers again (once per outage each;
 * the availability gate notifies only on a change). Returns the unsubscribe function.
 */
export function logAvailabilityChanges(dbs: Databases, log: Pick<Logger, "error" | "info">): () => void {
  const offs = dbs.all().map((db) => {
    let since: Date | undefined;
    return db.onAvailability((a) => {
      if (!a.up && !since) {
        since = a.downSince ?? new Date();
        log.error("database unavailable", { database: db.key, reason: a.reason });
      } else if (a.up && since) {
        const downSeconds = Math.round((Date.now() - since.getTime()) / 100) / 10;
        since = undefined;
        log.info("database recovered", { database: db.key, down_seconds: downSeconds });
      }
    });
  });
  return () => {
    for (const off of offs) off();
  };
}
