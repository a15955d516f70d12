// Tag definitions (the ontology: tags and libraries are `tag_def` rows), their metas (attribute →
// value triples such as `lib` and `is`; `is` metas also keep `tag_hierarchy`) and their enum values.
// A tag is visible to an org through the library named by its `lib` meta. Definitions of the
// standard libraries (ph, phIoT, phScience) are changed only by application admins.
import { type Actor, requireRole } from "../access/actor.ts";
import { recordAudit } from "../access/audit.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { invalidField, paging, recordChange, visibleTagIdsSql, writeTx } from "./shared.ts";

export const STANDARD_LIBRARIES = ["ph", "phIoT", "phScience"] as const;

export interface TagDefOut {
  id: number;
  name: string;
  url: string | null;
  doc: string | null;
  dis: string | null;
  file_ext: string | null;
  mime: string | null;
  version: string | null;
  min_val: number | null;
  max_val: number | null;
  base_uri: string | null;
  pref_unit: string[] | null;
}

/** The descriptive fields of a tag definition (all optional on update). */
export interface TagDefFields {
  url?: string | null;
  doc?: string | null;
  dis?: string | null;
  file_ext?: string | null;
  mime?: string | null;
  version?: string | null;
  min_val?: number | null;
  max_val?: number | null;
  base_uri?: string | null;
  pref_unit?: string[] | null;
}

export interface TagMetaOut {
  id: number;
  tag_id: number;
  attribute: number;
  value: number | null;
}

export interface TagEnumOut {
  id: number;
  tag_id: number;
  value: string;
  label: string;
  disabled_ts: string | null;
}

const DEF_FIELDS = [
  "url",
  "doc",
  "dis",
  "file_ext",
  "mime",
  "version",
  "min_val",
  "max_val",
  "base_uri",
  "pref_unit",
] as const;
const DEF_COLUMNS = `id, name, ${DEF_FIELDS.join(", ")}`;
const TAG_NAME = /^[A-Za-z][A-Za-z0-9_:.-]{0,199}$/;

