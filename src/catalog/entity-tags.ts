// Entity tags one at a time: add a tag to an entity, list, read, change its value, remove it
// (soft delete). Every change writes an `entity_tag_h` row and is recorded for the secondaries.
import { type Actor, requireRole, visibleEntitySql } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import {
  checkIdsFree,
  checkRefsAndEnums,
  insertEntityTags,
  lockOrgIds,
  resolveEntityRef,
  resolveTagNames,
} from "./entities.ts";
import { invalidField, paging, recordChange, tagKinds, visibleTagIdsSql, writeTx } from "./shared.ts";
import { columnsFromInput, type EntityTagOut, selectEntityTags, type TagValueInput } from "./tag-values.ts";

/** Resolves a tag reference (numeric id or name) to a visible tag's name. */
async function tagNameOf(sql: Sql, actor: Actor, orgId: number, tag: string | number): Promise<string> {
  if (typeof tag === "string" && !/^\d+$/.test(tag)) return tag;
  const params: unknown[] = [Number(tag)];
  const [row] = await sql.query<{ name: string }>(
    `SELECT name FROM core.tag_def WHERE id = $1 AND id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  if (!row) throw invalidField(["tag_id"], `unknown tag ${tag}`);
  return row.name;
}

/** An active entity tag row visible to the caller (entity and tag), or forbidden. */
async function visibleEntityTag(sql: Sql, actor: Actor, orgId: number, id: number): Promise<EntityTagOut> {
  const params: unknown[] = [id];
  const where = `et.id = $1 AND et.disabled_ts IS NULL AND ${visibleEntitySql(actor, orgId, "et.entity_id", params)}
     AND et.tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`;
  const [row] = await selectEntityTags(sql, where, params, "");
  if (!row) throw new AppError("forbidden", `entity tag ${id} not found or not visible`);
  return row;
}

/**
 * Adds a tag (by name or id) with its value to an entity of the org. Org admin.
 * @throws AppError forbidden (role; unknown, foreign or invisible entity; invisible value_ref),
 * invalid (unknown tag, several value fields), conflict (the entity has that tag already, or the
 * `id` value is used by another entity of the org).
 */
export async function createEntityTag(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  entityId: number | string;
  tag: string | number;
  value: TagValueInput;
}): Promise<EntityTagOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const entityId = await resolveEntityRef(tx, actor, orgId, String(opts.entityId));
    const name = await tagNameOf(tx, actor, orgId, opts.tag);
    const def = (await resolveTagNames(tx, actor, orgId, [name], () => ["tag_name"])).get(name)!;
    const enums = await checkRefsAndEnums(tx, actor, orgId, [{ tagId: def.id, input: opts.value, loc: [] }]);
    const cols = columnsFromInput(
      name,
      def.kind,
      opts.value,
      [],
      opts.value.value_enum == null ? undefined : enums.get(opts.value.value_enum),
    );
    if (name === "id") {
      if (!cols.value_s) throw invalidField(["value_s"], "the id tag needs its id string in value_s");
      await lockOrgIds(tx, orgId);
      await checkIdsFree(tx, orgId, [cols.value_s]);
    }
    const [dup] = await tx.query(
      "SELECT 1 FROM core.entity_tag WHERE entity_id = $1 AND tag_id = $2 AND disabled_ts IS NULL",
      [entityId, def.id],
    );
    if (dup) throw new AppError("conflict", `entity ${entityId} already has tag ${name}`);
    const [id] = await insertEntityTags(tx, [{ entity_id: entityId, tag_id: def.id, ...cols }]);
    await recordChange(deps, tx, actor, "entity_tag", [id!]);
    return visibleEntityTag(tx, actor, orgId, id!);
  });
}

/**
 * Active tags of the org's visible entities, ordered by id. With `tag` (id or name), only that tag;
 * with `valueS` as well, only rows whose `value_s` contains it (as the original). Member.
 * @throws AppError forbidden.
 */
export async function listEntityTags(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  tag?: string | null;
  valueS?: string | null;
  skip?: number;
  limit?: number;
}): Promise<EntityTagOut[]> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const { skip, limit } = paging(opts.skip, opts.limit);
  const params: unknown[] = [orgId, actor.userId ?? 0];
  let where = `et.disabled_ts IS NULL
    AND et.entity_id IN (SELECT entity_id FROM core.org_entity_permission WHERE org_id = $1
                         UNION SELECT entity_id FROM core.user_entity_add_permission WHERE user_id = $2)
    AND ${visibleEntitySql(actor, orgId, "et.entity_id", params)}
    AND et.tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`;
  if (opts.tag) {
    if (/^\d+$/.test(opts.tag)) {
      params.push(Number(opts.tag));
      where += ` AND et.tag_id = $${params.length}`;
    } else {
      params.push(opts.tag);
      where += ` AND td.name = $${params.length}`;
    }
    if (opts.valueS) {
      params.push(`%${opts.valueS.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      where += ` AND et.value_s LIKE $${params.length}`;
    }
  }
  params.push(skip, limit);
  return selectEntityTags(
    deps.dbs.primary,
    where,
    params,
    `ORDER BY et.id OFFSET $${params.length - 1} LIMIT $${params.length}`,
  );
}

