// An org's value tables, created where they are first needed (a new org on the primary, its
// replay on a secondary, a secondary's seed) together with their TimescaleDB policies: a table
// made while the server runs must not wait for the daily job to be compressed or trimmed.
import type { Sql } from "./connect.ts";

export interface ValueTableSettings {
  /** Hypertable chunk interval (TimescaleDB). */
  chunkDays: number;
  /** Compress chunks older than this many days (TimescaleDB); unset: no compression policy. */
  compressAfterDays?: number | null | undefined;
  /** Drop history older than this many days; unset: keep everything. */
  retainDays?: number | null | undefined;
}

/**
 * Creates (idempotently) `core.values_<orgKey>` and its current table and, where TimescaleDB is
 * installed and a policy is configured, applies the compression and retention policies to it.
 * A no-op for policies on plain PostgreSQL and PGlite (the daily retention job trims those).
 * @throws the database error (invalid org key, duplicates preventing the key).
 */
export async function ensureValueTables(sql: Sql, orgKey: string, s: ValueTableSettings): Promise<void> {
  await sql.query("SELECT core.hs_ensure_value_tables($1, make_interval(days => $2))", [orgKey, s.chunkDays]);
  if (s.compressAfterDays == null && s.retainDays == null) return;
  await sql.query("SELECT core.hs_value_policies($1, $2, $3)", [
    `values_${orgKey}`,
    s.compressAfterDays ?? null,
    s.retainDays ?? null,
  ]);
}