/** A visible, active tag definition by numeric id or name. @throws AppError forbidden otherwise. */
async function visibleTag(sql: Sql, actor: Actor, orgId: number, ref: string | number): Promise<TagDefOut> {
  const params: unknown[] = [];
  let where: string;
  if (typeof ref === "number" || /^\d+$/.test(ref)) {
    params.push(Number(ref));
    where = "id = $1";
  } else {
    params.push(ref);
    where = "name = $1";
  }
  const [row] = await sql.query<TagDefOut>(
    `SELECT ${DEF_COLUMNS} FROM core.tag_def WHERE ${where} AND id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  if (!row) throw new AppError("forbidden", `tag ${ref} not found or not visible`);
  return row;
}

/** Visible tag ids by name; @throws AppError invalid naming the unknown ones. */
async function visibleTagIds(
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

/** Fails unless the actor may change this tag: standard-library tags need an application admin. */
async function requireModifiable(sql: Sql, actor: Actor, tagId: number): Promise<void> {
  if (actor.appAdmin) return;
  const [std] = await sql.query(
    `SELECT 1 FROM core.tag_meta m JOIN core.tag_def a ON a.id = m.attribute AND a.name = 'lib'
       JOIN core.tag_def l ON l.id = m.value
      WHERE m.tag_id = $1 AND m.disabled_ts IS NULL AND l.name = ANY($2::text[])`,
    [tagId, [...STANDARD_LIBRARIES]],
  );
  if (std)
    throw new AppError("forbidden", "tags of the standard libraries are changed by application admins only");
}

/** Ids of the libraries (tag defs) granted to the org. */
async function orgLibraries(sql: Sql, orgId: number): Promise<Set<number>> {
  const rows = await sql.query<{ tag_id: number }>(
    "SELECT tag_id FROM core.org_tag_permission WHERE org_id = $1",
    [orgId],
  );
  return new Set(rows.map((r) => r.tag_id));
}

/** Inserts (or re-enables) a meta and, for `is`, its hierarchy row; records both. */
async function addMeta(
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
async function addHierarchy(
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
async function removeHierarchy(
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
async function removeMeta(deps: ServiceDeps, tx: Sql, actor: Actor, meta: TagMetaOut): Promise<void> {
  await tx.query("UPDATE core.tag_meta SET disabled_ts = now()::timestamp WHERE id = $1", [meta.id]);
  await recordChange(deps, tx, actor, "tag_meta", [meta.id]);
  await removeHierarchy(deps, tx, actor, meta);
}

/**
 * Resolves `{attribute, value}` names of metas. A `lib` value must be a library granted to the org
 * (application admins: any).
 * @throws AppError invalid (unknown names), forbidden (a library the org does not have).
 */
async function resolveMetas(
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

/**
 * Defines a new tag with its metas (one `lib` meta naming a library of the org is required) and
 * optional enum values. Org admin.
 * @throws AppError forbidden (role, library not granted), invalid (bad name, no lib meta, unknown
 * meta names), conflict (the name exists).
 */
export async function createTagDef(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  name: string;
  fields?: TagDefFields;
  metas: ReadonlyArray<{ attribute: string; value: string | string[] | null }>;
  enums?: ReadonlyArray<{ value: string; label: string }>;
}): Promise<TagDefOut> {
  const { deps, actor, orgId, name } = opts;
  requireRole(actor, orgId, "admin");
  if (!TAG_NAME.test(name))
    throw invalidField(["name"], "a tag name starts with a letter: letters, digits, _ : . -");
  if (!opts.metas.some((m) => m.attribute === "lib" && m.value !== null))
    throw invalidField(["metas"], "lib should be defined in meta");
  return writeTx(deps, async (tx) => {
    const [taken] = await tx.query("SELECT 1 FROM core.tag_def WHERE name = $1", [name]);
    if (taken) throw new AppError("conflict", `tag ${name} exists already`);
    const metas = await resolveMetas(tx, actor, orgId, opts.metas);
    const f = opts.fields ?? {};
    const [def] = await tx.query<TagDefOut>(
      `INSERT INTO core.tag_def (name, ${DEF_FIELDS.join(", ")})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::varchar[]) RETURNING ${DEF_COLUMNS}`,
      [name, ...DEF_FIELDS.map((k) => f[k] ?? null)],
    );
    await recordChange(deps, tx, actor, "tag_def", [def!.id]);
    for (const m of metas) await addMeta(deps, tx, actor, def!.id, m.attribute, m.value);
    const enums = opts.enums ?? [];
    const values = enums.map((e) => e.value);
    const dup = values.find((v, i) => values.indexOf(v) !== i);
    if (dup !== undefined) throw invalidField(["enums"], `duplicate enum value ${dup}`);
    if (enums.length > 0) {
      const rows = await tx.query<{ id: number }>(
        `INSERT INTO core.tag_def_enum (tag_id, value, label)
         SELECT $1, e.value, e.label FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS e(value, label, ord)
          ORDER BY e.ord RETURNING id`,
        [def!.id, values, enums.map((e) => e.label)],
      );
      await recordChange(
        deps,
        tx,
        actor,
        "tag_def_enum",
        rows.map((r) => r.id),
      );
    }
    return def!;
  });
}

/**
 * Tag definitions visible to the org, by id; `name` filters by substring. Member.
 * @throws AppError forbidden.
 */
export async function listTagDefs(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  name?: string | null;
  skip?: number;
  limit?: number;
}): Promise<TagDefOut[]> {
  const { actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const { skip, limit } = paging(opts.skip, opts.limit);
  const params: unknown[] = [];
  let where = `id IN (${visibleTagIdsSql(actor, orgId, params)})`;
  if (opts.name) {
    params.push(`%${opts.name.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
    where += ` AND name LIKE $${params.length}`;
  }
  params.push(skip, limit);
  return opts.deps.dbs.primary.query<TagDefOut>(
    `SELECT ${DEF_COLUMNS} FROM core.tag_def WHERE ${where} ORDER BY id OFFSET $${params.length - 1} LIMIT $${params.length}`,
    params,
  );
}

/**
 * One visible tag definition by id or name. Member.
 * @throws AppError forbidden (unknown or invisible alike).
 */
export async function getTagDef(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  ref: string;
}): Promise<TagDefOut> {
  requireRole(opts.actor, opts.orgId, "member");
  return visibleTag(opts.deps.dbs.primary, opts.actor, opts.orgId, opts.ref);
}

/**
 * Changes the descriptive fields given (the name stays). Org admin; standard-library tags need an
 * application admin.
 * @throws AppError forbidden, invalid (a different name).
 */
