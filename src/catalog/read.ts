// Entity reads for the Haystack protocol: the org an `/api/{key}` path names, the visible entities
// a filter or a list of ids selects, and their tags decoded to Haystack dicts (Refs carry the
// target's `dis`; points get `curVal`/`curStatus` from the org's current-values table).
import { type Actor, requireRole, visibleEntitySql } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import {
  compileFilter,
  type Dict,
  type FilterNode,
  FilterSyntaxError,
  HNum,
  parseFilter,
  Ref,
  type TagRow,
  tagValueFromRow,
} from "../haystack/index.ts";

export interface HaystackOrg {
  readonly id: number;
  readonly key: string;
  /** `values_<key>`: the history table; the current values are in `<valueTable>_current`. */
  readonly valueTable: string;
}

const ORG_KEY = /^[a-z][a-z0-9_]{0,39}$/;
const VALUE_TABLE = /^values_[a-z][a-z0-9_]{0,39}$/;

/**
 * The active org with this key, when the actor is a member of it.
 * @throws AppError forbidden for an unknown key, a disabled org, or no membership (no oracle).
 */
export async function resolveOrg(deps: ServiceDeps, actor: Actor, key: string): Promise<HaystackOrg> {
  if (!ORG_KEY.test(key)) throw new AppError("forbidden", "not allowed in this org");
  const [row] = await deps.dbs.primary.query<{ id: number; key: string; value_table: string }>(
    "SELECT id, key, value_table FROM core.org WHERE key = $1 AND disabled_ts IS NULL",
    [key],
  );
  if (!row) throw new AppError("forbidden", "not allowed in this org");
  requireRole(actor, row.id, "member");
  return { id: row.id, key: row.key, valueTable: row.value_table };
}

/** The quoted `core."values_<key>"` (or `_current`) table name; throws for an odd value_table. */
export function valueTableSql(org: HaystackOrg, current = false): string {
  if (!VALUE_TABLE.test(org.valueTable)) throw new AppError("internal", "org has no value table");
  return `core."${org.valueTable}${current ? "_current" : ""}"`;
}

/**
 * Parses a filter.
 * @throws AppError invalid (status 400) with `"line:col message"` on a syntax error.
 */
export function parseFilterOrThrow(text: string): FilterNode {
  try {
    return parseFilter(text);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new AppError("invalid", e.toString(), undefined, 400);
    throw e;
  }
}

/** Ids of the visible entities of the org matching the filter, by id, paged. */
export async function filterEntityIds(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ast: FilterNode,
  page: { skip?: number; limit?: number },
): Promise<number[]> {
  const params: unknown[] = [];
  const visible = visibleEntitySql(actor, orgId, "e.id", params);
  const f = compileFilter(ast, { entityIdSql: "e.id", paramOffset: params.length });
  params.push(...f.params);
  let text = `SELECT e.id FROM core.entity e WHERE ${visible} AND ${f.sql} ORDER BY e.id`;
  if (page.skip) {
    params.push(page.skip);
    text += ` OFFSET $${params.length}`;
  }
  if (page.limit !== undefined) {
    params.push(page.limit);
    text += ` LIMIT $${params.length}`;
  }
  return (await sql.query<{ id: number }>(text, params)).map((r) => r.id);
}

/** Maps Haystack id strings to the visible entities carrying them (unknown ids are absent). */
export async function entityIdsByRef(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const params: unknown[] = [[...new Set(ids)]];
  const visible = visibleEntitySql(actor, orgId, "i.entity_id", params);
  const rows = await sql.query<{ ref: string; entity_id: number }>(
    `SELECT i.value_s AS ref, i.entity_id FROM core.entity_tag i JOIN core.tag_def d ON d.id = i.tag_id
      WHERE d.name = 'id' AND i.disabled_ts IS NULL AND i.value_s = ANY($1::text[]) AND ${visible}
      ORDER BY i.entity_id`,
    params,
  );
  const out = new Map<string, number>();
  for (const r of rows) if (!out.has(r.ref)) out.set(r.ref, r.entity_id);
  return out;
}

type TagRowWithName = TagRow & { entity_id: number; name: string };

const TAG_COLUMNS =
  "et.entity_id, td.name, et.value_n, et.value_b, et.value_s, et.value_ts, et.value_list, et.value_dict, et.value_ref, et.value_unit, et.value_kind";

