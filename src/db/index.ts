// The databases of one process: the primary building database, its secondaries (each gets every
// write), and the state database (which may be the primary itself).
import type { Config, DatabaseTarget } from "../config.ts";
import { type Database, openDatabase } from "./connect.ts";
import { type ImportedState, importFormerState } from "./layout.ts";
import { type MigrationResult, migrate } from "./migrate.ts";

export type { CopyData, Database, Engine, Row, Sql } from "./connect.ts";
export { copyField, copyIn, openDatabase } from "./connect.ts";
export { type ImportedState, logImported } from "./layout.ts";
export { DirectoryLockedError } from "./lock.ts";
export { appliedMigrations, migrate } from "./migrate.ts";

export interface Databases {
  readonly primary: Database;
  readonly secondaries: readonly Database[];
  readonly state: Database;
  /** True when the state database is the primary. */
  readonly stateIsPrimary: boolean;
  /** Every distinct database, primary first. */
  all(): Database[];
  close(): Promise<void>;
}

/**
 * Opens every configured database. A secondary that cannot be reached at start is still
 * returned (its pool reconnects later); an unreachable or locked primary or state database throws.
 * An embedded state directory of the former layout (`config.state.formerDir`) is imported into the
 * embedded primary first (db/layout.ts); `onImported` hears about it.
 */
export async function openDatabases(
  cfg: Pick<Config, "primary" | "secondaries" | "state">,
  onImported?: (imported: ImportedState) => void,
): Promise<Databases> {
  const opened: Database[] = [];
  const open = async (t: DatabaseTarget) => {
    const db = await openDatabase({ key: t.key, url: t.url });
    opened.push(db);
    return db;
  };
  try {
    const primary = await open(cfg.primary);
    if (cfg.state.sameAsPrimary && cfg.state.formerDir && primary.kind === "pglite") {
      const imported = await importFormerState(primary, cfg.state.formerDir);
      if (imported) onImported?.(imported);
    }
    const state = cfg.state.sameAsPrimary ? primary : await open(cfg.state);
    const secondaries: Database[] = [];
    for (const s of cfg.secondaries) secondaries.push(await open(s));
    return {
      primary,
      secondaries,
      state,
      stateIsPrimary: state === primary,
      all: () => [primary, ...secondaries, ...(state === primary ? [] : [state])],
      close: async () => {
        await Promise.allSettled([...opened].reverse().map((d) => d.close()));
      },
    };
  } catch (e) {
    await Promise.allSettled(opened.map((d) => d.close()));
    throw e;
  }
}

/** Migrates the primary and state databases, and every reachable secondary (building scope). */
export async function migrateAll(
  dbs: Databases,
  onSkip?: (key: string, error: unknown) => void,
): Promise<MigrationResult[]> {
  const results: MigrationResult[] = [];
  results.push(await migrate(dbs.primary, "building"));
  results.push(await migrate(dbs.state, "state"));
  for (const s of dbs.secondaries) {
    try {
      results.push(await migrate(s, "building"));
    } catch (e) {
      onSkip?.(s.key, e);
    }
  }
  return results;
}
export {
  createOutageMemo,
  DatabaseUnavailableError,
  guardDatabaseFaults,
  isConnectionError,
  type OutageMemo,
} from "./faults.ts";
export { ensureValueTables, type ValueTableSettings } from "./value-tables.ts";
