// What the tag definition, enum and meta verbs share: the answer shapes, the columns of `tag_def`,
// the visible-tag lookup and the check that a tag may be changed (standard libraries: application
// admins only).
import type { Actor } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { paging, visibleTagIdsSql } from "./shared.ts";

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

export const DEF_FIELDS = [
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
export const DEF_COLUMNS = `id, name, ${DEF_FIELDS.join(", ")}`;
export const TAG_NAME = /^[A-Za-z][A-Za-z0-9_:.-]{0,199}$/;

/** A visible, active tag definition by numeric id or name. @throws AppError forbidden otherwise. */
export async function visibleTag(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ref: string | number,
): Promise<TagDefOut> {
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

/** Fails unless the actor may change this tag: standard-library tags need an application admin. */
export async function requireModifiable(sql: Sql, actor: Actor, tagId: number): Promise<void> {
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

/** The tables of rows that belong to one tag definition, listed and read alike. */
type TagChildTable = "core.tag_def_enum" | "core.tag_meta";

/**
 * Active rows of `table` belonging to visible tags (to the one tag `tag` when given), by id, paged.
 * @throws AppError forbidden (the tag unknown or invisible).
 */
export async function listOfVisibleTags<R>(
  sql: Sql,
  actor: Actor,
  orgId: number,
  q: {
    table: TagChildTable;
    columns: string;
    tag?: string | undefined;
    skip?: number | undefined;
    limit?: number | undefined;
  },
): Promise<R[]> {
  const { skip, limit } = paging(q.skip, q.limit);
  const params: unknown[] = [];
  let where = `disabled_ts IS NULL AND tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`;
  if (q.tag !== undefined) {
    params.push((await visibleTag(sql, actor, orgId, q.tag)).id);
    where += ` AND tag_id = $${params.length}`;
  }
  params.push(skip, limit);
  return sql.query<R>(
    `SELECT ${q.columns} FROM ${q.table} WHERE ${where} ORDER BY id OFFSET $${params.length - 1} LIMIT $${params.length}`,
    params,
  );
}

/**
 * One active row of `table` by id, when its tag is visible.
 * @throws AppError forbidden (unknown, removed or invisible alike, named as `what`).
 */
export async function oneOfVisibleTag<R>(
  sql: Sql,
  actor: Actor,
  orgId: number,
  q: { table: TagChildTable; columns: string; id: number; what: string },
): Promise<R> {
  const params: unknown[] = [q.id];
  const [row] = await sql.query<R>(
    `SELECT ${q.columns} FROM ${q.table} WHERE id = $1 AND disabled_ts IS NULL
        AND tag_id IN (${visibleTagIdsSql(actor, orgId, params)})`,
    params,
  );
  if (!row) throw new AppError("forbidden", `${q.what} ${q.id} not found or not visible`);
  return row;
}