/**
 * The Haystack dicts of these entities (which the caller has checked are visible), in the order
 * given. Every dict has an `id` Ref (the `id` tag, or the integer id as text when it has none) with
 * the entity's `dis`. Ref values carry their target's `dis`. When `org` is given, points without a
 * `curVal` tag get `curVal`/`curStatus` from the org's current-values table.
 */
export async function loadDicts(
  sql: Sql,
  entityIds: readonly number[],
  org?: HaystackOrg,
): Promise<Map<number, Dict>> {
  const out = new Map<number, Dict>();
  if (entityIds.length === 0) return out;
  const rows = await sql.query<TagRowWithName>(
    `SELECT ${TAG_COLUMNS} FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
      WHERE et.entity_id = ANY($1::int4[]) AND et.disabled_ts IS NULL ORDER BY et.entity_id, et.id`,
    [[...entityIds]],
  );
  const targets = new Set<number>();
  for (const r of rows) if (r.value_ref !== null) targets.add(r.value_ref);
  const idDis = await idsAndDis(sql, [...new Set([...entityIds, ...targets])]);
  const idOf = (n: number) => idDis.get(n)?.id;
  const byEntity = new Map<number, Dict>();
  for (const r of rows) {
    let d = byEntity.get(r.entity_id);
    if (!d) {
      d = {};
      byEntity.set(r.entity_id, d);
    }
    let v: ReturnType<typeof tagValueFromRow>;
    try {
      v = tagValueFromRow(r, r.name, (n) => idOf(n) ?? String(n));
    } catch {
      continue;
    }
    if (v instanceof Ref && r.name !== "id" && r.value_ref !== null) {
      const dis = idDis.get(r.value_ref)?.dis;
      if (dis !== undefined) v = new Ref(v.id, dis);
    }
    d[r.name] = v;
  }
  for (const id of entityIds) {
    const d = byEntity.get(id) ?? {};
    const self = idDis.get(id);
    d.id = new Ref(self?.id ?? String(id), self?.dis ?? (typeof d.dis === "string" ? d.dis : undefined));
    out.set(id, d);
  }
  if (org) await addCurrentValues(sql, org, out);
  return out;
}

async function idsAndDis(sql: Sql, ids: number[]): Promise<Map<number, { id?: string; dis?: string }>> {
  const out = new Map<number, { id?: string; dis?: string }>();
  if (ids.length === 0) return out;
  const rows = await sql.query<{ entity_id: number; name: string; value_s: string | null }>(
    `SELECT et.entity_id, td.name, et.value_s FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
      WHERE et.entity_id = ANY($1::int4[]) AND et.disabled_ts IS NULL AND td.name IN ('id', 'dis')`,
    [ids],
  );
  for (const r of rows) {
    if (r.value_s === null) continue;
    const e = out.get(r.entity_id) ?? {};
    if (r.name === "id") e.id = r.value_s;
    else e.dis = r.value_s;
    out.set(r.entity_id, e);
  }
  return out;
}

async function addCurrentValues(sql: Sql, org: HaystackOrg, dicts: Map<number, Dict>): Promise<void> {
  const points = [...dicts]
    .filter(([, d]) => d.point !== undefined && d.curVal === undefined)
    .map(([id]) => id);
  if (points.length === 0) return;
  const [exists] = await sql.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [
    valueTableSql(org, true),
  ]);
  if (!exists?.t) return;
  const rows = await sql.query<{
    entity_id: number;
    value_n: number | null;
    value_b: boolean | null;
    value_s: string | null;
  }>(
    `SELECT entity_id, value_n, value_b, value_s FROM ${valueTableSql(org, true)} WHERE entity_id = ANY($1::int4[])`,
    [points],
  );
  for (const r of rows) {
    const d = dicts.get(r.entity_id);
    if (!d) continue;
    const unit = typeof d.unit === "string" ? d.unit : undefined;
    if (r.value_n !== null) d.curVal = new HNum(Number(r.value_n), unit);
    else if (r.value_b !== null) d.curVal = r.value_b;
    else if (r.value_s !== null) d.curVal = r.value_s;
    else continue;
    d.curStatus = "ok";
  }
}
