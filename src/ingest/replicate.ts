// Every database gets every write. A write to the primary records, in the same transaction, an
// outbox row per secondary describing the change (rows of a catalog table by key, rows deleted,
// values of an org, an org's value tables). A deliverer applies outbox rows to each secondary in
// id order and deletes them once the secondary committed; a secondary that is down keeps its
// backlog until it is back. Applying is idempotent (upserts by key), so a crash between the
// secondary's commit and the outbox delete only re-applies the same rows.

import {
  type Database,
  type Databases,
  ensureValueTables,
  type Row,
  type Sql,
  type ValueTableSettings,
} from "../db/index.ts";
import { migrate } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { upsertValues, type ValueColumns, valueTables } from "./columns.ts";
import { applyValuesDelete, type ValuesDelete } from "./delete.ts";
import { columnsOf, seedSecondary } from "./seed.ts";

/** A change as stored in the outbox (JSON). */
export type Change =
  | { op: "upsert"; table: string; key: string; rows: Row[] }
  | { op: "delete"; table: string; key: string; keys: unknown[] }
  /** A values batch: `cols` (columnar, what writeValues records) or `rows` (older outbox rows). */
  | { op: "values"; orgKey: string; table?: string; cols?: ValueColumns; rows?: Row[] }
  /** Retention: history rows of a value table older than `before` (ISO) were deleted. */
  | { op: "values_delete_before"; table: string; before: string }
  /** Values of some entities were deleted (a range of history, current rebuilt): `deleteValues`. */
  | ({ op: "values_delete" } & ValuesDelete)
  | ({ op: "value_tables"; orgKey: string } & ValueTableSettings);

