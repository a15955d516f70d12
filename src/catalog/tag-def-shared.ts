// What the tag definition, enum and meta verbs share: the answer shapes, the columns of `tag_def`,
// the visible-tag lookup and the check that a tag may be changed (standard libraries: application
// admins only).
import type { Actor } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { visibleTagIdsSql } from "./shared.ts";

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
