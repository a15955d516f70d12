// points/: operator writes to writable points. It owns core.hs_point_write (primary only): the
// 17-level priority array of each writable point (pointWrite, pointWriteArray), and the effective
// value per point (highest priority active level, effectiveWrites) that the simulators apply as
// operator overrides from their next interval, and the effective level of a page of points
// (effectiveLevels, the Haystack `writeVal`/`writeLevel`). The Haystack pointWrite op and the
// console use it.
import { type Actor, requireRole, systemActor, visibleEntitySql } from "../access/actor.ts";
import { entityDicts } from "../catalog/read.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Dict, Grid, HNum, type HVal, kindOf, unitMismatch } from "../haystack/index.ts";

export const LEVELS = 17;
const LEVEL_DIS: Readonly<Record<number, string>> = {
  1: "emergency",
  8: "manual",
  16: "default",
  17: "relinquish default",
};

type WriteValue = number | boolean | string;

interface Row {
  entity_id: number;
  level: number;
  value_kind: "Number" | "Bool" | "Str";
  value_n: number | null;
  value_unit: string | null;
  value_b: boolean | null;
  value_s: string | null;
  who: string;
  expires_at: Date | null;
}

/** Levels still in force at the services' clock (timed writes end by it too), as placeholder `at`. */
const activeAtSql = (at: string) => `(pw.expires_at IS NULL OR pw.expires_at > ${at}::timestamptz)`;
/** `activeAtSql` at parameter `$n`. */
const activeSql = (n: number) => activeAtSql(`$${n}`);

function rowValue(r: Row): HVal {
  if (r.value_kind === "Number") return new HNum(Number(r.value_n), r.value_unit);
  if (r.value_kind === "Bool") return r.value_b === true;
  return r.value_s ?? "";
}

const DURATION_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  day: 86_400_000,
};

/** One level of a priority array; `val` is null for an empty level. */
export interface PriorityLevel {
  level: number;
  /** `emergency`, `manual`, `default`, `relinquish default`, or the level's number. */
  levelDis: string;
  val: HVal | null;
  who: string | null;
  /** When a timed write ends; null until released. */
  expiresAt: Date | null;
}

/** The 17 levels of a point's priority array (which the caller has checked is visible), level 1 first. */
export async function priorityLevels(deps: ServiceDeps, entityId: number): Promise<PriorityLevel[]> {
  const rows = await deps.dbs.primary.query<Row>(
    `SELECT * FROM core.hs_point_write pw WHERE pw.entity_id = $1 AND ${activeSql(2)} ORDER BY level`,
    [entityId, deps.clock.now().toISOString()],
  );
  const byLevel = new Map(rows.map((r) => [r.level, r]));
  const out: PriorityLevel[] = [];
  for (let level = 1; level <= LEVELS; level++) {
    const r = byLevel.get(level);
    out.push({
      level,
      levelDis: LEVEL_DIS[level] ?? String(level),
      val: r ? rowValue(r) : null,
      who: r?.who ?? null,
      expiresAt: r?.expires_at ? new Date(r.expires_at) : null,
    });
  }
  return out;
}

/** The point's priority array as the spec's read-form grid (17 rows: level, levelDis, val, who). */
export async function pointWriteArray(deps: ServiceDeps, entityId: number): Promise<Grid> {
  const out: Dict[] = (await priorityLevels(deps, entityId)).map((l) => {
    const d: Dict = { level: new HNum(l.level), levelDis: l.levelDis };
    if (l.val !== null) {
      d.val = l.val;
      d.who = l.who ?? "";
    }
    return d;
  });
  return new Grid(
    {},
    ["level", "levelDis", "val", "who"].map((name) => ({ name, meta: {} })),
    out,
  );
}

/**
 * Writes (or, with `val` null, releases) one level of a writable point's priority array, then
 * returns the array. Publishes `point:written`.
 * @throws AppError forbidden (not a member), not_found (unknown or invisible point),
 *   invalid (not `writable`, level out of 1–17, a value of another kind than the point's `kind`,
 *   a bad duration).
 */
