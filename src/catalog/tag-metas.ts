// Tag metas: attribute → value triples of a tag definition such as `lib` and `is` (`is` metas also
// keep `tag_hierarchy`). A `lib` meta names a library granted to the org.
import { type Actor, requireRole } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { invalidField, recordChange, visibleTagIdsSql, writeTx } from "./shared.ts";
import {
  listOfVisibleTags,
  oneOfVisibleTag,
  requireModifiable,
  type TagMetaOut,
  visibleTag,
} from "./tag-def-shared.ts";

/** Visible tag ids by name; @throws AppError invalid naming the unknown ones. */
export async function visibleTagIds(
  sql: Sql,
  actor: Actor,
  orgId: number,
  names: readonly string[],
  loc: (string | number)[],
): Promise<Map<string, number>> {
  const params: unknown[] = [[...new Set(names)]];
  const rows = await sql.query<{ id: number; name: string }>(
    `SELECT id, name FROM core.tag_def WHERE name = ANY($1::text[]) AND id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  const map = new Map(rows.map((r) => [r.name, r.id]));
  const unknown = [...new Set(names)].filter((n) => !map.has(n));
  if (unknown.length > 0)
    throw invalidField(loc, `unknown tag${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
  return map;
}

/** Ids of the libraries (tag defs) granted to the org. */
export async function orgLibraries(sql: Sql, orgId: number): Promise<Set<number>> {
  const rows = await sql.query<{ tag_id: number }>(
    "SELECT tag_id FROM core.org_tag_permission WHERE org_id = $1",
    [orgId],
  );
  return new Set(rows.map((r) => r.tag_id));
}

/** Inserts (or re-enables) a meta and, for `is`, its hierarchy row; records both. */
export async function addMeta(
  deps: ServiceDeps,
  tx: Sql,
  actor: Actor,
  tagId: number,
  attribute: { id: number; name: string },
  value: number | null,
): Promise<TagMetaOut> {
  const [existing] = await tx.query<TagMetaOut & { disabled_ts: Date | null }>(
    "SELECT id, tag_id, attribute, value, disabled_ts FROM core.tag_meta WHERE tag_id = $1 AND attribute = $2 AND value IS NOT DISTINCT FROM $3",
    [tagId, attribute.id, value],
  );
  let meta: TagMetaOut;
  if (existing && existing.disabled_ts === null) throw new AppError("conflict", "this meta exists already");
  if (existing) {
    await tx.query("UPDATE core.tag_meta SET disabled_ts = NULL WHERE id = $1", [existing.id]);
    meta = { id: existing.id, tag_id: tagId, attribute: attribute.id, value };
  } else {
    const [row] = await tx.query<TagMetaOut>(
      "INSERT INTO core.tag_meta (tag_id, attribute, value) VALUES ($1, $2, $3) RETURNING id, tag_id, attribute, value",
      [tagId, attribute.id, value],
    );
    meta = row!;
  }
  await recordChange(deps, tx, actor, "tag_meta", [meta.id]);
  if (attribute.name === "is" && value !== null) await addHierarchy(deps, tx, actor, tagId, value);
  return meta;
}

/** Inserts (or re-enables) the hierarchy row `child → parent` of an `is` meta; records it. */
export async function addHierarchy(
  deps: ServiceDeps,
  tx: Sql,
  actor: Actor,
  childId: number,
  parentId: number,
): Promise<void> {
  const [h] = await tx.query<{ id: number }>(
    `INSERT INTO core.tag_hierarchy (child_id, parent_id) VALUES ($1, $2)
     ON CONFLICT (child_id, parent_id) DO UPDATE SET disabled_ts = NULL RETURNING id`,
    [childId, parentId],
  );
  await recordChange(deps, tx, actor, "tag_hierarchy", [h!.id]);
}

/** Soft-deletes the active hierarchy row of a meta when it is an `is` meta (else none); records it. */
export async function removeHierarchy(
  deps: ServiceDeps,
  tx: Sql,
  actor: Actor,
  meta: Pick<TagMetaOut, "tag_id" | "attribute" | "value">,
): Promise<void> {
  const h = await tx.query<{ id: number }>(
    `UPDATE core.tag_hierarchy SET disabled_ts = now()::timestamp
      WHERE child_id = $1 AND parent_id = $2 AND disabled_ts IS NULL
        AND EXISTS (SELECT 1 FROM core.tag_def a WHERE a.id = $3 AND a.name = 'is')
     RETURNING id`,
    [meta.tag_id, meta.value, meta.attribute],
  );
  await recordChange(
    deps,
    tx,
    actor,
    "tag_hierarchy",
    h.map((r) => r.id),
  );
}

/** Soft-deletes a meta and, for `is`, its hierarchy row; records both. */
export async function removeMeta(deps: ServiceDeps, tx: Sql, actor: Actor, meta: TagMetaOut): Promise<void> {
  await tx.query("UPDATE core.tag_meta SET disabled_ts = now()::timestamp WHERE id = $1", [meta.id]);
  await recordChange(deps, tx, actor, "tag_meta", [meta.id]);
  await removeHierarchy(deps, tx, actor, meta);
}

/**
 * Resolves `{attribute, value}` names of metas. A `lib` value must be a library granted to the org
 * (application admins: any).
 * @throws AppError invalid (unknown names), forbidden (a library the org does not have).
 */
export async function resolveMetas(
  tx: Sql,
  actor: Actor,
  orgId: number,
  metas: ReadonlyArray<{ attribute: string; value: string | string[] | null }>,
): Promise<
  Array<{ attribute: { id: number; name: string }; value: number | null; valueName: string | null }>
> {
  const names = metas.flatMap((m) => [m.attribute, ...(m.value === null ? [] : [m.value].flat())]);
  const ids = await visibleTagIds(tx, actor, orgId, names, ["metas"]);
  const libs = await orgLibraries(tx, orgId);
  const out: Array<{
    attribute: { id: number; name: string };
    value: number | null;
    valueName: string | null;
  }> = [];
  for (const m of metas) {
    const values = m.value === null ? [null] : [m.value].flat();
    for (const v of values) {
      const value = v === null ? null : ids.get(v)!;
      if (m.attribute === "lib" && !actor.appAdmin && (value === null || !libs.has(value)))
        throw new AppError("forbidden", `library ${v} is not granted to this org`);
      out.push({ attribute: { id: ids.get(m.attribute)!, name: m.attribute }, value, valueName: v });
    }
  }
  return out;
}

const META_COLUMNS = "id, tag_id, attribute, value";

function visibleMeta(sql: Sql, actor: Actor, orgId: number, id: number): Promise<TagMetaOut> {
  return oneOfVisibleTag<TagMetaOut>(sql, actor, orgId, {
    table: "core.tag_meta",
    columns: META_COLUMNS,
    id,
    what: "meta",
  });
}

/**
 * Active metas of visible tags, by id. Member.
 * @throws AppError forbidden.
 */
export async function listTagMetas(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  tag?: string;
  skip?: number;
  limit?: number;
}): Promise<TagMetaOut[]> {
  requireRole(opts.actor, opts.orgId, "member");
  return listOfVisibleTags<TagMetaOut>(opts.deps.dbs.primary, opts.actor, opts.orgId, {
    table: "core.tag_meta",
    columns: META_COLUMNS,
    tag: opts.tag,
    skip: opts.skip,
    limit: opts.limit,
  });
}

/**
 * One active meta of a visible tag. Member.
 * @throws AppError forbidden (unknown or invisible alike).
 */
export async function getTagMeta(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
}): Promise<TagMetaOut> {
  requireRole(opts.actor, opts.orgId, "member");
  return visibleMeta(opts.deps.dbs.primary, opts.actor, opts.orgId, opts.id);
}