export async function updateTagDef(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  ref: string;
  name?: string | null;
  fields: TagDefFields;
}): Promise<TagDefOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const def = await visibleTag(tx, actor, orgId, opts.ref);
    if (opts.name && opts.name !== def.name) throw invalidField(["name"], "a tag cannot be renamed");
    await requireModifiable(tx, actor, def.id);
    const keys = DEF_FIELDS.filter((k) => opts.fields[k] !== undefined);
    if (keys.length === 0) return def;
    const sets = keys.map((k, i) => `${k} = $${i + 2}${k === "pref_unit" ? "::varchar[]" : ""}`);
    const [row] = await tx.query<TagDefOut>(
      `UPDATE core.tag_def SET ${sets.join(", ")} WHERE id = $1 RETURNING ${DEF_COLUMNS}`,
      [def.id, ...keys.map((k) => opts.fields[k] ?? null)],
    );
    await recordChange(deps, tx, actor, "tag_def", [def.id]);
    return row!;
  });
}

/**
 * Soft-deletes a tag definition with its metas, hierarchy rows and enum values. Org admin;
 * standard-library tags need an application admin. Returns the definition.
 * @throws AppError forbidden, conflict (active entity tags still use it).
 */
export async function deleteTagDef(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  ref: string;
}): Promise<TagDefOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const def = await visibleTag(tx, actor, orgId, opts.ref);
    await requireModifiable(tx, actor, def.id);
    const [used] = await tx.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.entity_tag WHERE tag_id = $1 AND disabled_ts IS NULL",
      [def.id],
    );
    if (used && used.n > 0)
      throw new AppError("conflict", `tag ${def.name} is used by ${used.n} entity tags`);
    const now = "now()::timestamp";
    await tx.query(`UPDATE core.tag_def SET disabled_ts = ${now} WHERE id = $1`, [def.id]);
    await recordChange(deps, tx, actor, "tag_def", [def.id]);
    await recordAudit(tx, actor, { action: "tagdef.delete", orgId, target: `tagdef:${def.name}` });
    for (const [table, where] of [
      ["tag_meta", "tag_id = $1"],
      ["tag_hierarchy", "child_id = $1"],
      ["tag_def_enum", "tag_id = $1"],
    ] as const) {
      const rows = await tx.query<{ id: number }>(
        `UPDATE core.${table} SET disabled_ts = ${now} WHERE ${where} AND disabled_ts IS NULL RETURNING id`,
        [def.id],
      );
      await recordChange(
        deps,
        tx,
        actor,
        table,
        rows.map((r) => r.id),
      );
    }
    return def;
  });
}

const ENUM_COLUMNS = "id, tag_id, value, label, disabled_ts";
type EnumRow = Omit<TagEnumOut, "disabled_ts"> & { disabled_ts: Date | null };
const enumOut = (r: EnumRow): TagEnumOut => ({
  ...r,
  disabled_ts: r.disabled_ts ? r.disabled_ts.toISOString() : null,
});

/**
 * The active enum value `value` of a visible tag. Member.
 * @throws AppError forbidden (tag unknown or invisible), not_found (no such value).
 */
export async function getTagDefEnum(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  tag: string;
  value: string;
}): Promise<TagEnumOut> {
  requireRole(opts.actor, opts.orgId, "member");
  const db = opts.deps.dbs.primary;
  const def = await visibleTag(db, opts.actor, opts.orgId, opts.tag);
  const [row] = await db.query<EnumRow>(
    `SELECT ${ENUM_COLUMNS} FROM core.tag_def_enum WHERE tag_id = $1 AND value = $2 AND disabled_ts IS NULL`,
    [def.id, opts.value],
  );
  if (!row) throw new AppError("not_found", `tag ${def.name} has no enum value ${opts.value}`);
  return enumOut(row);
}

/**
 * Active enum values of visible tags (of one tag when `tag` is given), by id. Member.
 * @throws AppError forbidden.
 */
