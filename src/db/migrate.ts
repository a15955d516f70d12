// Applies the embedded, numbered SQL migrations of one scope (building or state) to a database:
// all pending ones in one transaction under an advisory lock, each recorded in core.hs_migration.
// Idempotent; a failure rolls everything back and changes nothing. Before building migrations it
// asks whether `CREATE EXTENSION timescaledb` could run (see timescale.ts): when the server offers
// TimescaleDB without preloading it, the statement would end the session with a FATAL, so the
// migrations run without it and the database uses plain tables (reported in `notes`).
import { buildingMigrations, type Migration, stateMigrations } from "../../schema/index.ts";
import type { Database } from "./connect.ts";
import { createWouldFail, timescaleStatus, withoutTimescaleCreate } from "./timescale.ts";

export type Scope = "building" | "state";

// Arbitrary constant shared by every haystack-sim process: serialises concurrent migrators.
const LOCK_KEY = 7_362_114_901;

export interface MigrationResult {
  readonly key: string;
  readonly scope: Scope;
  readonly applied: readonly string[];
  /** Things the operator should know (e.g. TimescaleDB offered but not preloaded: plain tables). */
  readonly notes: readonly string[];
}

function checksum(sql: string): string {
  return new Bun.CryptoHasher("sha256").update(sql).digest("hex");
}

export function migrationsOf(scope: Scope): readonly Migration[] {
  return scope === "building" ? buildingMigrations : stateMigrations;
}

/**
 * Applies the pending migrations of `scope`. Returns the names applied (empty when up to date).
 * @throws the database error of the first failing migration (with its name), after rolling back.
 */
export async function migrate(db: Database, scope: Scope): Promise<MigrationResult> {
  const all = migrationsOf(scope);
  if (await upToDate(db, scope, all)) return { key: db.key, scope, applied: [], notes: [] };
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS core;
      CREATE TABLE IF NOT EXISTS core.hs_migration (
        scope text NOT NULL, name text NOT NULL, checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, name))`);
    const done = new Set(
      (await tx.query<{ name: string }>("SELECT name FROM core.hs_migration WHERE scope = $1", [scope])).map(
        (r) => r.name,
      ),
    );
    const applied: string[] = [];
    const notes: string[] = [];
    const pending = all.filter((m) => !done.has(m.name));
    let skipTimescale = false;
    if (scope === "building" && pending.length) {
      const ts = await timescaleStatus(tx, db.kind === "pglite");
      skipTimescale = createWouldFail(ts);
      if (skipTimescale && ts.note) notes.push(ts.note);
    }
    for (const m of pending) {
      try {
        await tx.exec(skipTimescale ? withoutTimescaleCreate(m.sql) : m.sql);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(`migration ${scope}/${m.name} failed: ${msg}`);
      }
      await tx.query("INSERT INTO core.hs_migration (scope, name, checksum) VALUES ($1, $2, $3)", [
        scope,
        m.name,
        checksum(m.sql),
      ]);
      applied.push(m.name);
    }
    return { key: db.key, scope, applied, notes };
  });
}

/**
 * One query, no lock, no transaction: whether every migration of `scope` is already recorded (the
 * usual later start). Recorded names only grow (migrations are append-only and applied under the
 * advisory lock in one transaction), so a yes cannot be undone by a concurrent migrator; a no, or
 * a database without the table yet, takes the locked path.
 */
async function upToDate(db: Database, scope: Scope, all: readonly Migration[]): Promise<boolean> {
  try {
    const [r] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.hs_migration WHERE scope = $1 AND name = ANY($2::text[])",
      [scope, all.map((m) => m.name)],
    );
    return r?.n === all.length;
  } catch (e) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: a database never migrated.
    const code = (e as { code?: string }).code;
    if (code === "42P01" || code === "3F000") return false;
    throw e;
  }
}

/** Names of the migrations recorded as applied in `db` for `scope`. */
export async function appliedMigrations(db: Database, scope: Scope): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    "SELECT name FROM core.hs_migration WHERE scope = $1 ORDER BY name",
    [scope],
  );
  return rows.map((r) => r.name);
}
