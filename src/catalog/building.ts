// Entity reads for the console's building views: one entity with its tags and the names of what its
// refs point at, the entities that refer to it (an equip's points, the VAVs of an AHU), and the
// org's site → equipment → point tree, paged and searchable by name. Visibility is the caller's,
// as everywhere in the catalog.
import { type Actor, requireRole, visibleEntityIdsSql, visibleEntitySql } from "../access/actor.ts";
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
  const [e] = await entityTagRows(deps.dbs.primary, [entityId], ["*"], { actor, orgId });
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
    { actor, orgId },
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

/** The tree tags of every visible site, equip, weather station and point of the org. */
interface TreeRow {
  id: number;
  dis: string | null;
  site_ref: number | null;
  equip_ref: number | null;
  ws_ref: number | null;
  is_site: boolean;
  is_equip: boolean;
  is_ws: boolean;
  is_point: boolean;
}

const NATURAL = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/**
 * Names in natural order, as a building engineer reads them: digits as numbers (`VAV-1-2` before
 * `VAV-10-1`, `AHU-2` before `AHU-10`), case ignored; null names last.
 */
export function naturalCompare(a: string | null | undefined, b: string | null | undefined): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : 1) : -1;
  return NATURAL.compare(a, b);
}

/**
 * The org's sites, one page of its equipment (weather stations included, under the site naming
 * them) and their points. `q` keeps the equipment whose name, or one of whose points' names,
 * contains it (case-insensitive). One query reads the tree tags of the org's entities; the tree
 * is assembled here (an org's catalog is thousands of rows, not millions).
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
  const needle = (opts.q ?? "").trim().slice(0, 200).toLowerCase();
  const params: unknown[] = [];
  const rows = await deps.dbs.primary.query<TreeRow>(
    `WITH v AS (${visibleEntityIdsSql(actor, orgId, params)}),
          t AS (
            SELECT et.entity_id AS id,
                   max(et.value_s) FILTER (WHERE td.name = 'dis') AS dis,
                   max(et.value_ref) FILTER (WHERE td.name = 'siteRef') AS site_ref,
                   max(et.value_ref) FILTER (WHERE td.name = 'equipRef') AS equip_ref,
                   max(et.value_ref) FILTER (WHERE td.name = 'weatherStationRef') AS ws_ref,
                   bool_or(td.name = 'site') AS is_site, bool_or(td.name = 'equip') AS is_equip,
                   bool_or(td.name = 'weatherStation') AS is_ws, bool_or(td.name = 'point') AS is_point
              FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
             WHERE et.disabled_ts IS NULL AND et.entity_id IN (SELECT id FROM v)
               AND td.name IN ('dis', 'siteRef', 'equipRef', 'weatherStationRef', 'site', 'equip', 'weatherStation', 'point')
             GROUP BY et.entity_id)
     SELECT * FROM t WHERE is_site OR is_equip OR is_ws OR is_point ORDER BY id`,
    params,
  );
  const hit = (dis: string | null) => needle !== "" && (dis ?? "").toLowerCase().includes(needle);
  const sitesRows = rows.filter((r) => r.is_site);
  const siteOfStation = new Map<number, number>();
  for (const s of sitesRows)
    if (s.ws_ref !== null && !siteOfStation.has(s.ws_ref)) siteOfStation.set(s.ws_ref, s.id);
  const pointsOf = new Map<number, TreeRow[]>();
  const sitePoints = new Map<number, number>();
  for (const r of rows) {
    if (!r.is_point) continue;
    const parent = r.equip_ref ?? r.ws_ref;
    if (parent !== null) pointsOf.set(parent, [...(pointsOf.get(parent) ?? []), r]);
    if (r.site_ref !== null) sitePoints.set(r.site_ref, (sitePoints.get(r.site_ref) ?? 0) + 1);
  }
  const equipsAll = rows
    .filter((r) => (r.is_equip || r.is_ws) && !r.is_point && !r.is_site)
    .map((r) => ({ r, site: r.site_ref ?? siteOfStation.get(r.id) ?? null }))
    .filter(({ r }) => needle === "" || hit(r.dis) || (pointsOf.get(r.id) ?? []).some((p) => hit(p.dis)))
    .sort(
      (a, b) =>
        (a.site ?? Number.MAX_SAFE_INTEGER) - (b.site ?? Number.MAX_SAFE_INTEGER) ||
        Number(b.r.is_ws) - Number(a.r.is_ws) ||
        naturalCompare(a.r.dis, b.r.dis) ||
        a.r.id - b.r.id,
    );
  const page = equipsAll.slice(skip, skip + limit);
  return {
    sites: sitesRows
      .map((s) => ({ id: s.id, dis: s.dis, points: sitePoints.get(s.id) ?? 0 }))
      .sort((a, b) => naturalCompare(a.dis, b.dis) || a.id - b.id),
    equips: page.map(({ r, site }) => ({
      id: r.id,
      dis: r.dis,
      site,
      station: r.is_ws,
      points: pointsOf.get(r.id)?.length ?? 0,
    })),
    points: page.flatMap(({ r }) =>
      (pointsOf.get(r.id) ?? [])
        .sort((a, b) => naturalCompare(a.dis, b.dis) || a.id - b.id)
        .map((p) => ({ parent: r.id, id: p.id, dis: p.dis, match: hit(p.dis) }))
        .filter((p) => needle === "" || p.match || hit(r.dis)),
    ),
    total: equipsAll.length,
  };
}
