// Entity reads by Haystack means: the visible entities a filter or a list of `id` strings selects,
// and their active tags decoded to Haystack dicts (Refs carry the target's `dis`). The Haystack
// ops, the explorer and pointWrite read entities through here.
import {
  type Actor,
  orgGrantRankSql,
  systemActor,
  visibleEntityArmsSql,
  visibleEntityIdsSql,
  visibleEntitySql,
} from "../access/actor.ts";
import { resolveOrgAndEntities } from "../access/orgs.ts";
import type { Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import {
  COMPUTED_COLUMNS,
  type CompiledFilter,
  type CompileOptions,
  type ComputedTag,
  compileFilter,
  type Dict,
  type FilterNode,
  FilterSyntaxError,
  FilterTooComplexError,
  FilterTooDeepError,
  filterTagNames,
  hasSymbolTerm,
  kindIsSql,
  MAX_REF_STEP_COST,
  parseFilter,
  Ref,
  refStepCost,
  type TagRow,
  tagValueFromRow,
} from "../haystack/index.ts";
import { currentValuesSql } from "../ingest/columns.ts";
import { effectiveWritesSql } from "../points/point-write.ts";
import { defNamespace } from "./defs.ts";
import { invalidField, visibleTagIdsSql } from "./shared.ts";

/**
 * Parses a filter.
 * @throws AppError invalid (status 400) with `"line:col message"` on a syntax error; invalid (422
 *   naming the `filter` field) for parentheses nested deeper than the limit.
 */
export function parseFilterOrThrow(text: string): FilterNode {
  try {
    const ast = parseFilter(text);
    // refused here, before any read, as compileFilter would refuse it
    if (refStepCost(ast) > MAX_REF_STEP_COST) throw new FilterTooComplexError();
    return ast;
  } catch (e) {
    if (e instanceof FilterTooComplexError) throw invalidField(["filter"], e.message);
    if (e instanceof FilterTooDeepError) throw invalidField(["filter"], e.toString());
    if (e instanceof FilterSyntaxError) throw new AppError("invalid", e.toString(), undefined, 400);
    throw e;
  }
}

/**
 * What a filter's SQL needs besides the AST: the def namespace (for `^symbol`), the tag ids, and
 * the relations of the tags a Haystack record carries beside its stored rows.
 */
interface FilterContext {
  readonly ast: FilterNode;
  readonly namespace: Awaited<ReturnType<typeof defNamespace>> | undefined;
  readonly tagIds: ReadonlyMap<string, number>;
  readonly computed: ReadonlyMap<string, ComputedTag> | undefined;
}

/** Tags that `read` adds to a record beside its stored rows (haystack-api/records.ts). */
const CURRENT_TAGS = ["curVal", "curStatus"];
const WRITE_TAGS = ["writeVal", "writeLevel"];
/** The stored tags the computed ones depend on. */
const COMPUTED_NEEDS = ["point", "writable", "unit", ...CURRENT_TAGS, ...WRITE_TAGS];

/**
 * The filter's context: `^symbol` terms are answered in the org's def namespace, loaded only when
 * the filter has one; the tags it names are looked up once, so the SQL carries their ids. When it
 * names a tag `read` computes (`curVal`/`curStatus`, `writeVal`/`writeLevel`; or has a `^symbol`
 * term, which may imply one), that tag is tested on the record as `read` answers it
 * (`computedTags`): the org's current-value table is looked up for the first two.
 */
async function filterContext(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ast: FilterNode,
  at: Date,
): Promise<FilterContext> {
  const names = filterTagNames(ast);
  const symbol = hasSymbolTerm(ast);
  const wantsCur = symbol || names.some((n) => CURRENT_TAGS.includes(n));
  const wantsWrite = symbol || names.some((n) => WRITE_TAGS.includes(n));
  const [namespace, tagIds, current] = await Promise.all([
    symbol ? defNamespace(sql, actor, orgId) : undefined,
    tagIdsByName(
      sql,
      actor,
      orgId,
      wantsCur || wantsWrite ? [...new Set([...names, ...COMPUTED_NEEDS])] : names,
    ),
    wantsCur
      ? resolveOrgAndEntities(sql, systemActor, orgId, []).then((o) => currentValuesSql(sql, o.valueTable))
      : null,
  ]);
  const computed =
    wantsCur || wantsWrite
      ? computedTags(tagIds, { current: wantsCur ? current : undefined, writes: wantsWrite ? at : undefined })
      : undefined;
  return { ast, namespace, tagIds, computed };
}

/** The value columns of a computed tag's relation, in `entity_tag`'s names (see `CompileOptions.computed`). */
const REL_COLUMNS = COMPUTED_COLUMNS;

/**
 * The relations of the tags `read` computes, as the filter compiler takes them: every row of the
 * tag a record answers. As records.ts adds them: a point without a `curVal` tag whose current
 * value has a Number, Bool or Str gets `curVal` (a Number with the point's `unit`, when that is a
 * Str) and `curStatus` "ok" (instead of its own `curStatus`); a writable entity without a
 * `writeVal` tag that has an effective write at `writes` gets `writeVal` (a unitless Number with
 * the point's unit) and `writeLevel` (instead of its own). Without a current-value table
 * (`current` null), the stored rows only.
 */
function computedTags(
  tagIds: ReadonlyMap<string, number>,
  opts: { current: string | null | undefined; writes: Date | undefined },
): Map<string, ComputedTag> {
  type P = (v: unknown) => string;
  const out = new Map<string, ComputedTag>();
  // A tag without a def has no rows (-1 is no tag's id).
  const id = (p: P, name: string) => `${p(tagIds.get(name) ?? -1)}::int4`;
  const has = (p: P, name: string, e: string) =>
    `EXISTS (SELECT 1 FROM core.entity_tag h WHERE h.entity_id = ${e} AND h.tag_id = ${id(p, name)} AND h.disabled_ts IS NULL)`;
  const tag = (name: string, extra: (p: P) => string, unless?: (p: P, e: string) => string): ComputedTag => ({
    extra,
    unless,
    rows: (p) =>
      `SELECT ${REL_COLUMNS.replace(/(\w+)/g, "r.$1")} FROM core.entity_tag r
        WHERE r.tag_id = ${id(p, name)} AND r.disabled_ts IS NULL${unless ? ` AND NOT (${unless(p, "r.entity_id")})` : ""}
       UNION ALL ${extra(p)}`,
  });
  // The point's `unit` as its dict has it: the last active row, when it is a Str.
  const unitOf = (p: P, e: string) =>
    `(SELECT CASE WHEN ${kindIsSql("u", "unit", "Str")} THEN u.value_s END FROM core.entity_tag u
       WHERE u.entity_id = ${e} AND u.tag_id = ${id(p, "unit")} AND u.disabled_ts IS NULL ORDER BY u.id DESC LIMIT 1)`;
  const rest = "NULL::timestamp, NULL::varchar[], NULL::jsonb, NULL::int4";
  // Without a current-value table, the stored rows only (the compiler's own).
  const cur = opts.current;
  if (cur) {
    const gets = (p: P, c: string) =>
      `(${c}.value_n IS NOT NULL OR ${c}.value_b IS NOT NULL OR ${c}.value_s IS NOT NULL) AND ${has(p, "point", `${c}.entity_id`)} AND NOT ${has(p, "curVal", `${c}.entity_id`)}`;
    const computedFor = (p: P, e: string) =>
      `EXISTS (SELECT 1 FROM (${cur}) c0 WHERE c0.entity_id = ${e} AND ${gets(p, "c0")})`;
    out.set(
      "curVal",
      tag(
        "curVal",
        (p) => `SELECT c.entity_id, NULL::timestamp, c.value_n::numeric,
                  CASE WHEN c.value_n IS NULL THEN c.value_b END,
                  CASE WHEN c.value_n IS NULL AND c.value_b IS NULL THEN c.value_s::varchar END, ${rest},
                  CASE WHEN c.value_n IS NOT NULL THEN ${unitOf(p, "c.entity_id")} END,
                  CASE WHEN c.value_n IS NOT NULL THEN 'Number' WHEN c.value_b IS NOT NULL THEN 'Bool' ELSE 'Str' END
             FROM (${cur}) c WHERE ${gets(p, "c")}`,
      ),
    );
    out.set(
      "curStatus",
      tag(
        "curStatus",
        (
          p,
        ) => `SELECT c.entity_id, NULL::timestamp, NULL::numeric, NULL::bool, 'ok'::varchar, ${rest}, NULL::varchar, 'Str'
             FROM (${cur}) c WHERE ${gets(p, "c")}`,
        computedFor,
      ),
    );
  }
  if (opts.writes !== undefined) {
    const at = opts.writes.toISOString();
    const gets = (p: P, w: string) =>
      `${has(p, "writable", `${w}.entity_id`)} AND NOT ${has(p, "writeVal", `${w}.entity_id`)}`;
    const computedFor = (p: P, e: string) =>
      `EXISTS (SELECT 1 FROM (${effectiveWritesSql(p(at))}) w0 WHERE w0.entity_id = ${e} AND ${gets(p, "w0")})`;
    out.set(
      "writeVal",
      tag(
        "writeVal",
        (p) => `SELECT w.entity_id, NULL::timestamp,
               CASE WHEN w.value_kind = 'Number' THEN coalesce(w.value_n, 0)::numeric END,
               CASE WHEN w.value_kind = 'Bool' THEN coalesce(w.value_b, false) END,
               CASE WHEN w.value_kind = 'Str' THEN coalesce(w.value_s, '')::varchar END, ${rest},
               CASE WHEN w.value_kind = 'Number' THEN coalesce(nullif(w.value_unit, ''), ${unitOf(p, "w.entity_id")}) END,
               w.value_kind
          FROM (${effectiveWritesSql(p(at))}) w WHERE ${gets(p, "w")}`,
      ),
    );
    out.set(
      "writeLevel",
      tag(
        "writeLevel",
        (
          p,
        ) => `SELECT w.entity_id, NULL::timestamp, w.level::numeric, NULL::bool, NULL::varchar, ${rest}, NULL::varchar, 'Number'
          FROM (${effectiveWritesSql(p(at))}) w WHERE ${gets(p, "w")}`,
        computedFor,
      ),
    );
  }
  return out;
}

/**
 * SELECT of the ids (column `id`) of the entities visible to the actor in the org that match the
 * filter, ordered by id and paged, optionally only in a range of ids; parameters appended to
 * `params`. One selection per visibility predicate (`visibleEntityIdsSql`): the org's grants with
 * the filter as semi-joins, the user's direct grants (few) with the filter as per-entity probes;
 * with `probes`, both arms probe per entity (a prefix of few candidates).
 */
function matchingIdsSql(
  actor: Actor,
  orgId: number,
  f: FilterContext,
  params: unknown[],
  opts: {
    range?: { after?: number; upto?: number };
    skip?: number;
    limit?: number;
    probes?: boolean;
  },
): string {
  const targetVisible = refTargetVisible(actor, orgId);
  return visibleEntityIdsSql(actor, orgId, params, {
    ...opts,
    ordered: true,
    match: ({ entity, few }) => {
      const c = compileWithin(f.ast, {
        entityIdSql: entity,
        paramOffset: params.length,
        namespace: f.namespace,
        few: few || opts.probes === true,
        tagIds: f.tagIds,
        computed: f.computed,
        ...targetVisible,
      });
      params.push(...c.params);
      return c.sql;
    },
  });
}

/** `compileFilter`, a filter too large to answer as one query refused as the caller's 422. */
function compileWithin(ast: FilterNode, opts: CompileOptions): CompiledFilter {
  try {
    return compileFilter(ast, opts);
  } catch (e) {
    if (e instanceof FilterTooComplexError) throw invalidField(["filter"], e.message);
    throw e;
  }
}

/**
 * The filter's `targetVisible` for the actor in the org: a path follows a Ref only to an entity the
 * actor may read there (`visibleEntitySql`), so a filter cannot learn the tags of an entity hidden
 * from the caller. An application admin or the system has none (every Ref is followed).
 */
function refTargetVisible(
  actor: Actor,
  orgId: number,
): Pick<CompileOptions, "targetVisible" | "targetVisibleArms"> {
  if (actor.appAdmin || actor.kind === "system") return {};
  // The rules number their parameters from 1 in a list of their own; renumbered with `param`.
  const renumber = (own: unknown[], text: string, param: (v: unknown) => string) => {
    const at = own.map((v) => param(v));
    return text.replace(/\$(\d+)\b/g, (m, n: string) => at[Number(n) - 1] ?? m);
  };
  return {
    targetVisible: (entityIdSql, param) => {
      const own: unknown[] = [];
      return renumber(own, visibleEntitySql(actor, orgId, entityIdSql, own), param);
    },
    targetVisibleArms: (entityIdSql, param) => {
      const own: unknown[] = [];
      const arms = visibleEntityArmsSql(actor, orgId, entityIdSql, own);
      const at = own.map((v) => param(v));
      return arms.map((a) => a.replace(/\$(\d+)\b/g, (m, n: string) => at[Number(n) - 1] ?? m));
    },
  };
}

/** The ids of the tag defs with these names (absent names have none). */
/**
 * The ids of the named tag defs, as the filter compiler takes them (`CompileOptions.tagIds`); a tag
 * the actor may not see in the org (`visibleTagIdsSql`) gets -1, no tag's id, so the filter holds
 * it absent as `read` answers the record: a filter on a hidden tag must not tell its values (left
 * out, the compiler would look the name up itself). `id` is every record's own and never hidden.
 */
async function tagIdsByName(
  sql: Sql,
  actor: Actor,
  orgId: number,
  names: readonly string[],
): Promise<Map<string, number>> {
  const params: unknown[] = [[...names]];
  const visible = actor.appAdmin
    ? "t.disabled_ts IS NULL"
    : `t.id IN (${visibleTagIdsSql(actor, orgId, params)})`;
  const rows = await sql.query<{ name: string; id: number; visible: boolean }>(
    `SELECT t.name, t.id, ${visible} AS visible FROM core.tag_def t WHERE t.name = ANY($1::text[])`,
    params,
  );
  return new Map(rows.map((r) => [r.name, r.visible || r.name === "id" ? r.id : -1]));
}

/**
 * The one-statement SELECT behind `filterEntityIds` (the path of an unlimited or large page), with
 * its parameters; also for EXPLAIN and as the baseline in bench/filter.ts.
 */
export async function filterEntityIdsQuery(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ast: FilterNode,
  page: { skip?: number; limit?: number; range?: { after?: number; upto?: number } },
  at: Date = new Date(),
): Promise<{ text: string; params: unknown[] }> {
  const params: unknown[] = [];
  const f = await filterContext(sql, actor, orgId, ast, at);
  return { text: matchingIdsSql(actor, orgId, f, params, page), params };
}

/**
 * Pages of at most this many rows (skip + limit) first try a prefix of the candidates
 * (`filterEntityIds`); larger and unlimited ones are the one statement.
 */
export const PREFIX_MAX_ROWS = 2500;
/** The prefix holds this many times the rows needed of the org's granted entities. */
const PREFIX_FACTOR = 4;
/** Orgs with fewer granted entities take the one statement at once. */
const PREFIX_MIN_GRANTS = 2000;

/** Where a prefix of `rank` grants ends in an org, and whether the org is big (`orgGrantRankSql`). */
interface GrantRank {
  readonly end: number | null;
  readonly big: boolean;
}

/** How long a grant rank is reused; a stale one costs speed, never a wrong answer (`filterEntityIds`). */
const RANK_TTL_MS = 60_000;
/** Ranks kept per database (one entry per org and page size; bounded). */
const RANK_MAX = 1000;
const RANKS = new WeakMap<Sql, Map<string, GrantRank & { readonly read: number }>>();

/**
 * The org's grant rank for a prefix of `rank` grants. A big org's is read at most once per
 * `RANK_TTL_MS` per database (its explorer's next filter page pays no statement for it): nothing
 * to invalidate, as the prefix's end only decides how much is tried first (see `filterEntityIds`)
 * and new grants come after it. A small org's is not kept (one that grows past
 * `PREFIX_MIN_GRANTS` takes the prefix at once); `filterEntityIds` reads it beside the tag ids.
 */
async function grantRank(sql: Sql, orgId: number, rank: number): Promise<GrantRank> {
  let byKey = RANKS.get(sql);
  if (!byKey) {
    byKey = new Map();
    RANKS.set(sql, byKey);
  }
  const key = `${orgId}:${rank}`;
  const now = Date.now();
  const had = byKey.get(key);
  if (had && now - had.read < RANK_TTL_MS) return had;
  const params: unknown[] = [];
  const [b] = await sql.query<{ end: number | null; big: boolean }>(
    orgGrantRankSql(orgId, rank, PREFIX_MIN_GRANTS, params),
    params,
  );
  const got = { end: b?.end ?? null, big: b?.big === true, read: now };
  byKey.delete(key);
  if (!got.big) return got;
  if (byKey.size >= RANK_MAX) byKey.delete(byKey.keys().next().value as string);
  byKey.set(key, got);
  return got;
}

/**
 * Ids of the visible entities of the org matching the filter, by id, paged. A small page
 * (`skip + limit <= PREFIX_MAX_ROWS`) in an org of at least `PREFIX_MIN_GRANTS` granted entities
 * stops early when the filter is dense: the filter is first answered over a prefix of the ids (up
 * to the org's `(skip + limit) × PREFIX_FACTOR`-th granted entity, from `grantRank`, read once a
 * minute), one statement without a LIMIT that tests each candidate of the prefix by per-entity
 * index probes (the compiled filter's `few` form), so its cost follows the prefix's size, not the
 * org's. When the prefix holds the page, or is every candidate, that is the answer; otherwise the
 * page is read again by the one statement over every entity (LIMIT on the merge of the visibility
 * arms), so each answer comes from one statement's snapshot and is the unlimited answer's rows
 * `skip … skip + limit`. The prefix's end only decides what is tried first (the first
 * `skip + limit` matches up to any id are the answer's first rows whenever there are that many):
 * a stale rank costs time, never rows. The rank is read beside the tag ids (in parallel, not one
 * more round trip after them), and not at all in a big org while kept; then one statement for a
 * dense filter, a small org, or a large or unlimited page; two for a selective filter.
 */
export async function filterEntityIds(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ast: FilterNode,
  page: { skip?: number; limit?: number },
  /** When write levels are judged in force, for `writeVal`/`writeLevel` (the services' clock). */
  at: Date = new Date(),
): Promise<number[]> {
  const skip = page.skip ?? 0;
  const need = skip + (page.limit ?? 0);
  const small = page.limit !== undefined && page.limit > 0 && need <= PREFIX_MAX_ROWS;
  const [f, rank] = await Promise.all([
    filterContext(sql, actor, orgId, ast, at),
    small ? grantRank(sql, orgId, need * PREFIX_FACTOR) : undefined,
  ]);
  const read = async (opts: Parameters<typeof matchingIdsSql>[4]) => {
    const params: unknown[] = [];
    const text = matchingIdsSql(actor, orgId, f, params, opts);
    return (await sql.query<{ id: number }>(text, params)).map((r) => r.id);
  };
  if (rank?.big) {
    const prefix = await read({ range: rank.end === null ? {} : { upto: rank.end }, probes: true });
    if (rank.end === null || prefix.length >= need) return prefix.slice(skip, need);
  }
  return read(page);
}

/**
 * The path before `grantRank` (for bench/filter.ts's same-run baseline): the grant rank read each
 * time after the tag ids, then the prefix, then, when it falls short, the one statement.
 */
export async function filterEntityIdsByStatements(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ast: FilterNode,
  page: { skip?: number; limit: number },
  at: Date = new Date(),
): Promise<number[]> {
  const skip = page.skip ?? 0;
  const need = skip + page.limit;
  const f = await filterContext(sql, actor, orgId, ast, at);
  const read = async (opts: Parameters<typeof matchingIdsSql>[4]) => {
    const params: unknown[] = [];
    const text = matchingIdsSql(actor, orgId, f, params, opts);
    return (await sql.query<{ id: number }>(text, params)).map((r) => r.id);
  };
  const bp: unknown[] = [];
  const [b] = await sql.query<{ end: number | null; big: boolean }>(
    orgGrantRankSql(orgId, need * PREFIX_FACTOR, PREFIX_MIN_GRANTS, bp),
    bp,
  );
  if (!b?.big) return read(page);
  const prefix = await read({ range: b.end === null ? {} : { upto: b.end }, probes: true });
  if (b.end === null || prefix.length >= need) return prefix.slice(skip, need);
  return read(page);
}

/**
 * The visible entities of the org matching the filter, by id, at most `limit`, each with the text
 * of its first active `dis`, `id` and `kind` tag rows (a Ref as its integer id text).
 */
export async function filterEntityNames(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ast: FilterNode,
  limit: number,
  /** When write levels are judged in force (the services' clock). */
  at: Date,
): Promise<Array<{ id: number; dis: string | null; id_tag: string | null; kind: string | null }>> {
  const ids = await filterEntityIds(sql, actor, orgId, ast, { limit: Math.trunc(limit) }, at);
  if (ids.length === 0) return [];
  const tag = (name: string) =>
    `(SELECT coalesce(et.value_s, et.value_ref::text) FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
       WHERE et.entity_id = v.id AND td.name = '${name}' AND et.disabled_ts IS NULL ORDER BY et.id LIMIT 1)`;
  return sql.query(
    `SELECT v.id, ${tag("dis")} AS dis, ${tag("id")} AS id_tag, ${tag("kind")} AS kind
       FROM unnest($1::int4[]) v(id) ORDER BY v.id`,
    [ids],
  );
}

/** Maps Haystack id strings to the visible entities carrying them (unknown ids are absent). */
export async function entityIdsByRef(
  sql: Sql,
  actor: Actor,
  orgId: number,
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const params: unknown[] = [[...new Set(ids)]];
  const visible = visibleEntitySql(actor, orgId, "i.entity_id", params);
  const rows = await sql.query<{ ref: string; entity_id: number }>(
    `SELECT i.value_s AS ref, i.entity_id FROM core.entity_tag i JOIN core.tag_def d ON d.id = i.tag_id
      WHERE d.name = 'id' AND i.disabled_ts IS NULL AND i.value_s = ANY($1::text[]) AND ${visible}
      ORDER BY i.entity_id`,
    params,
  );
  const out = new Map<string, number>();
  for (const r of rows) if (!out.has(r.ref)) out.set(r.ref, r.entity_id);
  return out;
}

type TagRowWithName = TagRow & { entity_id: number; name: string };

const TAG_COLUMNS =
  "et.entity_id, td.name, et.value_n, et.value_b, et.value_s, et.value_ts, et.value_list, et.value_dict, et.value_ref, et.value_unit, et.value_kind";

/**
 * Whose tag visibility a read applies: the actor in the org, with the ids of the tags visible there
 * when already known (`visibleTagIds`; a read of many pages loads them once).
 */
export interface TagVisibility {
  readonly actor: Actor;
  readonly orgId: number;
  readonly tagIds?: ReadonlySet<number>;
}

/** The visible tag ids of `visibleTo` (loaded unless given), or undefined for every tag. */
async function visibleSet(sql: Sql, visibleTo?: TagVisibility): Promise<ReadonlySet<number> | undefined> {
  if (!visibleTo) return undefined;
  return visibleTo.tagIds ?? (await visibleTagIds(sql, visibleTo.actor, visibleTo.orgId));
}

/**
 * The Haystack dicts of these entities (which the caller has checked are visible), in the order
 * given. Every dict has an `id` Ref (the `id` tag, or the integer id as text when it has none) with
 * the entity's `dis`. Ref values carry their target's `dis`.
 */
export async function entityDicts(
  sql: Sql,
  entityIds: readonly number[],
  /** Only tags whose library the actor may see in the org (`/filter` tag rows do the same). */
  visibleTo?: TagVisibility,
): Promise<Map<number, Dict>> {
  const out = new Map<number, Dict>();
  if (entityIds.length === 0) return out;
  // The visible tags as a set, applied here: as a subquery in the SELECT the planner scanned every
  // tag row of the visible tags by tag_id (about 0.5 s at 100k entities, whatever the page size).
  const visible = await visibleSet(sql, visibleTo);
  // One round trip: the entities' active tag rows (part 0), then the `id` and `dis` rows of the
  // Ref targets outside them (part 1); the entities' own `id`/`dis` are among their rows.
  const all = await sql.query<TagRowWithName & { tag_id: number; part: number }>(
    `WITH r AS (SELECT ${TAG_COLUMNS}, et.tag_id, et.id AS row_id
                  FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
                 WHERE et.entity_id = ANY($1::int4[]) AND et.disabled_ts IS NULL),
          t AS (SELECT r.value_ref AS id FROM r WHERE r.value_ref IS NOT NULL EXCEPT SELECT unnest($1::int4[]))
     SELECT 0 AS part, r.* FROM r
     UNION ALL
     SELECT 1, et.entity_id, td.name, NULL, NULL, et.value_s, NULL, NULL, NULL, NULL, NULL, NULL, et.tag_id, et.id
       FROM t JOIN core.entity_tag et ON et.entity_id = t.id JOIN core.tag_def td ON td.id = et.tag_id
      WHERE td.name IN ('id', 'dis') AND et.disabled_ts IS NULL
     ORDER BY 1, 2, 14`,
    [[...entityIds]],
  );
  const idDis = new Map<number, { id?: string; dis?: string }>();
  const rows: typeof all = [];
  for (const r of all) {
    if ((r.name === "id" || r.name === "dis") && r.value_s !== null) {
      const e = idDis.get(r.entity_id) ?? {};
      if (r.name === "id") e.id = r.value_s;
      else e.dis = r.value_s;
      idDis.set(r.entity_id, e);
    }
    if (r.part === 0 && (!visible || visible.has(r.tag_id))) rows.push(r);
  }
  const idOf = (n: number) => idDis.get(n)?.id;
  const byEntity = new Map<number, Dict>();
  for (const r of rows) {
    let d = byEntity.get(r.entity_id);
    if (!d) {
      d = {};
      byEntity.set(r.entity_id, d);
    }
    let v: ReturnType<typeof tagValueFromRow>;
    try {
      v = tagValueFromRow(r, r.name, (n) => idOf(n) ?? String(n));
    } catch {
      continue;
    }
    if (v instanceof Ref && r.name !== "id" && r.value_ref !== null) {
      const dis = idDis.get(r.value_ref)?.dis;
      if (dis !== undefined) v = new Ref(v.id, dis);
    }
    d[r.name] = v;
  }
  for (const id of entityIds) {
    const d = byEntity.get(id) ?? {};
    const self = idDis.get(id);
    d.id = new Ref(self?.id ?? String(id), self?.dis ?? (typeof d.dis === "string" ? d.dis : undefined));
    out.set(id, d);
  }
  return out;
}

/** The ids of the tag definitions the actor may see in the org (`visibleTagIdsSql`). */
export async function visibleTagIds(sql: Sql, actor: Actor, orgId: number): Promise<Set<number>> {
  const params: unknown[] = [];
  const text = visibleTagIdsSql(actor, orgId, params);
  const rows = await sql.query<{ id: number }>(`SELECT v.tag_id AS id FROM (${text}) v(tag_id)`, params);
  return new Set(rows.map((r) => r.id));
}

/** Where a tag name first appears in `entityDicts`' dicts of entities read in id order. */
export interface FirstTag {
  readonly name: string;
  readonly entityId: number;
  /** The tag row's id: a dict's keys are in tag row id order. */
  readonly rowId: number;
}

/**
 * The columns of `entityDicts` for these entities (ascending ids) without loading them: each tag
 * name their dicts carry, with the first dict (by entity id) and tag row that gives it a value,
 * as one SQL pass over their active (and, with `visibleTo`, visible) tag rows. A first row whose
 * value cannot be decoded (which `entityDicts` leaves out) gives way to that name's next row.
 */
export async function firstTags(
  sql: Sql,
  entityIds: readonly number[],
  visibleTo?: TagVisibility,
): Promise<FirstTag[]> {
  if (entityIds.length === 0) return [];
  const params: unknown[] = [[...entityIds]];
  const visible = await visibleSet(sql, visibleTo);
  if (visible) params.push([...visible]);
  const tagVisible = visible ? " AND et.tag_id = ANY($2::int4[])" : "";
  const from = `FROM unnest($1::int4[]) m(id) JOIN core.entity_tag et ON et.entity_id = m.id
    JOIN core.tag_def td ON td.id = et.tag_id WHERE et.disabled_ts IS NULL${tagVisible}`;
  // Each tag's first entity by a hash aggregate (no sort of every tag row), then its first row there.
  const rows = await sql.query<TagRowWithName & { row_id: number }>(
    `WITH f AS (SELECT et.tag_id, min(et.entity_id) AS entity_id ${from} GROUP BY et.tag_id)
     SELECT DISTINCT ON (f.tag_id) ${TAG_COLUMNS}, et.id AS row_id
       FROM f JOIN core.entity_tag et ON et.entity_id = f.entity_id AND et.tag_id = f.tag_id
       JOIN core.tag_def td ON td.id = et.tag_id
      WHERE et.disabled_ts IS NULL ORDER BY f.tag_id, et.id`,
    params,
  );
  const out: FirstTag[] = [];
  for (const firstRow of rows) {
    let r: (typeof rows)[number] | undefined = firstRow;
    // Rare: an undecodable first row; the name's later rows are tried in order.
    while (r && !decodes(r)) {
      const next: unknown[] = [...params, r.name, r.entity_id, r.row_id];
      const n = next.length;
      [r] = await sql.query<TagRowWithName & { row_id: number }>(
        `SELECT ${TAG_COLUMNS}, et.id AS row_id ${from} AND td.name = $${n - 2}
           AND (et.entity_id, et.id) > ($${n - 1}::int4, $${n}::int4)
         ORDER BY et.entity_id, et.id LIMIT 1`,
        next,
      );
    }
    if (r) out.push({ name: r.name, entityId: r.entity_id, rowId: Number(r.row_id) });
  }
  return out;
}

function decodes(r: TagRowWithName): boolean {
  try {
    tagValueFromRow(r, r.name, (n) => String(n));
    return true;
  } catch {
    return false;
  }
}

/**
 * Of these entities (ascending ids), those whose dicts have the tag `has` and not the tag
 * `lacks` (active rows; with `visibleTo`, visible ones), in id order.
 */
export async function entitiesWithout(
  sql: Sql,
  entityIds: readonly number[],
  has: string,
  lacks: string,
  visibleTo?: TagVisibility,
): Promise<number[]> {
  if (entityIds.length === 0) return [];
  const params: unknown[] = [[...entityIds], has, lacks];
  const visible = await visibleSet(sql, visibleTo);
  if (visible) params.push([...visible]);
  const tagVisible = visible ? " AND et.tag_id = ANY($4::int4[])" : "";
  const tag = (p: string) =>
    `SELECT 1 FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
      WHERE et.entity_id = m.id AND td.name = ${p} AND et.disabled_ts IS NULL${tagVisible}`;
  const rows = await sql.query<{ id: number }>(
    `SELECT m.id FROM unnest($1::int4[]) m(id)
      WHERE EXISTS (${tag("$2")}) AND NOT EXISTS (${tag("$3")}) ORDER BY m.id`,
    params,
  );
  return rows.map((r) => r.id);
}