const TABLE = /^core\.("?)[a-z_][a-z0-9_]*\1$/;
const COLUMN = /^[a-z_][a-z0-9_]*$/;
const ORG_KEY = /^[a-z][a-z0-9_]{0,39}$/;

function checkTable(table: string, key: string): void {
  if (!TABLE.test(table) || !COLUMN.test(key)) throw new Error(`not a replicable table: ${table}(${key})`);
}

export interface ReplicaStatus {
  target: string;
  backlog: number;
  /** Age of the oldest undelivered change, in seconds (0 when none). */
  lagSeconds: number;
  lastError: string | null;
  /** False until the snapshot copy of a new secondary finished (the outbox waits for it). */
  seeded: boolean;
}

export interface Replicator {
  /** Keys of the secondaries that receive changes. */
  readonly targets: readonly string[];
  /**
   * Records, inside the caller's primary transaction, that rows of `table` with these key values
   * changed (inserted or updated): their current content is copied to every secondary.
   */
  recordRows(tx: Sql, table: string, key: string, keys: readonly unknown[]): Promise<void>;
  /** Records that rows of `table` with these key values were deleted (hard delete). */
  recordDelete(tx: Sql, table: string, key: string, keys: readonly unknown[]): Promise<void>;
  /** Records any change (values batches, value tables). */
  record(tx: Sql, change: Change): Promise<void>;
  /** Asks for delivery now (after a commit); returns at once. */
  kick(): void;
  /** Delivers everything pending to `target` now; resolves when its backlog is empty or it failed. */
  deliver(target: string): Promise<void>;
  status(): Promise<ReplicaStatus[]>;
  backlog(target: string): Promise<number>;
  /** Records every configured secondary in `core.hs_replica` and starts periodic delivery. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Backlog and lag of one secondary, in the shape the health checker takes. */
export function replicaBacklog(r: Pick<Replicator, "status">) {
  return async (key: string) => {
    const s = (await r.status()).find((x) => x.target === key);
    return { backlog: s?.backlog ?? 0, lagSeconds: s?.lagSeconds ?? 0 };
  };
}

/** Applies one change to a database (a secondary), inside the caller's transaction. */
export async function applyChange(tx: Sql, change: Change, columnsOf: (t: string) => Promise<string[]>) {
  switch (change.op) {
    case "upsert": {
      checkTable(change.table, change.key);
      if (change.rows.length === 0) return;
      const cols = await columnsOf(change.table);
      const sets = cols.filter((c) => c !== change.key).map((c) => `"${c}" = EXCLUDED."${c}"`);
      await tx.query(
        `INSERT INTO ${change.table} SELECT * FROM jsonb_populate_recordset(NULL::${change.table}, $1::text::jsonb)
         ON CONFLICT ("${change.key}") DO ${sets.length ? `UPDATE SET ${sets.join(", ")}` : "NOTHING"}`,
        [JSON.stringify(change.rows)],
      );
      if (change.key === "id") {
        // Keep the secondary's sequence past the ids it received, so it can take over.
        await tx.query(
          `SELECT setval(s, GREATEST((SELECT max(id) FROM ${change.table}), 1))
             FROM pg_get_serial_sequence($1, 'id') AS s WHERE s IS NOT NULL`,
          [change.table],
        );
      }
      return;
    }
    case "delete":
      checkTable(change.table, change.key);
      await tx.query(
        `DELETE FROM ${change.table} WHERE "${change.key}"::text IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
        [JSON.stringify(change.keys)],
      );
      return;
    case "value_tables":
      if (!ORG_KEY.test(change.orgKey)) throw new Error(`invalid org key ${change.orgKey}`);
      await ensureValueTables(tx, change.orgKey, change);
      return;
    case "values": {
      const table = change.table ?? `values_${change.orgKey}`;
      if (!change.table && !ORG_KEY.test(change.orgKey)) throw new Error(`invalid org key ${change.orgKey}`);
      const t = valueTables(table);
      if (change.cols) {
        await upsertValues(tx, t, change.cols);
        return;
      }
      const cols = "entity_id, ts, value_n, value_b, value_s, value_ts, value_dict, status";
      const rows = JSON.stringify(change.rows ?? []);
      await tx.query(
        `INSERT INTO ${t.hist} (${cols})
         SELECT ${cols} FROM jsonb_populate_recordset(NULL::${t.hist}, $1::text::jsonb) ORDER BY entity_id, ts
         ON CONFLICT (entity_id, ts) DO UPDATE SET value_n = EXCLUDED.value_n, value_b = EXCLUDED.value_b,
           value_s = EXCLUDED.value_s, value_ts = EXCLUDED.value_ts, value_dict = EXCLUDED.value_dict,
           status = EXCLUDED.status`,
        [rows],
      );
      await tx.query(
        `INSERT INTO ${t.cur} AS c (${cols})
         SELECT DISTINCT ON (entity_id) ${cols} FROM jsonb_populate_recordset(NULL::${t.cur}, $1::text::jsonb)
          ORDER BY entity_id, ts DESC
         ON CONFLICT (entity_id) DO UPDATE SET ts = EXCLUDED.ts, value_n = EXCLUDED.value_n,
           value_b = EXCLUDED.value_b, value_s = EXCLUDED.value_s, value_ts = EXCLUDED.value_ts,
           value_dict = EXCLUDED.value_dict, status = EXCLUDED.status
         WHERE c.ts <= EXCLUDED.ts`,
        [rows],
      );
      return;
    }
    case "values_delete_before": {
      const t = valueTables(change.table);
      await tx.query(`DELETE FROM ${t.hist} WHERE ts < $1::text::timestamp`, [change.before]);
      return;
    }
    case "values_delete":
      await applyValuesDelete(tx, change);
      return;
  }
}

export function createReplicator(opts: {
  dbs: Databases;
  log: Logger;
  /** Retry period for secondaries with a backlog (ms). */
  retryMs?: number;
  batchSize?: number;
  /** Chunk interval for value tables created on secondaries (TimescaleDB). */
  chunkDays?: number;
  /** Policies for value tables created by a seed (TimescaleDB). */
  compressAfterDays?: number | undefined;
  retainDays?: number | undefined;
}): Replicator {
  const { dbs, log } = opts;
  const secondaries = new Map<string, Database>(dbs.secondaries.map((d) => [d.key, d]));
  const targets = [...secondaries.keys()];
  const batchSize = opts.batchSize ?? 50;
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const migrated = new Set<string>();
  const lastError = new Map<string, string>();
  const columns = new Map<string, Map<string, string[]>>();
  const seeded = new Set<string>();
  let registered: Promise<void> | undefined;
  let timer: Timer | undefined;
  let stopped = false;

  async function recordAll(tx: Sql, change: Change): Promise<void> {
    if (targets.length === 0) return;
    await tx.query(
      "INSERT INTO core.hs_outbox (target, change) SELECT t, $2::text::jsonb FROM unnest($1::text[]) AS t",
      [targets, JSON.stringify(change)],
    );
  }

  /** Records `added_at` for every configured secondary (once per process; idempotent). */
  function register(): Promise<void> {
    if (targets.length === 0) return Promise.resolve();
    registered ??= dbs.primary
      .query(
        "INSERT INTO core.hs_replica (target) SELECT unnest($1::text[]) ON CONFLICT (target) DO NOTHING",
        [targets],
      )
      .then(
        () => {},
        (e) => {
          registered = undefined;
          throw e;
        },
      );
    return registered;
  }

  async function ensureSeeded(target: string, db: Database): Promise<boolean> {
    if (seeded.has(target)) return true;
    await register();
    const [r] = await dbs.primary.query<{ done: boolean }>(
      "SELECT seeded_at IS NOT NULL AS done FROM core.hs_replica WHERE target = $1",
      [target],
    );
    if (!r?.done) {
      const result = await seedSecondary({
        primary: dbs.primary,
        secondary: db,
        target,
        settings: {
          chunkDays: opts.chunkDays ?? 7,
          compressAfterDays: opts.compressAfterDays,
          retainDays: opts.retainDays,
        },
        log,
        stopped: () => stopped,
      });
      if (result === "stopped") return false;
    }
    seeded.add(target);
    return true;
  }

  async function deliverOnce(target: string): Promise<void> {
    const db = secondaries.get(target);
    if (!db) return;
    if (!migrated.has(target)) {
      await migrate(db, "building");
      migrated.add(target);
    }
    if (!(await ensureSeeded(target, db))) return;
    let cache = columns.get(target);
    if (!cache) {
      cache = new Map();
      columns.set(target, cache);
    }
    // Runs inside the secondary's transaction: PGlite allows no other query meanwhile.
    const cachedColumns = (tx: Sql) => async (table: string) => {
      const known = cache.get(table);
      if (known) return known;
      const cols = await columnsOf(tx, table);
      cache.set(table, cols);
      return cols;
    };
    for (;;) {
      if (stopped) return;
      const batch = await dbs.primary.query<{ id: number; change: Change | string }>(
        "SELECT id, change FROM core.hs_outbox WHERE target = $1 ORDER BY id LIMIT $2",
        [target, batchSize],
      );
      if (batch.length === 0) return;
      await db.transaction(async (tx) => {
        for (const row of batch) {
          const change = typeof row.change === "string" ? (JSON.parse(row.change) as Change) : row.change;
          await applyChange(tx, change, cachedColumns(tx));
        }
      });
      const last = batch[batch.length - 1]!.id;
      await dbs.primary.query(
        `WITH d AS (DELETE FROM core.hs_outbox WHERE target = $1 AND id <= $2 RETURNING 1)
         UPDATE core.hs_replica SET last_delivered_at = now(), last_error = NULL WHERE target = $1`,
        [target, last],
      );
      if (lastError.has(target)) {
        lastError.delete(target);
        log.info("secondary caught up again", { database: target });
      }
    }
  }

  function deliver(target: string): Promise<void> {
    const current = running.get(target);
    if (current) {
      again.add(target);
      return current;
    }
    const p = (async () => {
      try {
        do {
          again.delete(target);
          await deliverOnce(target);
        } while (again.has(target) && !stopped);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (lastError.get(target) !== msg)
          log.warn("secondary delivery failed; will retry", { database: target, error: msg });
        lastError.set(target, msg);
        columns.delete(target);
      } finally {
        running.delete(target);
      }
    })();
    running.set(target, p);
    return p;
  }

  return {
    targets,
    recordRows: async (tx, table, key, keys) => {
      checkTable(table, key);
      if (targets.length === 0 || keys.length === 0) return;
      await tx.query(
        `INSERT INTO core.hs_outbox (target, change)
         SELECT t, jsonb_build_object('op', 'upsert', 'table', $2::text, 'key', $3::text,
                  'rows', (SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) FROM ${table} x
                            WHERE x."${key}"::text IN (SELECT jsonb_array_elements_text($4::text::jsonb))))
           FROM unnest($1::text[]) AS t`,
        [targets, table, key, JSON.stringify(keys)],
      );
    },
    recordDelete: async (tx, table, key, keys) => {
      checkTable(table, key);
      if (keys.length === 0) return;
      await recordAll(tx, { op: "delete", table, key, keys: [...keys] });
    },
    record: recordAll,
    kick: () => {
      for (const t of targets) void deliver(t);
    },
    deliver,
    backlog: async (target) =>
      (
        await dbs.primary.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM core.hs_outbox WHERE target = $1",
          [target],
        )
      )[0]?.n ?? 0,
    status: async () => {
      const rows = await dbs.primary.query<{ target: string; n: number; lag: number | null }>(
        `SELECT target, count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float8 AS lag
           FROM core.hs_outbox GROUP BY target`,
      );
      return targets.map((t) => {
        const r = rows.find((x) => x.target === t);
        return {
          target: t,
          backlog: r?.n ?? 0,
          lagSeconds: r?.lag ?? 0,
          lastError: lastError.get(t) ?? null,
          seeded: seeded.has(t),
        };
      });
    },
    start: async () => {
      if (targets.length === 0 || timer) return;
      try {
        await register();
      } catch (e) {
        log.warn("could not register secondaries yet; will retry", {
          error: e instanceof Error ? e.message : e,
        });
      }
      timer = setInterval(() => {
        for (const t of targets) void deliver(t);
      }, opts.retryMs ?? 5000);
      for (const t of targets) void deliver(t);
    },
    stop: async () => {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await Promise.allSettled([...running.values()]);
    },
  };
}
