// The snapshot copy that seeds a new, empty secondary: the catalog tables in dependency order, then
// each org's value tables, in key-ordered chunks. Progress is kept in the primary
// (`core.hs_replica.seed_progress`), so an interrupted copy resumes where it stopped. The outbox
// records every write for the secondary from the moment it was added, and is applied only after
// the copy finished: a row written during the copy is either in a chunk read after it, or in the
// outbox, or both (upserts by key make the overlap harmless).
import { type Database, ensureValueTables, type Sql, type ValueTableSettings } from "../db/index.ts";
import type { Logger } from "../log.ts";

interface TableStep {
  kind: "table";
  name: string;
  /** Quoted, schema-qualified table. */
  table: string;
  key: string[];
  chunk: number;
}

/** Replicated catalog tables (CONTRACT.md "Where data lives"), parents before children. */
export const CATALOG_TABLES: readonly { table: string; key: string[] }[] = [
  { table: "core.org", key: ["id"] },
  { table: 'core."user"', key: ["id"] },
  { table: "core.entity", key: ["id"] },
  { table: "core.tag_def", key: ["id"] },
  { table: "core.tag_def_h", key: ["id", "modified"] },
  { table: "core.entity_tag", key: ["id"] },
  { table: "core.entity_tag_h", key: ["id", "modified"] },
  { table: "core.tag_meta", key: ["id"] },
  { table: "core.tag_meta_h", key: ["id", "modified"] },
  { table: "core.tag_hierarchy", key: ["id"] },
  { table: "core.tag_hierarchy_h", key: ["id", "modified"] },
  { table: "core.tag_def_enum", key: ["id"] },
  { table: "core.tag_def_enum_h", key: ["id", "modified"] },
  { table: "core.org_user", key: ["id"] },
  { table: "core.org_admin", key: ["id"] },
  { table: "core.user_app", key: ["id"] },
  { table: "core.org_entity_permission", key: ["id"] },
  { table: "core.org_tag_permission", key: ["id"] },
  { table: "core.user_entity_add_permission", key: ["id"] },
  { table: "core.user_entity_rev_permission", key: ["id"] },
  { table: "core.user_tag_add_permission", key: ["id"] },
  { table: "core.user_tag_rev_permission", key: ["id"] },
];

const CATALOG_CHUNK = 5_000;
const VALUES_CHUNK = 10_000;
const PLAIN = /^[a-z_][a-z0-9_]*$/;

export interface SeedProgress {
  step: string;
  /** Key of the last row copied in `step` (JSON object), null at its start. */
  after: Record<string, unknown> | null;
  rows: number;
  /**
   * Highest id of each id-keyed catalog table when the copy started (read in one statement, so
   * one snapshot): rows above it are left to the outbox, so a child row is never copied before
   * the parent it references.
   */
  hwm?: Record<string, number | null>;
}

async function steps(
  primary: Database,
): Promise<(TableStep | { kind: "org"; name: string; key: string; valueTable: string })[]> {
  const out: (TableStep | { kind: "org"; name: string; key: string; valueTable: string })[] =
    CATALOG_TABLES.map((t) => ({
      kind: "table",
      name: t.table,
      table: t.table,
      key: t.key,
      chunk: CATALOG_CHUNK,
    }));
  const orgs = await primary.query<{ key: string | null; value_table: string }>(
    "SELECT key, value_table FROM core.org ORDER BY id",
  );
  for (const o of orgs) {
    if (!PLAIN.test(o.value_table)) continue;
    out.push({ kind: "org", name: `org:${o.value_table}`, key: o.key ?? "", valueTable: o.value_table });
    out.push({
      kind: "table",
      name: `core.${o.value_table}`,
      table: `core."${o.value_table}"`,
      key: ["entity_id", "ts"],
      chunk: VALUES_CHUNK,
    });
    out.push({
      kind: "table",
      name: `core.${o.value_table}_current`,
      table: `core."${o.value_table}_current"`,
      key: ["entity_id"],
      chunk: VALUES_CHUNK,
    });
  }
  return out;
}

/** The columns of a table (`schema.name`, quotes allowed) in order; none when it does not exist. */
export async function columnsOf(db: Sql, table: string): Promise<string[]> {
  const [schema, name] = table.replaceAll('"', "").split(".") as [string, string];
  return (
    await db.query<{ c: string }>(
      "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
      [schema, name],
    )
  ).map((r) => r.c);
}

async function tableExists(db: Sql, table: string): Promise<boolean> {
  return (await columnsOf(db, table)).length > 0;
}

