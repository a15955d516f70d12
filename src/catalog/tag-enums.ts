// Tag enum values (`tag_def_enum`): the allowed values of a tag, each with a label; soft-deleted.
import { type Actor, requireRole } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { recordChange, writeTx } from "./shared.ts";
import { listOfVisibleTags, oneOfVisibleTag, type TagEnumOut, visibleTag } from "./tag-def-shared.ts";

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
  requireRole(opts.actor, opts.orgId, "member");
  const rows = await listOfVisibleTags<EnumRow>(opts.deps.dbs.primary, opts.actor, opts.orgId, {
    table: "core.tag_def_enum",
    columns: ENUM_COLUMNS,
    tag: opts.tag,
    skip: opts.skip,
    limit: opts.limit,
  });
  return rows.map(enumOut);
}

function visibleEnum(sql: Sql, actor: Actor, orgId: number, id: number): Promise<EnumRow> {
  return oneOfVisibleTag<EnumRow>(sql, actor, orgId, {
    table: "core.tag_def_enum",
    columns: ENUM_COLUMNS,
    id,
    what: "enum",
  });
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
