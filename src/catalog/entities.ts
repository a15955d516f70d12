// Entities: create (with their tags), list, read and soft-delete, scoped to an org. An entity
// belongs to an org through `org_entity_permission`; every read goes through the visibility rule
// of `access/actor.ts` (`visibleEntitySql` for a few entities, `visibleEntityIdsSql` for the org),
// and tags are shown only when their library is visible to the caller.
import { type Actor, requireRole, visibleEntityIdsSql, visibleEntitySql } from "../access/actor.ts";
import { recordAudit } from "../access/audit.ts";
import { activeOrgKey } from "../access/orgs.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { invalidField, paging, recordChange, tagKinds, visibleTagIdsSql, writeTx } from "./shared.ts";
import {
  columnsFromInput,
  type EntityTagOut,
  selectEntityTags,
  type TagValueColumns,
  type TagValueInput,
} from "./tag-values.ts";

export interface EntityOut {
  id: number;
  tags: EntityTagOut[];
}

export type TagInput = TagValueInput & { tag_name: string };

/** Advisory lock class serialising writes of `id` tags within one org. */
const ID_LOCK = 74_211;

/** Takes the org's `id`-tag lock in `tx` (held until commit). */
export async function lockOrgIds(tx: Sql, orgId: number): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1::int, $2::int)", [ID_LOCK, orgId]);
}

/**
 * Entity ids of the org's active entities whose `id` tag is one of `ids` (strings without `@`).
 * Ownership (the org's grant), not the caller's visibility, decides: ids are unique per org.
 */
export async function entitiesByIdTag(
  tx: Sql,
  orgId: number,
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ sid: string; entity_id: number }>(
    `SELECT DISTINCT ON (et.value_s) et.value_s AS sid, et.entity_id
       FROM core.entity_tag et
       JOIN core.tag_def td ON td.id = et.tag_id AND td.name = 'id'
       JOIN core.entity e ON e.id = et.entity_id AND e.disabled_ts IS NULL
       JOIN core.org_entity_permission oep ON oep.entity_id = et.entity_id AND oep.org_id = $1
      WHERE et.disabled_ts IS NULL AND et.value_s = ANY($2::text[])
      ORDER BY et.value_s, et.entity_id`,
    [orgId, [...ids]],
  );
  return new Map(rows.map((r) => [r.sid, r.entity_id]));
}