/**
 * Adds a meta `attribute: value` (tag names; value may be null) to a visible tag; an `is` meta also
 * adds the hierarchy row. Org admin; standard-library tags need an application admin.
 * @throws AppError forbidden, invalid (unknown names), conflict (the meta exists).
 */
export async function createTagMeta(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  tag: string | number;
  attribute: string;
  value: string | null;
}): Promise<TagMetaOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const def = await visibleTag(tx, actor, orgId, opts.tag);
    await requireModifiable(tx, actor, def.id);
    const [m] = await resolveMetas(tx, actor, orgId, [{ attribute: opts.attribute, value: opts.value }]);
    return addMeta(deps, tx, actor, def.id, m!.attribute, m!.value);
  });
}

/**
 * Replaces a meta's attribute and value (keeping `tag_hierarchy` in step). Org admin;
 * standard-library tags need an application admin.
 * @throws AppError forbidden, invalid, conflict.
 */
export async function updateTagMeta(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
  attribute: string;
  value: string | null;
}): Promise<TagMetaOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const cur = await visibleMeta(tx, actor, orgId, opts.id);
    await requireModifiable(tx, actor, cur.tag_id);
    const [m] = await resolveMetas(tx, actor, orgId, [{ attribute: opts.attribute, value: opts.value }]);
    if (m!.attribute.id === cur.attribute && m!.value === cur.value) return cur;
    const [clash] = await tx.query(
      "SELECT 1 FROM core.tag_meta WHERE tag_id = $1 AND attribute = $2 AND value IS NOT DISTINCT FROM $3",
      [cur.tag_id, m!.attribute.id, m!.value],
    );
    if (clash) throw new AppError("conflict", "this meta exists already");
    await removeHierarchy(deps, tx, actor, cur);
    const [row] = await tx.query<TagMetaOut>(
      "UPDATE core.tag_meta SET attribute = $2, value = $3 WHERE id = $1 RETURNING id, tag_id, attribute, value",
      [cur.id, m!.attribute.id, m!.value],
    );
    await recordChange(deps, tx, actor, "tag_meta", [cur.id]);
    if (m!.attribute.name === "is" && m!.value !== null)
      await addHierarchy(deps, tx, actor, cur.tag_id, m!.value);
    return row!;
  });
}

/**
 * Removes a meta (soft delete; an `is` meta's hierarchy row too). Org admin; standard-library tags
 * need an application admin. Returns the meta.
 * @throws AppError forbidden.
 */
export async function deleteTagMeta(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
}): Promise<TagMetaOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const cur = await visibleMeta(tx, actor, orgId, opts.id);
    await requireModifiable(tx, actor, cur.tag_id);
    await removeMeta(deps, tx, actor, cur);
    return cur;
  });
}
