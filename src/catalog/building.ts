// Entity reads for the console's building views: one entity with its tags and the names of what its
// refs point at, the entities that refer to it (an equip's points, the VAVs of an AHU), and the
// org's site → equipment → point tree, paged and searchable by name. Visibility is the caller's,
// as everywhere in the catalog.
import { type Actor, requireRole, visibleEntitySql } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { tzToIana } from "../haystack/tz.ts";
import { entityTagRows, type FilterResult } from "./filter.ts";

/** What a page shows of a ref's target. */
export interface RefInfo {
  id: number;
  /** The `id` tag (without `@`). */
  ref: string | null;
  dis: string | null;
  /** The Haystack `tz` tag, when it has one. */
  tz: string | null;
  /** The `unit` tag (points), when it has one. */
  unit: string | null;
}

/** One entity as its page shows it. */
export interface BuildingEntity extends FilterResult {
  /** The visible targets of its ref tags, by entity id (invisible or gone targets are absent). */
  refs: Map<number, RefInfo>;
  /** IANA zone of the entity (its `tz`, else its site's or weather station's), UTC when none. */
  tz: string;
}

const tagSql = (entity: string, name: string, column = "value_s") =>
  `(SELECT t.${column} FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id
     WHERE t.entity_id = ${entity} AND t.disabled_ts IS NULL AND d.name = '${name}' ORDER BY t.id LIMIT 1)`;
const hasSql = (entity: string, names: readonly string[]) =>
  `EXISTS (SELECT 1 FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id
     WHERE t.entity_id = ${entity} AND t.disabled_ts IS NULL AND d.name IN (${names.map((n) => `'${n}'`).join(", ")}))`;

/** A Haystack zone name as an IANA name; UTC for none or an unknown one. */
export function ianaOf(tz: string | null | undefined): string {
  if (!tz) return "UTC";
  try {
    return tzToIana(tz);
  } catch {
    return "UTC";
  }
}

/** `id`, `dis`, `tz` and `unit` of the visible entities among `ids`. */
export async function refInfos(
  deps: ServiceDeps,
  actor: Actor,
  orgId: number,
  ids: readonly number[],
): Promise<Map<number, RefInfo>> {
  requireRole(actor, orgId, "member");
  const out = new Map<number, RefInfo>();
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return out;
  const params: unknown[] = [wanted];
  const visible = visibleEntitySql(actor, orgId, "et.entity_id", params);
  const rows = await deps.dbs.primary.query<{ entity_id: number; name: string; value_s: string | null }>(
    `SELECT et.entity_id, td.name, et.value_s FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
      WHERE et.entity_id = ANY($1::int4[]) AND et.disabled_ts IS NULL AND td.name IN ('id', 'dis', 'tz', 'unit')
        AND ${visible}
      ORDER BY et.entity_id, et.id`,
    params,
  );
  for (const r of rows) {
    const e = out.get(r.entity_id) ?? { id: r.entity_id, ref: null, dis: null, tz: null, unit: null };
    if (r.name === "id") e.ref ??= r.value_s;
    else if (r.name === "dis") e.dis ??= r.value_s;
    else if (r.name === "tz") e.tz ??= r.value_s;
    else e.unit ??= r.value_s;
    out.set(r.entity_id, e);
  }
  return out;
}

/**
 * One visible entity with every tag, its refs' targets and its zone.
 * @throws AppError forbidden (not a member; unknown, foreign or invisible entity alike).
 */
export async function buildingEntity(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  entityId: number;
}): Promise<BuildingEntity> {
  const { deps, actor, orgId, entityId } = opts;
  requireRole(actor, orgId, "member");
  const params: unknown[] = [entityId];
  const visible = visibleEntitySql(actor, orgId, "e.id", params);
  const [hit] = await deps.dbs.primary.query<{ id: number }>(
    `SELECT e.id FROM core.entity e WHERE e.id = $1 AND ${visible}`,
    params,
  );
  if (!hit) throw new AppError("forbidden", "not allowed to read this entity");
  const [e] = await entityTagRows(deps.dbs.primary, [entityId], ["*"]);
  const tags = e?.tags ?? [];
  const refs = await refInfos(
    deps,
    actor,
    orgId,
    tags.flatMap((t) => (t.value_ref !== null ? [t.value_ref] : [])),
  );
  const own = tags.find((t) => t.tag_name === "tz")?.value_s;
  const via = ["siteRef", "weatherStationRef", "equipRef"]
    .map((n) => tags.find((t) => t.tag_name === n)?.value_ref)
    .map((id) => (id === null || id === undefined ? null : (refs.get(id)?.tz ?? null)))
    .find((tz) => tz !== null);
  return { entity_id: entityId, tags, refs, tz: ianaOf(own ?? via) };
}

