// Tag definitions (the ontology: tags and libraries are `tag_def` rows): create, list, read, update
// and delete. A tag is visible to an org through the library named by its `lib` meta (`tag-metas.ts`);
// its enum values are `tag-enums.ts`. Definitions of the standard libraries (ph, phIoT, phScience)
// are changed only by application admins.
import { type Actor, requireRole } from "../access/actor.ts";
import { recordAudit } from "../access/audit.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { invalidField, paging, recordChange, visibleTagIdsSql, writeTx } from "./shared.ts";
import {
  DEF_COLUMNS,
  DEF_FIELDS,
  requireModifiable,
  TAG_NAME,
  type TagDefFields,
  type TagDefOut,
  visibleTag,
} from "./tag-def-shared.ts";
import { addMeta, resolveMetas } from "./tag-metas.ts";

export { STANDARD_LIBRARIES, type TagDefOut, type TagEnumOut, type TagMetaOut } from "./tag-def-shared.ts";

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
