// The Haystack view of this product's records: the org an `/api/{key}` path names, and entity dicts
// as the ops answer them (catalog's dicts; points get `curVal`/`curStatus` from ingest's current
// values, writable points `writeVal`/`writeLevel` from their priority array in points/). No SQL
// here: the rows come from access/, catalog/, ingest/ and points/.
import type { Actor } from "../access/actor.ts";
import { requireRole } from "../access/actor.ts";
import { ORG_KEY, orgByKey } from "../access/orgs.ts";
import { accessRuntime } from "../access/runtime.ts";
import {
  entitiesWithout,
  entityDicts,
  firstTags,
  type TagVisibility,
  visibleTagIds,
} from "../catalog/read.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Dict, HNum } from "../haystack/index.ts";
import { openCurrentValues, type PlainValueRow } from "../ingest/read.ts";
import { type EffectiveLevel, effectiveLevels } from "../points/point-write.ts";

export interface HaystackOrg {
  readonly id: number;
  readonly key: string;
  /** `values_<key>`: the history table; the current values are in `<valueTable>_current`. */
  readonly valueTable: string;
}

/**
 * The active org with this key, when the actor is a member of it. During a primary outage, the org
 * as last read (within the access outage memo's age), so that ops needing no building data
 * (`about`) still answer.
 * @throws AppError forbidden for an unknown key, a disabled org, or no membership (no oracle).
 */
export async function resolveOrg(deps: ServiceDeps, actor: Actor, key: string): Promise<HaystackOrg> {
  if (!ORG_KEY.test(key)) throw new AppError("forbidden", "not allowed in this org");
  const row = await accessRuntime(deps).lastKnown.remember(`haystack-org:${key}`, () => orgByKey(deps, key));
  if (!row) throw new AppError("forbidden", "not allowed in this org");
  requireRole(actor, row.id, "member");
  return { id: row.id, key, valueTable: row.value_table };
}

/**
 * Loads the Haystack dicts of an org's entities, as `loadDicts` answers them, for one read of one
 * or many pages: what every page needs (the visible tags, whether the current-value table exists)
 * is looked up once, when it is opened.
 */
export interface DictReader {
  /** The dicts of these entities (which the caller has checked are visible). */
  load(entityIds: readonly number[]): Promise<Map<number, Dict>>;
  /** The tag visibility the dicts apply (undefined: every tag). */
  readonly visibleTo: TagVisibility | undefined;
  /** The org's current values of entities (null when it has no current-value table yet). */
  readonly current: ((entityIds: readonly number[]) => Promise<PlainValueRow[]>) | null;
  /** The effective writes of entities (one query for them all). */
  readonly writes: (entityIds: readonly number[]) => Promise<Map<number, EffectiveLevel>>;
}

/**
 * A `DictReader` of the org; with `actor`, tags of a library revoked for the actor are left out.
 * Write levels are judged in force at `at` (the services' clock; the wall clock by default).
 */
export async function openDictReader(
  sql: Sql,
  org: HaystackOrg,
  actor?: Actor,
  at: Date = new Date(),
): Promise<DictReader> {
  const [tagIds, current] = await Promise.all([
    actor ? visibleTagIds(sql, actor, org.id) : undefined,
    openCurrentValues(sql, org.valueTable),
  ]);
  const visibleTo = actor && tagIds ? { actor, orgId: org.id, tagIds } : undefined;
  const writes = (entityIds: readonly number[]) => effectiveLevels(sql, entityIds, at);
  return {
    visibleTo,
    current,
    writes,
    async load(entityIds) {
      // The tag rows, the current values and the effective writes in parallel (every entity's:
      // only points without a `curVal` tag take theirs, only writable points without a `writeVal`
      // tag their write, which is known once the tags are).
      const [dicts, rows, levels] = await Promise.all([
        entityDicts(sql, entityIds, visibleTo),
        current ? current(entityIds) : [],
        writes(entityIds),
      ]);
      addCurrentValues(dicts, rows);
      addWrites(dicts, levels);
      return dicts;
    },
  };
}

/**
 * The Haystack dicts of these entities (which the caller has checked are visible), as
 * `entityDicts` answers them. When `org` is given, points without a `curVal` tag get
 * `curVal`/`curStatus` from the org's current values and writable points without a `writeVal` tag
 * get `writeVal`/`writeLevel` from their priority array (at `at`); with `actor` too, tags of a
 * library revoked for the actor are left out (what a client is answered).
 */
export async function loadDicts(
  sql: Sql,
  entityIds: readonly number[],
  org?: HaystackOrg,
  /** When given (with `org`), only the tags whose library the actor may see. */
  actor?: Actor,
  at?: Date,
): Promise<Map<number, Dict>> {
  if (!org) return entityDicts(sql, entityIds);
  return (await openDictReader(sql, org, actor, at)).load(entityIds);
}

/** Entities per page when dicts are loaded and sent page by page (`read`). */
export const DICT_PAGE_ROWS = 1000;

/**
 * The column names of the grid of these entities' dicts (ascending ids), as `reader` would load
 * them and `Grid.fromRows` would order them, without loading the dicts: a name's column comes
 * where it first appears, row by row, and within a row in tag row order; `id` is at its tag's
 * place or after the first dict's tags; `curVal` and `curStatus` (from current values) after the
 * tags of the first point that gets them, then `writeVal` and `writeLevel` (from the priority
 * array) after those of the first writable point that gets them. The tag rows of all the entities
 * are read once (`firstTags`); the first point that gets a current value is looked for beside it,
 * in slices of ids from `sliceRows` on (`firstWithCurrentValue`).
 */