/**
 * The visible entities with `marker` whose ref tag in `refTags` names `targetId` (the points of an
 * equip: `point` by `equipRef`), by id, at most `limit` (1,000), with the tags in `names`.
 * @throws AppError forbidden (not a member).
 */
export async function referringEntities(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  targetId: number;
  refTags: readonly string[];
  marker: string;
  names?: readonly string[];
  limit?: number;
}): Promise<FilterResult[]> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const params: unknown[] = [opts.targetId, [...opts.refTags], opts.marker];
  const visible = visibleEntitySql(actor, orgId, "r.entity_id", params);
  params.push(Math.min(1000, Math.max(1, opts.limit ?? 1000)));
  const rows = await deps.dbs.primary.query<{ id: number }>(
    `SELECT DISTINCT r.entity_id AS id FROM core.entity_tag r JOIN core.tag_def d ON d.id = r.tag_id
      WHERE r.value_ref = $1 AND r.disabled_ts IS NULL AND d.name = ANY($2::text[])
        AND EXISTS (SELECT 1 FROM core.entity_tag m JOIN core.tag_def md ON md.id = m.tag_id
                     WHERE m.entity_id = r.entity_id AND m.disabled_ts IS NULL AND md.name = $3)
        AND ${visible}
      ORDER BY r.entity_id LIMIT $${params.length}`,
    params,
  );
  return entityTagRows(
    deps.dbs.primary,
    rows.map((r) => r.id),
    opts.names ?? ["*"],
  );
}

/** A point under an equip (or weather station) of the tree. */
export interface TreePoint {
  parent: number;
  id: number;
  dis: string | null;
}

/** The visible points whose `equipRef` or `weatherStationRef` names one of `parents`, by parent and id. */
async function pointsUnder(
  sql: Sql,
  actor: Actor,
  orgId: number,
  parents: readonly number[],
): Promise<TreePoint[]> {
  if (parents.length === 0) return [];
  const params: unknown[] = [[...parents]];
  const visible = visibleEntitySql(actor, orgId, "r.entity_id", params);
  return sql.query<TreePoint>(
    `SELECT r.value_ref AS parent, r.entity_id AS id, ${tagSql("r.entity_id", "dis")} AS dis
       FROM core.entity_tag r JOIN core.tag_def d ON d.id = r.tag_id
      WHERE r.value_ref = ANY($1::int4[]) AND r.disabled_ts IS NULL AND d.name IN ('equipRef', 'weatherStationRef')
        AND ${hasSql("r.entity_id", ["point"])} AND ${visible}
      ORDER BY r.value_ref, r.entity_id`,
    params,
  );
}

/** Points per parent (equip or weather station). */
export async function pointCounts(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  parents: readonly number[];
}): Promise<Map<number, number>> {
  requireRole(opts.actor, opts.orgId, "member");
  const out = new Map<number, number>();
  for (const p of await pointsUnder(opts.deps.dbs.primary, opts.actor, opts.orgId, opts.parents))
    out.set(p.parent, (out.get(p.parent) ?? 0) + 1);
  return out;
}

export interface OrgTree {
  sites: Array<{ id: number; dis: string | null; points: number }>;
  /** This page's equipment and weather stations, by site, then name. */
  equips: Array<{ id: number; dis: string | null; site: number | null; station: boolean; points: number }>;
  /** Their points: all of them, or with a search those matching it unless the equip's name does. */
  points: Array<TreePoint & { match: boolean }>;
  /** Equipment (of the search) in all. */
  total: number;
}

/**
 * The org's sites, one page of its equipment (weather stations included, under the site naming
 * them) and their points. `q` keeps the equipment whose name, or one of whose points' names,
 * contains it (case-insensitive).
 * @throws AppError forbidden (not a member), invalid (paging).
 */
