/**
 * Filter answers from a database and from the evaluator over the same rows: fixture entities
 * (Zinc dicts, laid out as src/haystack/tag-columns.ts stores them) and raw rows are written into
 * a migrated database, marked `value_table_id = 'demo'`; `loadDicts` decodes them back; `evaluate`
 * runs `matches` over those dicts and `select` the compiled SQL, both returning sorted id strings.
 */

import fc from "fast-check";
import type { Database } from "../../src/db/index.ts";
import {
  compileFilter,
  type Dict,
  isDict,
  matches,
  parseFilter,
  Ref,
  readZincValue,
  type SymbolNamespace,
  type TagRow,
  tagColumnsFor,
  tagValueFromRow,
} from "../../src/haystack/index.ts";

/** A row written as it is, bypassing the mapping (legacy rows without `value_kind`, disabled rows). */
export type RawRow = { entity: string; name: string; cols: Partial<TagRow>; disabled?: boolean };

/** Writes `entities` (Zinc dicts with an `id`) and `rawRows`. */
export async function insertFixture(
  db: Database,
  entities: readonly string[],
  rawRows: readonly RawRow[] = [],
): Promise<void> {
  const entityIds = new Map<string, number>();
  const tagIds = new Map<string, number>();
  const entity = async (id: string): Promise<number> => {
    const known = entityIds.get(id);
    if (known !== undefined) return known;
    const [r] = await db.query<{ id: number }>(
      "INSERT INTO core.entity (value_table_id) VALUES ('demo') RETURNING id",
    );
    const n = r?.id ?? 0;
    entityIds.set(id, n);
    return n;
  };
  const tag = async (name: string): Promise<number> => {
    const known = tagIds.get(name);
    if (known !== undefined) return known;
    // Standard tags are seeded by the migrations; the others are added here.
    await db.query("INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [name]);
    const [r] = await db.query<{ id: number }>("SELECT id FROM core.tag_def WHERE name = $1", [name]);
    const n = r?.id ?? 0;
    tagIds.set(name, n);
    return n;
  };
  const insertRow = async (
    eid: number,
    name: string,
    c: Partial<TagRow>,
    disabled: boolean,
  ): Promise<void> => {
    await db.query(
      `INSERT INTO core.entity_tag (entity_id, tag_id, value_n, value_b, value_s, value_ts, value_list, value_dict,
         value_ref, value_unit, value_kind, disabled_ts)
       VALUES ($1, $2, $3::numeric, $4, $5, $6::timestamp, $7::varchar[], $8::text::jsonb, $9, $10, $11, $12::timestamp)`,
      [
        eid,
        await tag(name),
        c.value_n ?? null,
        c.value_b ?? null,
        c.value_s ?? null,
        c.value_ts ?? null,
        c.value_list ?? null,
        c.value_dict === undefined || c.value_dict === null ? null : JSON.stringify(c.value_dict),
        c.value_ref ?? null,
        c.value_unit ?? null,
        c.value_kind ?? null,
        disabled ? "2024-01-01 00:00:00" : null,
      ],
    );
  };
  const parsed = entities.map((z) => {
    const d = readZincValue(z);
    if (!isDict(d)) throw new Error(`fixture is not a dict: ${z}`);
    return d;
  });
  for (const d of parsed) await entity((d.id as Ref).id);
  for (const row of rawRows) await entity(row.entity);
  for (const d of parsed) {
    const eid = await entity((d.id as Ref).id);
    for (const [name, v] of Object.entries(d)) {
      const cols = tagColumnsFor(name, v, (r) => entityIds.get(r.id));
      await insertRow(eid, name, cols, false);
    }
  }
  for (const row of rawRows)
    await insertRow(await entity(row.entity), row.name, row.cols, row.disabled ?? false);
}

export interface Loaded {
  dicts: Map<string, Dict>;
  idOfEntity: Map<number, string>;
}

/** The active rows of the fixture, decoded per entity (by `id` string). */
export async function loadDicts(db: Database): Promise<Loaded> {
  const rows = await db.query<TagRow & { entity_id: number; name: string }>(
    `SELECT et.entity_id, td.name, et.value_n::text AS value_n, et.value_b, et.value_s,
            to_char(et.value_ts, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS value_ts, et.value_list, et.value_dict,
            et.value_ref, et.value_unit, et.value_kind
       FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
       JOIN core.entity e ON e.id = et.entity_id
      WHERE et.disabled_ts IS NULL AND e.value_table_id = 'demo' ORDER BY et.id`,
  );
  const idOfEntity = new Map<number, string>();
  for (const row of rows) if (row.name === "id") idOfEntity.set(row.entity_id, row.value_s ?? "");
  const byEntity = new Map<number, Dict>();
  for (const row of rows) {
    const d = byEntity.get(row.entity_id) ?? {};
    d[row.name] = tagValueFromRow(row, row.name, (n) => idOfEntity.get(n));
    byEntity.set(row.entity_id, d);
  }
  const dicts = new Map<string, Dict>();
  for (const [eid, d] of byEntity) dicts.set(idOfEntity.get(eid) ?? "", d);
  return { dicts, idOfEntity };
}

/** The ids `matches` accepts. */
export function evaluate({ dicts }: Loaded, filter: string, namespace?: SymbolNamespace): string[] {
  const ast = parseFilter(filter);
  const out: string[] = [];
  for (const [id, d] of dicts) if (matches(ast, d, (ref) => dicts.get(ref.id), namespace)) out.push(id);
  return out.sort();
}

/**
 * The entity ids (ascending) of `roots` whose record `matches` the filter, Refs resolved among the
 * records of `reach` by their `id` tag (by default `roots` itself): the reference answer for the
 * records as `read` loads them for a caller.
 */
export function matchingEntityIds(
  roots: ReadonlyMap<number, Dict>,
  filter: string,
  reach: ReadonlyMap<number, Dict> = roots,
): number[] {
  const ast = parseFilter(filter);
  const byRef = new Map<string, Dict>();
  for (const d of reach.values()) if (d.id instanceof Ref) byRef.set(d.id.id, d);
  return [...roots]
    .filter(([, d]) => matches(ast, d, (r) => byRef.get(r.id)))
    .map(([id]) => id)
    .sort((x, y) => x - y);
}

/** The ids the compiled SQL selects. */
export async function select(
  db: Database,
  { idOfEntity }: Loaded,
  filter: string,
  namespace?: SymbolNamespace,
): Promise<string[]> {
  const { sql, params } = compileFilter(parseFilter(filter), {
    entityIdSql: "e.id",
    paramOffset: 1,
    namespace,
  });
  const rows = await db.query<{ id: number }>(
    `SELECT e.id FROM core.entity e WHERE e.value_table_id = $1 AND ${sql} ORDER BY e.id`,
    ["demo", ...params],
  );
  return rows.map((row) => idOfEntity.get(row.id) ?? `#${row.id}`).sort();
}

/** Filters built from `leaf` texts with `and` / `or`, nested a few levels (for property tests). */
export function filterTextOf(leaf: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.tuple(tie("f"), fc.constantFrom("and", "or"), tie("f")).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    ),
  })).f;
}