export async function listTagEnums(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  tag?: string;
  skip?: number;
  limit?: number;
}): Promise<TagEnumOut[]> {
  const { actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const db = opts.deps.dbs.primary;
  const { skip, limit } = paging(opts.skip, opts.limit);
  const params: unknown[] = [];
  let where = `disabled_ts IS NULL AND tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`;
  if (opts.tag !== undefined) {
    const def = await visibleTag(db, actor, orgId, opts.tag);
    params.push(def.id);
    where += ` AND tag_id = $${params.length}`;
  }
  params.push(skip, limit);
  const rows = await db.query<EnumRow>(
    `SELECT ${ENUM_COLUMNS} FROM core.tag_def_enum WHERE ${where} ORDER BY id OFFSET $${params.length - 1} LIMIT $${params.length}`,
    params,
  );
  return rows.map(enumOut);
}

async function visibleEnum(sql: Sql, actor: Actor, orgId: number, id: number): Promise<EnumRow> {
  const params: unknown[] = [id];
  const [row] = await sql.query<EnumRow>(
    `SELECT ${ENUM_COLUMNS} FROM core.tag_def_enum WHERE id = $1 AND disabled_ts IS NULL
        AND tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  if (!row) throw new AppError("forbidden", `enum ${id} not found or not visible`);
  return row;
}

/**
 * Adds an enum value to a visible tag (re-enabling a removed one). Org admin.
 * @throws AppError forbidden, conflict (the value exists).
 */
export async function createTagEnum(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  tag: string;
  value: string;
  label: string;
}): Promise<TagEnumOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const def = await visibleTag(tx, actor, orgId, opts.tag);
    const [existing] = await tx.query<EnumRow>(
      `SELECT ${ENUM_COLUMNS} FROM core.tag_def_enum WHERE tag_id = $1 AND value = $2`,
      [def.id, opts.value],
    );
    if (existing && existing.disabled_ts === null)
      throw new AppError("conflict", `tag ${def.name} has enum value ${opts.value} already`);
    const [row] = existing
      ? await tx.query<EnumRow>(
          `UPDATE core.tag_def_enum SET label = $2, disabled_ts = NULL WHERE id = $1 RETURNING ${ENUM_COLUMNS}`,
          [existing.id, opts.label],
        )
      : await tx.query<EnumRow>(
          `INSERT INTO core.tag_def_enum (tag_id, value, label) VALUES ($1, $2, $3) RETURNING ${ENUM_COLUMNS}`,
          [def.id, opts.value, opts.label],
        );
    await recordChange(deps, tx, actor, "tag_def_enum", [row!.id]);
    return enumOut(row!);
  });
}

/**
 * Changes an enum value's value and/or label. Org admin.
 * @throws AppError forbidden, conflict (the new value exists).
 */
export async function updateTagEnum(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
  value?: string | null;
  label?: string | null;
}): Promise<TagEnumOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const cur = await visibleEnum(tx, actor, orgId, opts.id);
    const value = opts.value ?? cur.value;
    if (value !== cur.value) {
      const [clash] = await tx.query("SELECT 1 FROM core.tag_def_enum WHERE tag_id = $1 AND value = $2", [
        cur.tag_id,
        value,
      ]);
      if (clash) throw new AppError("conflict", `enum value ${value} exists already`);
    }
    const [row] = await tx.query<EnumRow>(
      `UPDATE core.tag_def_enum SET value = $2, label = $3 WHERE id = $1 RETURNING ${ENUM_COLUMNS}`,
      [cur.id, value, opts.label ?? cur.label],
    );
    await recordChange(deps, tx, actor, "tag_def_enum", [cur.id]);
    return enumOut(row!);
  });
}

/**
 * Removes an enum value (soft delete). Org admin. Returns it with its `disabled_ts`.
 * @throws AppError forbidden.
 */
export async function deleteTagEnum(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  id: number;
}): Promise<TagEnumOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  return writeTx(deps, async (tx) => {
    const cur = await visibleEnum(tx, actor, orgId, opts.id);
    const [row] = await tx.query<EnumRow>(
      `UPDATE core.tag_def_enum SET disabled_ts = now()::timestamp WHERE id = $1 RETURNING ${ENUM_COLUMNS}`,
      [cur.id],
    );
    await recordChange(deps, tx, actor, "tag_def_enum", [cur.id]);
    return enumOut(row!);
  });
}

async function visibleMeta(sql: Sql, actor: Actor, orgId: number, id: number): Promise<TagMetaOut> {
  const params: unknown[] = [id];
  const [row] = await sql.query<TagMetaOut>(
    `SELECT id, tag_id, attribute, value FROM core.tag_meta WHERE id = $1 AND disabled_ts IS NULL
        AND tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  if (!row) throw new AppError("forbidden", `meta ${id} not found or not visible`);
  return row;
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
  const { actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const db = opts.deps.dbs.primary;
  const { skip, limit } = paging(opts.skip, opts.limit);
  const params: unknown[] = [];
  let where = `disabled_ts IS NULL AND tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`;
  if (opts.tag !== undefined) {
    params.push((await visibleTag(db, actor, orgId, opts.tag)).id);
    where += ` AND tag_id = $${params.length}`;
  }
  params.push(skip, limit);
  return db.query<TagMetaOut>(
    `SELECT id, tag_id, attribute, value FROM core.tag_meta WHERE ${where}
      ORDER BY id OFFSET $${params.length - 1} LIMIT $${params.length}`,
    params,
  );
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
