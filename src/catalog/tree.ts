// The site → equip → point tree of a set of entities (the explorer's results): the entities and the
// site and equip their `siteRef`/`equipRef` name, each with only the tags a tree needs, in one query.
import { type Actor, requireRole, visibleEntityArmsSql } from "../access/actor.ts";
import type { ServiceDeps } from "../deps.ts";
import { type FilterResult, type FilterTagRow, type StoredTagRow, tagRowOut } from "./filter.ts";

/** The tags a tree node is built from. */
export const TREE_TAGS: readonly string[] = ["id", "dis", "site", "equip", "point", "siteRef", "equipRef"];

/**
 * `entityIds` (at most 1,000; the caller has them from a filter of this org) and the entities their
 * `siteRef` and `equipRef` (stored as `value_ref`) point at, when those are visible and active;
 * each with its active `TREE_TAGS` rows (ordered by tag row id), the entities ordered by id.
 * Entities without a tree tag are left out.
 * @throws AppError forbidden (not a member of the org).
 */
export async function treeEntities(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  entityIds: readonly number[];
}): Promise<FilterResult[]> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const ids = [...new Set(opts.entityIds)].slice(0, 1000);
  if (ids.length === 0) return [];
  const params: unknown[] = [ids, TREE_TAGS];
  // One selection per visibility predicate (disjoint), as semi-joins: the planner probes the
  // grants by index for these few ids instead of running per-row subplans.
  const visible = visibleEntityArmsSql(actor, orgId, "w.id", params)
    .map((a) => `SELECT w.id FROM w WHERE ${a}`)
    .join(" UNION ALL ");
  const rows = await deps.dbs.primary.query<StoredTagRow>(
    `WITH m(id) AS (SELECT unnest($1::int4[])),
          w(id) AS (
            SELECT id FROM m
            UNION
            SELECT r.value_ref FROM core.entity_tag r
             WHERE r.entity_id IN (SELECT id FROM m) AND r.disabled_ts IS NULL AND r.value_ref IS NOT NULL
               AND r.tag_id IN (SELECT id FROM core.tag_def WHERE name IN ('siteRef', 'equipRef'))
          )
     SELECT et.entity_id, et.tag_id, td.name AS tag_name, et.value_n, et.value_b, et.value_s, et.value_ts,
            et.value_ref, et.value_enum
       FROM (${visible}) v
       JOIN core.entity_tag et ON et.entity_id = v.id AND et.disabled_ts IS NULL
       JOIN core.tag_def td ON td.id = et.tag_id AND td.name = ANY($2::text[])
      ORDER BY et.entity_id, et.id`,
    params,
  );
  const out = new Map<number, FilterTagRow[]>();
  for (const r of rows) {
    let tags = out.get(r.entity_id);
    if (!tags) {
      tags = [];
      out.set(r.entity_id, tags);
    }
    tags.push(tagRowOut(r));
  }
  return [...out].map(([entity_id, tags]) => ({ entity_id, tags }));
}
