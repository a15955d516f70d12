// The embedded layout: building and state data live in one PGlite directory ($DATA_DIR/primary).
// Releases before this one kept the state database in its own directory ($DATA_DIR/state), a
// second engine costing as much memory again. A directory left there by such a release is
// imported into the primary once, in one transaction, and then kept beside it renamed
// (`state.imported-<time>`), never deleted: an upgrade finds every simulator state, activity
// entry, lease and generated secret where it was.
import { existsSync, renameSync, rmSync } from "node:fs";
import type { Logger } from "../log.ts";
import { type Database, openDatabase, type Sql } from "./connect.ts";
import { migrate, migrationsOf } from "./migrate.ts";

/** The ledger entry (scope `layout`) that records an import, so it never runs twice. */
const MARKER = { scope: "layout", name: "state_dir_imported" } as const;
/** Rows per statement: keeps each JSON parameter small on a large activity log. */
const CHUNK = 2000;

export interface ImportedState {
  /** The old directory, now renamed to `keptAs`. */
  readonly from: string;
  readonly keptAs: string;
  /** Rows copied per table; empty when the primary already held the import (a crash after commit). */
  readonly rows: Readonly<Record<string, number>>;
}

/** A callback for openDatabases that logs an import. */
export const logImported =
  (log: Logger) =>
  (i: ImportedState): void =>
    log.info("moved the embedded state database into the primary (the former layout's directory is kept)", {
      from: i.from,
      kept_as: i.keptAs,
      rows: i.rows,
    });

/** True when `dir` holds a PGlite data directory. */
export function isDataDir(dir: string): boolean {
  return existsSync(`${dir}/PG_VERSION`);
}

/**
 * Imports a former embedded state directory into `primary` (embedded, open, with the state
 * migrations applied by this call). Does nothing and returns undefined when `dir` holds no
 * database. The copy is generic: every table the state migrations create, the columns both sides
 * have; serial ids are kept (and the sequence moved past them) unless the primary's table already
 * has rows, where new ids are drawn instead.
 * @throws when the old directory cannot be opened (held by another process, damaged); nothing
 * has changed then.
 */
export async function importFormerState(primary: Database, dir: string): Promise<ImportedState | undefined> {
  if (!isDataDir(dir)) return undefined;
  await migrate(primary, "state");
  const rows: Record<string, number> = {};
  const marked = await primary.query("SELECT 1 FROM core.hs_migration WHERE scope = $1 AND name = $2", [
    MARKER.scope,
    MARKER.name,
  ]);
  if (marked.length === 0) {
    const former = await openDatabase({ key: "state", url: `pglite://${dir}` });
    try {
      // Brings an old directory's columns up to date (additive only), so every column has a place.
      await migrate(former, "state");
      const tables = await former.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables
          WHERE table_schema = 'core' AND table_type = 'BASE TABLE' AND table_name = ANY($1::text[])
          ORDER BY table_name`,
        [stateTables()],
      );
      const chunks: { table: string; json: string }[] = [];
      for (const { t } of tables) {
        rows[t] = 0;
        for (let offset = 0; ; offset += CHUNK) {
          const [r] = await former.query<{ j: string | null; n: number }>(
            `SELECT jsonb_agg(to_jsonb(x))::text AS j, count(*)::int AS n
               FROM (SELECT * FROM core.${quoteIdent(t)} ORDER BY ctid LIMIT ${CHUNK} OFFSET ${offset}) x`,
          );
          if (!r?.j || r.n === 0) break;
          chunks.push({ table: t, json: r.j });
          rows[t] += r.n;
          if (r.n < CHUNK) break;
        }
      }
      await primary.transaction(async (tx) => {
        const plans = new Map<string, { columns: string[]; serial: string[] }>();
        for (const { t } of tables) plans.set(t, await plan(tx, former, t));
        for (const c of chunks) {
          const p = plans.get(c.table)!;
          if (p.columns.length === 0) continue;
          const cols = p.columns.map(quoteIdent).join(", ");
          const table = `core.${quoteIdent(c.table)}`;
          await tx.query(
            `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)
             ON CONFLICT DO NOTHING`,
            [c.json],
          );
        }
        for (const [t, p] of plans)
          for (const col of p.serial)
            await tx.query(
              `SELECT setval(pg_get_serial_sequence($1, $2),
                 coalesce((SELECT max(${quoteIdent(col)}) FROM core.${quoteIdent(t)}), 0) + 1, false)`,
              [`core.${quoteIdent(t)}`, col],
            );
        await tx.query("INSERT INTO core.hs_migration (scope, name, checksum) VALUES ($1, $2, $3)", [
          MARKER.scope,
          MARKER.name,
          JSON.stringify(rows),
        ]);
      });
    } finally {
      await former.close();
    }
  }
  const keptAs = `${dir}.imported-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  renameSync(dir, keptAs);
  rmSync(`${dir}.lock`, { force: true });
  return { from: dir, keptAs, rows: marked.length === 0 ? rows : {} };
}

/**
 * The columns to copy into the primary's table `t`: those both sides have, minus serial columns
 * when the primary's table already has rows (their ids would collide). A table the primary lacks
 * (none today) is skipped.
 */
async function plan(tx: Sql, former: Database, t: string): Promise<{ columns: string[]; serial: string[] }> {
  const columnsOf = async (db: Sql) =>
    db.query<{ c: string; serial: boolean }>(
      `SELECT column_name AS c, coalesce(column_default LIKE 'nextval(%', false) AS serial
         FROM information_schema.columns WHERE table_schema = 'core' AND table_name = $1
        ORDER BY ordinal_position`,
      [t],
    );
  const here = await columnsOf(tx);
  const there = new Set((await columnsOf(former)).map((c) => c.c));
  const shared = here.filter((c) => there.has(c.c));
  if (shared.length === 0) return { columns: [], serial: [] };
  const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM core.${quoteIdent(t)} LIMIT 1) x`,
  );
  const serial = shared.filter((c) => c.serial).map((c) => c.c);
  const columns = shared.filter((c) => !(n > 0 && c.serial)).map((c) => c.c);
  return { columns, serial };
}

/** The tables the state migrations create (read from their SQL, so a new one is copied too). */
function stateTables(): string[] {
  const names = migrationsOf("state").flatMap((m) =>
    [...m.sql.matchAll(/CREATE TABLE IF NOT EXISTS core\.("?)([a-z_][a-z0-9_]*)\1/gi)].map((x) => x[2]!),
  );
  return [...new Set(names)];
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
