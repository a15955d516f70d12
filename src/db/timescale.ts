// TimescaleDB on one database: is it offered by the server, preloaded, installed, and which
// version. `CREATE EXTENSION timescaledb` on a server that offers the extension without having it
// in shared_preload_libraries ends the session with a FATAL that no PL/pgSQL handler can catch, so
// the migrator asks first (timescaleStatus) and, when it would fail, applies the migrations
// without that statement: the database then uses plain tables, with a log line and an inspector
// note saying why.
import type { Sql } from "./connect.ts";

export interface TimescaleStatus {
  /** The version the server offers (pg_available_extensions), null when it offers none. */
  available: string | null;
  /** The version installed in this database (pg_extension), null when not installed. */
  installed: string | null;
  /** Whether the library is in shared_preload_libraries (always true for an embedded build). */
  preloaded: boolean;
  /** Why TimescaleDB is not used although it is offered; null when there is nothing to say. */
  note: string | null;
}

/** The statement of building migration 0002 that creates the extension (migrations never change). */
export const TIMESCALE_CREATE = "CREATE EXTENSION IF NOT EXISTS timescaledb;";

/** True when `shared_preload_libraries` (a comma-separated list) names the timescaledb library. */
export function preloads(setting: string): boolean {
  return setting
    .split(",")
    .map((s) =>
      s
        .trim()
        .replace(/^["']|["']$/g, "")
        .replace(/^.*\//, "")
        .replace(/\.so$/, ""),
    )
    .some((lib) => lib === "timescaledb");
}

/**
 * Reads the TimescaleDB state of a database. Embedded (PGlite) builds load their extensions
 * themselves, so `embedded` counts as preloaded.
 */
export async function timescaleStatus(sql: Sql, embedded: boolean): Promise<TimescaleStatus> {
  const [r] = await sql.query<{ available: string | null; installed: string | null; preload: string | null }>(
    `SELECT (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
            (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS installed,
            current_setting('shared_preload_libraries', true) AS preload`,
  );
  const available = r?.available ?? null;
  const installed = r?.installed ?? null;
  const preloaded = embedded || preloads(r?.preload ?? "");
  let note: string | null = null;
  if (available && !installed && !preloaded)
    note = `TimescaleDB ${available} is installed on the server but not in shared_preload_libraries: value tables are plain tables (add timescaledb to shared_preload_libraries and restart the server to use it for new databases)`;
  else if (available && !installed)
    note = `TimescaleDB ${available} is available but not installed in this database: value tables are plain tables`;
  return { available, installed, preloaded, note };
}

/** True when `CREATE EXTENSION timescaledb` would end the session (offered, not preloaded). */
export function createWouldFail(s: TimescaleStatus): boolean {
  return s.available !== null && s.installed === null && !s.preloaded;
}

/** `sql` with the extension's creation replaced by a no-op PL/pgSQL statement. */
export function withoutTimescaleCreate(sql: string): string {
  return sql.replaceAll(TIMESCALE_CREATE, "NULL; -- timescaledb not preloaded: plain tables");
}