/** Inserts entity_tag rows (columns per row) and returns their ids in the same order. */
export async function insertEntityTags(
  tx: Sql,
  rows: Array<{ entity_id: number; tag_id: number } & TagValueColumns>,
): Promise<number[]> {
  if (rows.length === 0) return [];
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO core.entity_tag (entity_id, tag_id, value_n, value_b, value_s, value_ts, value_list,
                                  value_dict, value_ref, value_enum, value_unit, value_kind)
     SELECT r.entity_id, r.tag_id, r.value_n, r.value_b, r.value_s, r.value_ts, r.value_list,
            r.value_dict, r.value_ref, r.value_enum, r.value_unit, r.value_kind
       FROM jsonb_to_recordset($1::text::jsonb) AS r(entity_id int, tag_id int,
            value_n numeric, value_b bool, value_s varchar, value_ts timestamp, value_list varchar[],
            value_dict jsonb, value_ref int, value_enum int, value_unit varchar, value_kind varchar, ord int)
      ORDER BY r.ord
     RETURNING id`,
    [JSON.stringify(rows.map((r, ord) => ({ ...r, ord })))],
  );
  return inserted.map((r) => r.id);
}

/**
 * Resolves tag names to visible, active tag definitions (id and kind).
 * @throws AppError invalid naming every unknown (or invisible) tag.
 */
export async function resolveTagNames(
  tx: Sql,
  actor: Actor,
  orgId: number,
  names: readonly string[],
  loc: (name: string) => (string | number)[],
): Promise<Map<string, { id: number; kind: string | undefined }>> {
  const params: unknown[] = [[...new Set(names)]];
  const rows = await tx.query<{ id: number; name: string }>(
    `SELECT id, name FROM core.tag_def WHERE name = ANY($1::text[]) AND disabled_ts IS NULL
        AND id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  const byName = new Map(rows.map((r) => [r.name, r.id]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    const msg = `unknown tag${unknown.length > 1 ? "s" : ""}: ${[...new Set(unknown)].join(", ")}`;
    throw new AppError(
      "invalid",
      msg,
      [...new Set(unknown)].map((n) => ({
        loc: ["body", ...loc(n)],
        msg: `unknown tag ${n}`,
        type: "value_error",
      })),
    );
  }
  const kinds = await tagKinds(tx, [...byName.values()]);
  return new Map([...byName].map(([n, id]) => [n, { id, kind: kinds.get(id) }]));
}

/**
 * Checks value_ref targets (entities visible to the caller in the org) and value_enum ids (enums of
 * the row's tag). Returns each enum id's value.
 * @throws AppError forbidden naming invisible entities; invalid for an enum of another tag.
 */
export async function checkRefsAndEnums(
  tx: Sql,
  actor: Actor,
  orgId: number,
  items: Array<{ tagId: number; input: TagValueInput; loc: (string | number)[] }>,
): Promise<Map<number, string>> {
  const refs = [
    ...new Set(items.map((i) => i.input.value_ref).filter((r): r is number => typeof r === "number")),
  ];
  if (refs.length > 0) {
    const params: unknown[] = [refs];
    const seen = await tx.query<{ id: number }>(
      `SELECT id FROM core.entity e WHERE e.id = ANY($1::int[]) AND ${visibleEntitySql(actor, orgId, "e.id", params)}`,
      params,
    );
    const ok = new Set(seen.map((r) => r.id));
    const bad = refs.filter((r) => !ok.has(r));
    if (bad.length > 0)
      throw new AppError("forbidden", `entities not found or not visible: ${bad.join(", ")}`);
  }
  const enumIds = [
    ...new Set(items.map((i) => i.input.value_enum).filter((e): e is number => typeof e === "number")),
  ];
  const enums = new Map<number, { tag_id: number; value: string }>();
  if (enumIds.length > 0) {
    const rows = await tx.query<{ id: number; tag_id: number; value: string }>(
      "SELECT id, tag_id, value FROM core.tag_def_enum WHERE id = ANY($1::int[]) AND disabled_ts IS NULL",
      [enumIds],
    );
    for (const r of rows) enums.set(r.id, r);
  }
  const values = new Map<number, string>();
  for (const i of items) {
    const e = i.input.value_enum;
    if (typeof e !== "number") continue;
    const found = enums.get(e);
    if (!found || found.tag_id !== i.tagId)
      throw invalidField([...i.loc, "value_enum"], `value_enum ${e} is not an enum value of this tag`);
    values.set(e, found.value);
  }
  return values;
}

/**
 * Fails when another active entity of the org already has one of these `id` values. Call with the
 * org's id lock held (`lockOrgIds`).
 * @throws AppError conflict naming the id.
 */
export async function checkIdsFree(tx: Sql, orgId: number, ids: readonly string[], except?: number) {
  const taken = await entitiesByIdTag(tx, orgId, ids);
  for (const [sid, entityId] of taken)
    if (entityId !== except)
      throw new AppError("conflict", `id ${sid} is already used by entity ${entityId}`);
}

/** The active, visible tags of these entities, ordered by entity and tag row id. */
export async function tagsOf(
  sql: Sql,
  actor: Actor,
  orgId: number,
  entityIds: readonly number[],
): Promise<Map<number, EntityTagOut[]>> {
  const out = new Map<number, EntityTagOut[]>(entityIds.map((id) => [id, []]));
  if (entityIds.length === 0) return out;
  const params: unknown[] = [[...entityIds]];
  const tags = await selectEntityTags(
    sql,
    `et.entity_id = ANY($1::int[]) AND et.disabled_ts IS NULL AND et.tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  for (const t of tags) out.get(t.entity_id)?.push(t);
  return out;
}

/**
 * Creates an entity of the org with its tags. Org admin.
 * @throws AppError forbidden (role, org, invisible value_ref targets), invalid (duplicate or unknown
 * tag names, several value fields, a bad `id`), conflict (the `id` is already used in the org).
 */
export async function createEntity(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  tags: readonly TagInput[];
}): Promise<EntityOut> {
  const { deps, actor, orgId, tags } = opts;
  requireRole(actor, orgId, "admin");
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    if (seen.has(t.tag_name)) throw invalidField(["tags", i, "tag_name"], `duplicate tag ${t.tag_name}`);
    seen.add(t.tag_name);
  });
  return writeTx(deps, async (tx) => {
    const orgKey = await activeOrgKey(tx, orgId);
    const defs = await resolveTagNames(
      tx,
      actor,
      orgId,
      tags.map((t) => t.tag_name),
      (n) => ["tags", tags.findIndex((t) => t.tag_name === n), "tag_name"],
    );
    const items = tags.map((t, i) => ({ tagId: defs.get(t.tag_name)!.id, input: t, loc: ["tags", i] }));
    const enumValues = await checkRefsAndEnums(tx, actor, orgId, items);
    const cols = tags.map((t, i) =>
      columnsFromInput(
        t.tag_name,
        defs.get(t.tag_name)!.kind,
        t,
        ["tags", i],
        t.value_enum == null ? undefined : enumValues.get(t.value_enum),
      ),
    );
    const idIndex = tags.findIndex((t) => t.tag_name === "id");
    if (idIndex >= 0) {
      const c = cols[idIndex]!;
      if (c.value_kind !== "Ref" || !c.value_s)
        throw invalidField(["tags", idIndex, "value_s"], "the id tag needs its id string in value_s");
      await lockOrgIds(tx, orgId);
      await checkIdsFree(tx, orgId, [c.value_s]);
    }
    const [entity] = await tx.query<{ id: number }>(
      "INSERT INTO core.entity (value_table_id) VALUES ($1) RETURNING id",
      [orgKey],
    );
    const entityId = entity!.id;
    const [grant] = await tx.query<{ id: number }>(
      "INSERT INTO core.org_entity_permission (org_id, entity_id) VALUES ($1, $2) RETURNING id",
      [orgId, entityId],
    );
    await deps.replicator.recordRows(tx, "core.entity", "id", [entityId]);
    await deps.replicator.recordRows(tx, "core.org_entity_permission", "id", [grant!.id]);
    const ids = await insertEntityTags(
      tx,
      cols.map((c, i) => ({ entity_id: entityId, tag_id: items[i]!.tagId, ...c })),
    );
    await recordChange(deps, tx, actor, "entity_tag", ids);
    return { id: entityId, tags: (await tagsOf(tx, actor, orgId, [entityId])).get(entityId) ?? [] };
  });
}

/** The entity id for a path reference: a numeric id, or the value of an `id` tag (`@` optional). */
export async function resolveEntityRef(sql: Sql, actor: Actor, orgId: number, ref: string): Promise<number> {
  const params: unknown[] = [];
  let found: Array<{ id: number }>;
  if (/^\d{1,9}$/.test(ref)) {
    params.push(Number(ref));
    found = await sql.query<{ id: number }>(
      `SELECT e.id FROM core.entity e WHERE e.id = $1 AND ${visibleEntitySql(actor, orgId, "e.id", params)}`,
      params,
    );
  } else {
    params.push(ref.startsWith("@") ? ref.slice(1) : ref);
    found = await sql.query<{ id: number }>(
      `SELECT et.entity_id AS id FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id AND td.name = 'id'
        WHERE et.value_s = $1 AND et.disabled_ts IS NULL AND ${visibleEntitySql(actor, orgId, "et.entity_id", params)}
        ORDER BY et.entity_id LIMIT 1`,
      params,
    );
  }
  if (!found[0]) throw new AppError("forbidden", `entity ${ref} not found or not visible`);
  return found[0].id;
}

/**
 * One entity with its visible tags, by numeric id or `id` tag. Member.
 * @throws AppError forbidden (role; unknown, foreign or invisible entity alike).
 */
export async function getEntity(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  ref: string;
}): Promise<EntityOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const db = deps.dbs.primary;
  const id = await resolveEntityRef(db, actor, orgId, opts.ref);
  return { id, tags: (await tagsOf(db, actor, orgId, [id])).get(id) ?? [] };
}

/**
 * The org's entities visible to the caller, by id, with their tags. Member.
 * @throws AppError forbidden.
 */
export async function listEntities(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  skip?: number;
  limit?: number;
}): Promise<EntityOut[]> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const { skip, limit } = paging(opts.skip, opts.limit);
  const db = deps.dbs.primary;
  const params: unknown[] = [];
  const rows = await db.query<{ id: number }>(
    visibleEntityIdsSql(actor, orgId, params, { skip, limit }),
    params,
  );
  const ids = rows.map((r) => r.id);
  const tags = await tagsOf(db, actor, orgId, ids);
  return ids.map((id) => ({ id, tags: tags.get(id) ?? [] }));
}

/**
 * Soft-deletes an entity of the org (sets `disabled_ts`; tags and values stay). Org admin.
 * Returns the entity as it was.
 * @throws AppError forbidden (role; unknown, foreign or invisible entity alike).
 */
export async function deleteEntity(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  ref: string;
}): Promise<EntityOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const id = await resolveEntityRef(tx, actor, orgId, opts.ref);
    const tags = (await tagsOf(tx, actor, orgId, [id])).get(id) ?? [];
    await tx.query("UPDATE core.entity SET disabled_ts = now()::timestamp WHERE id = $1", [id]);
    await deps.replicator.recordRows(tx, "core.entity", "id", [id]);
    await recordAudit(tx, actor, { action: "entity.delete", orgId, target: `entity:${id}` });
    return { id, tags };
  });
}