export async function dictColumns(
  sql: Sql,
  entityIds: readonly number[],
  reader: DictReader,
  sliceRows = DICT_PAGE_ROWS,
): Promise<string[]> {
  if (entityIds.length === 0) return [];
  const visibleTo = reader.visibleTo;
  const [tags, withCur, withWrite] = await Promise.all([
    firstTags(sql, entityIds, visibleTo),
    reader.current ? firstWithCurrentValue(sql, reader.current, entityIds, visibleTo, sliceRows) : undefined,
    firstWithWrite(sql, reader, entityIds),
  ]);
  const first = new Map<string, { entityId: number; pos: number }>();
  const place = (name: string, entityId: number, pos: number) => {
    const had = first.get(name);
    if (!had || entityId < had.entityId || (entityId === had.entityId && pos < had.pos))
      first.set(name, { entityId, pos });
  };
  for (const t of tags) place(t.name, t.entityId, t.rowId);
  // Appended after a dict's tags: `id` (when the first dict has no id tag), the current value, then
  // the effective write.
  const AFTER_TAGS = Number.MAX_SAFE_INTEGER - 4;
  const self = entityIds[0]!;
  if (first.get("id")?.entityId !== self) first.set("id", { entityId: self, pos: AFTER_TAGS });
  if (withCur !== undefined) {
    place("curVal", withCur, AFTER_TAGS + 1);
    place("curStatus", withCur, AFTER_TAGS + 2);
  }
  if (withWrite !== undefined) {
    place("writeVal", withWrite, AFTER_TAGS + 3);
    place("writeLevel", withWrite, AFTER_TAGS + 4);
  }
  return [...first].sort(([, a], [, b]) => a.entityId - b.entityId || a.pos - b.pos).map(([name]) => name);
}

/**
 * The first of these entities (ascending ids) that `addCurrentValues` gives `curVal`: a point
 * without a `curVal` tag that has a current value. Looked for in slices of ids in order, the
 * first of `sliceRows`, each next one twice as large (at most about log2 of the ids' count
 * slices): a slice's current values first, then, of the entities among them with a value, the
 * points without a `curVal` tag (`entitiesWithout`). The answer is usually in the first slice, so
 * only its tag rows are looked at again (before, the points without a `curVal` tag were looked
 * for among all the ids: a second pass over their tag rows, ~0.5 s at 100k entities).
 */
async function firstWithCurrentValue(
  sql: Sql,
  current: NonNullable<DictReader["current"]>,
  entityIds: readonly number[],
  visibleTo: TagVisibility | undefined,
  sliceRows: number,
): Promise<number | undefined> {
  for (let from = 0, size = Math.max(1, sliceRows); from < entityIds.length; from += size, size *= 2) {
    const valued: number[] = [];
    for (const r of await current(entityIds.slice(from, from + size)))
      if (r.value_n !== null || r.value_b !== null || r.value_s !== null) valued.push(r.entity_id);
    if (valued.length === 0) continue;
    valued.sort((a, b) => a - b);
    const [first] = await entitiesWithout(sql, valued, "point", "curVal", visibleTo);
    if (first !== undefined) return first;
  }
  return undefined;
}

/**
 * The first of these entities (ascending ids) that `addWrites` gives `writeVal`: the ones with an
 * effective write, in one query for them all, then of those the writable ones without a
 * `writeVal` tag (few entities have writes: no pass over the tags of every entity, and no query
 * per page before the first byte when none has one).
 */
async function firstWithWrite(
  sql: Sql,
  reader: DictReader,
  entityIds: readonly number[],
): Promise<number | undefined> {
  const written = [...(await reader.writes(entityIds)).keys()].sort((a, b) => a - b);
  const [first] = await entitiesWithout(sql, written, "writable", "writeVal", reader.visibleTo);
  return first;
}

/**
 * Writable points of `dicts` without a `writeVal` tag take `writeVal` (a Number unitless as
 * written gets the point's unit) and `writeLevel` from their effective write; without one, they
 * have neither (the spec's "absent when no level is set").
 */
function addWrites(dicts: Map<number, Dict>, levels: ReadonlyMap<number, EffectiveLevel>): void {
  for (const [id, w] of levels) {
    const d = dicts.get(id);
    if (!d || d.writable === undefined || d.writeVal !== undefined) continue;
    const unit = typeof d.unit === "string" ? d.unit : undefined;
    d.writeVal = w.val instanceof HNum && w.val.unit === undefined ? new HNum(w.val.val, unit) : w.val;
    d.writeLevel = new HNum(w.level);
  }
}

/** Points of `dicts` without a `curVal` tag take `curVal`/`curStatus` from their current value row. */
function addCurrentValues(dicts: Map<number, Dict>, rows: readonly PlainValueRow[]): void {
  for (const r of rows) {
    const d = dicts.get(r.entity_id);
    if (!d || d.point === undefined || d.curVal !== undefined) continue;
    const unit = typeof d.unit === "string" ? d.unit : undefined;
    if (r.value_n !== null) d.curVal = new HNum(Number(r.value_n), unit);
    else if (r.value_b !== null) d.curVal = r.value_b;
    else if (r.value_s !== null) d.curVal = r.value_s;
    else continue;
    d.curStatus = "ok";
  }
}