/** Copies one chunk of `step` after `after`; returns the last key copied (null when done). */
async function copyChunk(
  primary: Database,
  secondary: Database,
  step: TableStep,
  after: Record<string, unknown> | null,
  secondaryCols: string[],
  hwm: number | null | undefined,
): Promise<{ last: Record<string, unknown> | null; n: number }> {
  const keyList = step.key.map((k) => `"${k}"`).join(", ");
  const conds: string[] = [];
  if (hwm !== undefined) conds.push(hwm === null ? "false" : `id <= ${Number(hwm)}`);
  if (after)
    conds.push(
      `(${keyList}) > (SELECT ${keyList} FROM jsonb_populate_record(NULL::${step.table}, $2::text::jsonb))`,
    );
  const where = conds.length ? `WHERE ${conds.join(" AND ")}` : "";
  const rows = await primary.query<{ rows: string; last: string | null; n: number }>(
    `SELECT coalesce(json_agg(x), '[]')::text AS rows, count(*)::int AS n,
            (SELECT json_build_object(${step.key.map((k) => `'${k}', l."${k}"`).join(", ")})::text
               FROM (SELECT * FROM ${step.table} ${where} ORDER BY ${keyList} LIMIT $1) l
              ORDER BY ${step.key.map((k) => `l."${k}" DESC`).join(", ")} LIMIT 1) AS last
       FROM (SELECT * FROM ${step.table} ${where} ORDER BY ${keyList} LIMIT $1) x`,
    after ? [step.chunk, JSON.stringify(after)] : [step.chunk],
  );
  const r = rows[0]!;
  if (r.n === 0) return { last: null, n: 0 };
  const sets = secondaryCols.filter((c) => !step.key.includes(c)).map((c) => `"${c}" = EXCLUDED."${c}"`);
  await secondary.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO ${step.table} SELECT * FROM jsonb_populate_recordset(NULL::${step.table}, $1::text::jsonb)
       ON CONFLICT (${keyList}) DO ${sets.length ? `UPDATE SET ${sets.join(", ")}` : "NOTHING"}`,
      [r.rows],
    );
    if (step.key.length === 1 && step.key[0] === "id")
      await tx.query(
        `SELECT setval(s, GREATEST((SELECT max(id) FROM ${step.table}), 1))
           FROM pg_get_serial_sequence($1, 'id') AS s WHERE s IS NOT NULL`,
        [step.table],
      );
  });
  return { last: r.n < step.chunk ? null : (JSON.parse(r.last!) as Record<string, unknown>), n: r.n };
}

/**
 * Seeds `secondary` from `primary`, resuming from `core.hs_replica.seed_progress`; marks
 * `seeded_at` when done. A secondary that already holds orgs and has no copy in progress is taken
 * as an existing replica (kept current by the outbox) and only marked. Throws when either database
 * fails; the next call resumes.
 */
export async function seedSecondary(opts: {
  primary: Database;
  secondary: Database;
  target: string;
  /** How value tables made on the secondary are created (chunk interval, policies). */
  settings: ValueTableSettings;
  log: Logger;
  /** Stops between chunks when it returns true. */
  stopped?: () => boolean;
}): Promise<"seeded" | "stopped"> {
  const { primary, secondary, target, log } = opts;
  const [state] = await primary.query<{ seed_progress: SeedProgress | string | null }>(
    "SELECT seed_progress FROM core.hs_replica WHERE target = $1",
    [target],
  );
  let progress: SeedProgress | null =
    typeof state?.seed_progress === "string"
      ? JSON.parse(state.seed_progress)
      : (state?.seed_progress ?? null);
  if (!progress) {
    const [has] = await secondary.query<{ n: number }>("SELECT count(*)::int AS n FROM core.org");
    if ((has?.n ?? 0) > 0) {
      log.info("secondary already holds data: not copied, kept current by the outbox", { database: target });
      await primary.query("UPDATE core.hs_replica SET seeded_at = now() WHERE target = $1", [target]);
      return "seeded";
    }
    log.info("seeding new secondary", { database: target });
  } else log.info("resuming seed of secondary", { database: target, step: progress.step });

  if (!progress?.hwm) {
    const idTables = CATALOG_TABLES.filter((t) => t.key.length === 1 && t.key[0] === "id");
    const [row] = await primary.query<Record<string, number | null>>(
      `SELECT ${idTables.map((t, j) => `(SELECT max(id) FROM ${t.table})::int AS h${j}`).join(", ")}`,
    );
    const hwm: Record<string, number | null> = {};
    idTables.forEach((t, j) => {
      hwm[t.table] = row?.[`h${j}`] ?? null;
    });
    progress = {
      step: progress?.step ?? CATALOG_TABLES[0]!.table,
      after: progress?.after ?? null,
      rows: 0,
      hwm,
    };
    await primary.query("UPDATE core.hs_replica SET seed_progress = $2::text::jsonb WHERE target = $1", [
      target,
      JSON.stringify(progress),
    ]);
  }
  const hwm = progress.hwm!;
  const all = await steps(primary);
  let i = Math.max(
    0,
    all.findIndex((s) => s.name === progress!.step),
  );
  let after = progress.after;
  let total = progress.rows;
  const save = (p: SeedProgress) =>
    primary.query("UPDATE core.hs_replica SET seed_progress = $2::text::jsonb WHERE target = $1", [
      target,
      JSON.stringify(p),
    ]);
  for (; i < all.length; i++, after = null) {
    const step = all[i]!;
    if (step.kind === "org") {
      if (step.valueTable === `values_${step.key}`)
        await ensureValueTables(secondary, step.key, opts.settings);
      continue;
    }
    if (!(await tableExists(primary, step.table)) || !(await tableExists(secondary, step.table))) continue;
    const cols = await columnsOf(secondary, step.table);
    for (;;) {
      if (opts.stopped?.()) return "stopped";
      await save({ step: step.name, after, rows: total, hwm });
      const { last, n } = await copyChunk(primary, secondary, step, after, cols, hwm[step.table]);
      total += n;
      if (!last) break;
      after = last;
    }
  }
  await primary.query(
    "UPDATE core.hs_replica SET seeded_at = now(), seed_progress = $2::text::jsonb WHERE target = $1",
    [target, JSON.stringify({ step: "done", after: null, rows: total })],
  );
  log.info("secondary seeded", { database: target, rows: total });
  return "seeded";
}
