// The original `/filter` contract as a service verb: a filter over the caller's visible entities
// of one org, answered as rows of raw tag columns (also what the explorer pages show).
import { type Actor, requireRole } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { filterEntityIds, parseFilterOrThrow } from "./read.ts";
import { visibleTagIdsSql } from "./shared.ts";
import { type EntityTagOut, tagRowHead } from "./tag-values.ts";

/** The tag columns the `/filter` contract answers (`value_ts` as UTC `YYYY-MM-DDTHH:MM:SS.sssZ`). */
export type FilterTagRow = Pick<
  EntityTagOut,
  | "entity_id"
  | "tag_id"
  | "tag_name"
  | "value_n"
  | "value_b"
  | "value_s"
  | "value_ts"
  | "value_ref"
  | "value_enum"
>;

export interface FilterResult {
  entity_id: number;
  tags: FilterTagRow[];
}

export interface FilterInput {
  filter: string;
  orgId: number;
  /** Tag names to return; `["*"]` = every tag; absent or empty = none (entity ids only). */
  tags?: readonly string[] | null;
  skip?: number;
  limit?: number;
}

/** A tag row as `core.entity_tag` returns it, before `tagRowOut`. */
export type StoredTagRow = Omit<FilterTagRow, "value_ts"> & { value_ts: Date | null };

/** A stored tag row in the wire form (numbers as numbers, timestamps as UTC ISO text). */
export function tagRowOut(r: StoredTagRow): FilterTagRow {
  return {
    ...tagRowHead(r),
    value_ref: r.value_ref,
    value_enum: r.value_enum,
  };
}

export const FILTER_DEFAULT_LIMIT = 100;
export const FILTER_MAX_LIMIT = 1000;

/**
 * The visible, active entities of `orgId` matching `filter`, ordered by id and paged, each with the
 * requested tags (active tag rows only, ordered by tag row id).
 * @throws AppError forbidden (not a member of the org), invalid with status 400 and
 *   `"line:col message"` for a filter syntax error, invalid for bad paging.
 */
export async function filterEntities(opts: {
  deps: ServiceDeps;
  actor: Actor;
  input: FilterInput;
}): Promise<FilterResult[]> {
  const { deps, actor, input } = opts;
  requireRole(actor, input.orgId, "member");
  const skip = input.skip ?? 0;
  const limit = input.limit ?? FILTER_DEFAULT_LIMIT;
  if (!Number.isInteger(skip) || skip < 0)
    throw new AppError("invalid", "skip must be a non-negative integer");
  if (!Number.isInteger(limit) || limit < 1 || limit > FILTER_MAX_LIMIT)
    throw new AppError("invalid", `limit must be between 1 and ${FILTER_MAX_LIMIT}`);
  const ast = parseFilterOrThrow(input.filter);
  const sql = deps.dbs.primary;
  const ids = await filterEntityIds(sql, actor, input.orgId, ast, { skip, limit }, deps.clock.now());
  const names = (input.tags ?? []).filter((t) => typeof t === "string" && t.length > 0);
  return entityTagRows(sql, ids, names, { actor, orgId: input.orgId });
}

/**
 * These entities (which the caller has checked are visible) in the order given, each with its
 * active tags named in `names` (`["*"]` = every tag; empty = none), ordered by tag row id.
 */
export async function entityTagRows(
  sql: Sql,
  ids: readonly number[],
  names: readonly string[],
  /** Only tags whose library the actor may see in the org (as the original's /filter did). */
  visibleTo?: { actor: Actor; orgId: number },
): Promise<FilterResult[]> {
  const byEntity = new Map<number, FilterTagRow[]>(ids.map((id) => [id, []]));
  if (ids.length > 0 && names.length > 0) {
    const all = names.includes("*");
    const params: unknown[] = [[...ids]];
    if (!all) params.push([...names]);
    const tagVisible = visibleTo
      ? ` AND et.tag_id IN (${visibleTagIdsSql(visibleTo.actor, visibleTo.orgId, params)})`
      : "";
    const rows = await sql.query<StoredTagRow>(
      `SELECT et.entity_id, et.tag_id, td.name AS tag_name, et.value_n, et.value_b, et.value_s, et.value_ts,
              et.value_ref, et.value_enum
         FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
        WHERE et.entity_id = ANY($1::int4[]) AND et.disabled_ts IS NULL${all ? "" : " AND td.name = ANY($2::text[])"}${tagVisible}
        ORDER BY et.entity_id, et.id`,
      params,
    );
    for (const r of rows) byEntity.get(r.entity_id)?.push(tagRowOut(r));
  }
  return ids.map((id) => ({ entity_id: id, tags: byEntity.get(id) ?? [] }));
}