export async function pointWrite(opts: {
  deps: ServiceDeps;
  actor: Actor;
  /** The org the point is in (the caller has resolved it and the point in it). */
  org: { readonly id: number };
  entityId: number;
  level: number;
  val: HVal | null;
  who?: string;
  duration?: HVal | null;
}): Promise<Grid> {
  const { deps, actor, org, entityId, level, val } = opts;
  requireRole(actor, org.id, "member");
  if (!Number.isInteger(level) || level < 1 || level > LEVELS)
    throw new AppError("invalid", `level must be an integer from 1 to ${LEVELS}`);
  const dict = (await entityDicts(deps.dbs.primary, [entityId])).get(entityId);
  if (!dict || dict.point === undefined || dict.writable === undefined)
    throw new AppError("invalid", "point is not writable");
  const pointKind = typeof dict.kind === "string" ? dict.kind : undefined;
  let expiresAt: Date | null = null;
  if (opts.duration !== null && opts.duration !== undefined) {
    const d = opts.duration;
    const ms = d instanceof HNum ? DURATION_MS[d.unit ?? ""] : undefined;
    if (!(d instanceof HNum) || ms === undefined || !(d.val > 0))
      throw new AppError("invalid", "duration must be a positive Number with a time unit (s, min, h)");
    expiresAt = new Date(deps.clock.now().getTime() + d.val * ms);
  }
  const who = (opts.who ?? actor.email ?? `user ${actor.userId ?? "system"}`).slice(0, 200);
  if (val === null) {
    await deps.dbs.primary.query("DELETE FROM core.hs_point_write WHERE entity_id = $1 AND level = $2", [
      entityId,
      level,
    ]);
  } else {
    const kind = kindOf(val);
    if (kind !== "Number" && kind !== "Bool" && kind !== "Str")
      throw new AppError("invalid", "val must be a Number, Bool or Str");
    if (pointKind && pointKind !== kind)
      throw new AppError("invalid", `point kind is ${pointKind}, not ${kind}`);
    if (val instanceof HNum && !Number.isFinite(val.val)) throw new AppError("invalid", "val must be finite");
    const wrongUnit =
      val instanceof HNum
        ? unitMismatch(typeof dict.unit === "string" ? dict.unit : undefined, val.unit)
        : undefined;
    if (wrongUnit) throw new AppError("invalid", `val ${val.toString()}: ${wrongUnit}`);
    await deps.dbs.primary.query(
      `INSERT INTO core.hs_point_write (entity_id, level, value_kind, value_n, value_unit, value_b, value_s, who, expires_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
       ON CONFLICT (entity_id, level) DO UPDATE SET value_kind = excluded.value_kind, value_n = excluded.value_n,
         value_unit = excluded.value_unit, value_b = excluded.value_b, value_s = excluded.value_s,
         who = excluded.who, expires_at = excluded.expires_at, updated_at = now()`,
      [
        entityId,
        level,
        kind,
        val instanceof HNum ? val.val : null,
        // An alias (`degF`) is stored as the point's own spelling.
        val instanceof HNum && val.unit !== undefined
          ? typeof dict.unit === "string"
            ? dict.unit
            : val.unit
          : null,
        typeof val === "boolean" ? val : null,
        typeof val === "string" ? val : null,
        who,
        expiresAt,
      ],
    );
  }
  deps.broker.publish("point:written", org.id, {
    entityId,
    level,
    val: val === null ? null : val instanceof HNum ? val.val : val,
  });
  return pointWriteArray(deps, entityId);
}

/**
 * The effective write of every writable point of the org that has one: the value of its highest
 * priority (lowest numbered) active level. Expired levels are ignored. Numbers come back without
 * their unit (as written for the point's own unit).
 */
export async function effectiveWrites(opts: {
  deps: ServiceDeps;
  orgId: number;
}): Promise<Map<number, WriteValue>> {
  const params: unknown[] = [opts.deps.clock.now().toISOString()];
  const visible = visibleEntitySql(systemActor, opts.orgId, "pw.entity_id", params);
  const rows = await opts.deps.dbs.primary.query<Row>(
    `SELECT DISTINCT ON (pw.entity_id) pw.* FROM core.hs_point_write pw
      WHERE ${activeSql(1)} AND ${visible} ORDER BY pw.entity_id, pw.level`,
    params,
  );
  const out = new Map<number, WriteValue>();
  for (const r of rows) {
    const v = rowValue(r);
    out.set(r.entity_id, v instanceof HNum ? v.val : (v as boolean | string));
  }
  return out;
}

/**
 * SELECT of the effective write of every point with a level in force at `at` (a placeholder of a
 * timestamptz parameter), one row per point (columns `entity_id`, `level`, `value_kind`,
 * `value_n`, `value_unit`, `value_b`, `value_s`), as `effectiveLevels` reads them: for filters that
 * test `writeVal`/`writeLevel` in SQL (catalog/read.ts). No permission check: the caller's query
 * selects visible entities.
 */
export function effectiveWritesSql(at: string): string {
  return `SELECT DISTINCT ON (pw.entity_id) pw.entity_id, pw.level, pw.value_kind, pw.value_n, pw.value_unit,
      pw.value_b, pw.value_s FROM core.hs_point_write pw WHERE ${activeAtSql(at)} ORDER BY pw.entity_id, pw.level`;
}

/** A point's effective write: the level in force with the highest priority, and its value. */
export interface EffectiveLevel {
  level: number;
  /** Numbers carry the unit they were stored with (the point's, or none for a unitless write). */
  val: HVal;
}

/**
 * The effective write of each of these entities (which the caller has checked are visible) that
 * has an active level at `at` (the services' clock), in one query for all of them. Entities
 * without one are absent.
 */
export async function effectiveLevels(
  sql: Sql,
  entityIds: readonly number[],
  at: Date,
): Promise<Map<number, EffectiveLevel>> {
  const out = new Map<number, EffectiveLevel>();
  if (entityIds.length === 0) return out;
  const rows = await sql.query<Row>(
    `SELECT DISTINCT ON (pw.entity_id) pw.* FROM core.hs_point_write pw
      WHERE pw.entity_id = ANY($2::int4[]) AND ${activeSql(1)} ORDER BY pw.entity_id, pw.level`,
    [at.toISOString(), [...entityIds]],
  );
  for (const r of rows) out.set(r.entity_id, { level: Number(r.level), val: rowValue(r) });
  return out;
}
