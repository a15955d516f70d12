// Retention and compression of value history. On TimescaleDB, `core.hs_value_policies` installs
// per-table policies (compression after TIMESCALE_COMPRESS_AFTER days, chunks dropped after
// RETAIN_DAYS) in every database; TimescaleDB's own jobs apply them. Elsewhere (plain PostgreSQL,
// PGlite) a daily cron job (`ingest.retention`) deletes history older than RETAIN_DAYS from the
// primary and records the deletion in the outbox, so secondaries delete the same rows. Current
// values are kept: they are each point's latest value, whatever its age.

import { orgValueTables } from "../access/orgs.ts";
import { cronService } from "../cron.ts";
import type { Database } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { valueTables } from "./columns.ts";

const PLAIN = /^[a-z_][a-z0-9_]{0,54}$/;

async function valueTablesOf(db: Database): Promise<string[]> {
  const out: string[] = [];
  for (const table of await orgValueTables(db)) {
    if (!PLAIN.test(table)) continue;
    const [exists] = await db.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [
      `core."${table}"`,
    ]);
    if (exists?.ok) out.push(table);
  }
  return out;
}

/**
 * Installs (or removes, when unset) the TimescaleDB compression and retention policies of every
 * org's history table in `db`. Returns the function's answer per table (`none` without
 * TimescaleDB, `applied`, `not a hypertable`).
 */
export async function applyValuePolicies(
  deps: Pick<ServiceDeps, "config">,
  db: Database,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of await valueTablesOf(db)) {
    const [r] = await db.query<{ result: string }>("SELECT core.hs_value_policies($1, $2, $3) AS result", [
      table,
      deps.config.timescaleCompressAfterDays ?? null,
      deps.config.retainDays ?? null,
    ]);
    out[table] = r?.result ?? "none";
  }
  return out;
}

/**
 * Deletes history older than `RETAIN_DAYS` before `now` from every org's table in the primary, each
 * table in one transaction with its outbox record. Does nothing when RETAIN_DAYS is unset. When the
 * primary runs TimescaleDB (its retention policy drops whole chunks), only the plain secondaries are
 * trimmed, each directly. Returns rows deleted.
 */
export async function deleteExpiredValues(deps: ServiceDeps, now = deps.clock.now()): Promise<number> {
  const days = deps.config.retainDays;
  if (!days) return 0;
  const primary = deps.dbs.primary;
  const before = new Date(now.getTime() - days * 86_400_000).toISOString();
  // A TimescaleDB primary drops chunks by its own policy and records nothing in the outbox, so
  // each plain secondary is trimmed here directly (a TimescaleDB secondary has its own policy).
  if ((await primary.engine()) === "timescaledb") return deleteOnPlainSecondaries(deps, before);
  let deleted = 0;
  for (const table of await valueTablesOf(primary)) {
    const t = valueTables(table);
    deleted += await primary.transaction(async (tx) => {
      const [r] = await tx.query<{ n: number }>(
        `WITH d AS (DELETE FROM ${t.hist} WHERE ts < $1::text::timestamp RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [before],
      );
      if ((r?.n ?? 0) > 0) await deps.replicator.record(tx, { op: "values_delete_before", table, before });
      return r?.n ?? 0;
    });
  }
  if (deleted > 0) deps.replicator.kick();
  return deleted;
}

async function deleteOnPlainSecondaries(deps: ServiceDeps, before: string): Promise<number> {
  let deleted = 0;
  for (const db of deps.dbs.secondaries) {
    try {
      if ((await db.engine()) === "timescaledb") continue;
      for (const table of await valueTablesOf(db)) {
        const [r] = await db.query<{ n: number }>(
          `WITH d AS (DELETE FROM ${valueTables(table).hist} WHERE ts < $1::text::timestamp RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [before],
        );
        deleted += r?.n ?? 0;
      }
    } catch (e) {
      // Unreachable now: the next daily run trims it.
      deps.log.warn("retention skipped a secondary", { database: db.key, error: e });
    }
  }
  return deleted;
}

/** The daily retention job and the policy set-up, as a background service of the server. */
export function retentionService(deps: ServiceDeps) {
  const run = async () => {
    for (const db of [deps.dbs.primary, ...deps.dbs.secondaries]) {
      try {
        await applyValuePolicies(deps, db);
      } catch (e) {
        deps.log.warn("value policies not applied; retried on the next run", {
          database: db.key,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
    const n = await deleteExpiredValues(deps);
    if (n > 0) deps.log.info("expired values deleted", { rows: n, retainDays: deps.config.retainDays });
  };
  return cronService({
    name: "ingest.retention",
    pattern: "17 3 * * *",
    log: deps.log,
    failure: "retention job failed; retried tomorrow",
    // Policies (and a first cleanup) at start, in the background: start-up does not wait.
    atStart: "retention at start failed; retried by the daily job",
    run,
  });
}