export async function orgTree(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  q?: string;
  skip?: number;
  limit?: number;
}): Promise<OrgTree> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const skip = opts.skip ?? 0;
  const limit = opts.limit ?? 25;
  if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new AppError("invalid", "tree paging out of range");
  const q = (opts.q ?? "").trim().slice(0, 200);
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const sql = deps.dbs.primary;

  const sp: unknown[] = [];
  const siteVisible = visibleEntitySql(actor, orgId, "e.id", sp);
  const sitePointVisible = visibleEntitySql(actor, orgId, "r.entity_id", sp);
  const sites = await sql.query<{ id: number; dis: string | null; points: number }>(
    `SELECT e.id, ${tagSql("e.id", "dis")} AS dis,
            (SELECT count(*)::int FROM core.entity_tag r JOIN core.tag_def d ON d.id = r.tag_id
              WHERE r.value_ref = e.id AND d.name = 'siteRef' AND r.disabled_ts IS NULL
                AND ${hasSql("r.entity_id", ["point"])} AND ${sitePointVisible}) AS points
       FROM core.entity e
      WHERE e.disabled_ts IS NULL AND ${hasSql("e.id", ["site"])} AND ${siteVisible}
      ORDER BY 2, 1 LIMIT 1000`,
    sp,
  );

  const ep: unknown[] = [q, like];
  const equipVisible = visibleEntitySql(actor, orgId, "e.id", ep);
  const pointVisible = visibleEntitySql(actor, orgId, "pr.entity_id", ep);
  ep.push(skip, limit);
  const equips = await sql.query<{
    id: number;
    dis: string | null;
    site: number | null;
    station: boolean;
    total: number;
  }>(
    `WITH c AS (
       SELECT e.id, ${tagSql("e.id", "dis")} AS dis, ${hasSql("e.id", ["weatherStation"])} AS station,
              COALESCE(${tagSql("e.id", "siteRef", "value_ref")},
                       (SELECT w.entity_id FROM core.entity_tag w JOIN core.tag_def wd ON wd.id = w.tag_id
                         WHERE w.value_ref = e.id AND wd.name = 'weatherStationRef' AND w.disabled_ts IS NULL
                           AND ${hasSql("w.entity_id", ["site"])} ORDER BY w.entity_id LIMIT 1)) AS site
         FROM core.entity e
        WHERE e.disabled_ts IS NULL AND ${hasSql("e.id", ["equip", "weatherStation"])} AND ${equipVisible}
     )
     SELECT c.id, c.dis, c.site, c.station, count(*) OVER ()::int AS total FROM c
      WHERE $1 = '' OR c.dis ILIKE $2
         OR EXISTS (SELECT 1 FROM core.entity_tag pr JOIN core.tag_def pd ON pd.id = pr.tag_id
                     WHERE pr.value_ref = c.id AND pr.disabled_ts IS NULL
                       AND pd.name IN ('equipRef', 'weatherStationRef')
                       AND ${tagSql("pr.entity_id", "dis")} ILIKE $2 AND ${pointVisible})
      ORDER BY c.site NULLS LAST, c.station DESC, lower(c.dis), c.id
      OFFSET $${ep.length - 1} LIMIT $${ep.length}`,
    ep,
  );
  const under = await pointsUnder(
    sql,
    actor,
    orgId,
    equips.map((e) => e.id),
  );
  const counts = new Map<number, number>();
  for (const p of under) counts.set(p.parent, (counts.get(p.parent) ?? 0) + 1);
  const needle = q.toLowerCase();
  const nameHit = new Set(
    equips.filter((e) => needle !== "" && (e.dis ?? "").toLowerCase().includes(needle)).map((e) => e.id),
  );
  const points = under
    .map((p) => ({ ...p, match: needle !== "" && (p.dis ?? "").toLowerCase().includes(needle) }))
    .filter((p) => needle === "" || p.match || nameHit.has(p.parent));
  return {
    sites,
    equips: equips.map((e) => ({
      id: e.id,
      dis: e.dis,
      site: e.site,
      station: e.station,
      points: counts.get(e.id) ?? 0,
    })),
    points,
    total: equips[0]?.total ?? 0,
  };
}