/**
 * One active entity tag. Member.
 * @throws AppError forbidden (unknown, foreign or invisible alike).
 */
export async function getEntityTag(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
}): Promise<EntityTagOut> {
  requireRole(opts.actor, opts.orgId, "member");
  return visibleEntityTag(opts.deps.dbs.primary, opts.actor, opts.orgId, opts.id);
}

/**
 * Replaces the value of an entity tag with the given fields (none: a Marker). Org admin.
 * @throws AppError forbidden, invalid, conflict (an `id` value used by another entity).
 */
export async function updateEntityTag(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
  value: TagValueInput;
}): Promise<EntityTagOut> {
  const { deps, actor, orgId, id } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const row = await visibleEntityTag(tx, actor, orgId, id);
    const kind = (await tagKinds(tx, [row.tag_id])).get(row.tag_id);
    const enums = await checkRefsAndEnums(tx, actor, orgId, [
      { tagId: row.tag_id, input: opts.value, loc: [] },
    ]);
    const c = columnsFromInput(
      row.tag_name,
      kind,
      opts.value,
      [],
      opts.value.value_enum == null ? undefined : enums.get(opts.value.value_enum),
    );
    if (row.tag_name === "id") {
      if (!c.value_s) throw invalidField(["value_s"], "the id tag needs its id string in value_s");
      await lockOrgIds(tx, orgId);
      await checkIdsFree(tx, orgId, [c.value_s], row.entity_id);
    }
    await tx.query(
      `UPDATE core.entity_tag SET value_n = $2, value_b = $3, value_s = $4, value_ts = $5::timestamp,
              value_list = $6::varchar[], value_dict = $7::text::jsonb, value_ref = $8, value_enum = $9,
              value_unit = $10, value_kind = $11
        WHERE id = $1`,
      [
        id,
        c.value_n,
        c.value_b,
        c.value_s,
        c.value_ts,
        c.value_list,
        c.value_dict === null ? null : JSON.stringify(c.value_dict),
        c.value_ref,
        c.value_enum,
        c.value_unit,
        c.value_kind,
      ],
    );
    await recordChange(deps, tx, actor, "entity_tag", [id]);
    return visibleEntityTag(tx, actor, orgId, id);
  });
}

/**
 * Removes an entity tag (soft delete: `disabled_ts`). Org admin. Returns the row as it was.
 * @throws AppError forbidden (unknown, foreign or invisible alike).
 */
export async function deleteEntityTag(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
}): Promise<EntityTagOut> {
  const { deps, actor, orgId, id } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const row = await visibleEntityTag(tx, actor, orgId, id);
    await tx.query("UPDATE core.entity_tag SET disabled_ts = now()::timestamp WHERE id = $1", [id]);
    await recordChange(deps, tx, actor, "entity_tag", [id]);
    return row;
  });
}
