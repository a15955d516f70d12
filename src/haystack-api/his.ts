// hisRead and hisWrite: the protocol side of history. hisRead parses the range in the point's time
// zone, reads the rows through ingest (`readHistoryRows`) and encodes them as a grid; hisWrite
// decodes a grid and writes through the one ingest path (`writeValues`).
import { type Actor, requireRole } from "../access/actor.ts";
import { entityIdsByRef } from "../catalog/read.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import {
  type Dict,
  type Grid,
  HDateTime,
  type HisCell,
  type HisColumn,
  HisGrid,
  HisRangeError,
  HNum,
  type HVal,
  parseHisRange,
  Ref,
  tzToIana,
  writeZincValue,
} from "../haystack/index.ts";
import { readHistoryRows } from "../ingest/read.ts";
import { type ValueInput, writeValues } from "../ingest/write.ts";
import { type HaystackOrg, loadDicts } from "./records.ts";

/** Most rows one hisRead answers (about 28 years of one point at 15 minutes). */
export const HIS_READ_MAX_ROWS = 1_000_000;

interface Point {
  entityId: number;
  ref: Ref;
  dict: Dict;
  tz: string;
  iana: string;
}

function zoneOf(dict: Dict): { tz: string; iana: string } {
  if (typeof dict.tz === "string") {
    try {
      return { tz: dict.tz, iana: tzToIana(dict.tz) };
    } catch {
      // An unknown zone name reads as UTC.
    }
  }
  return { tz: "UTC", iana: "UTC" };
}

/**
 * Resolves refs to visible points.
 * @throws AppError not_found naming the first unknown id; invalid naming the first one without
 *   `his` when `needHis`.
 */
async function points(
  deps: ServiceDeps,
  actor: Actor,
  org: HaystackOrg,
  refs: readonly Ref[],
  needHis = false,
): Promise<Point[]> {
  const sql = deps.dbs.primary;
  const ids = await entityIdsByRef(
    sql,
    actor,
    org.id,
    refs.map((r) => r.id),
  );
  const missing = refs.find((r) => !ids.has(r.id));
  if (missing) throw new AppError("not_found", `unknown id @${missing.id}`);
  const dicts = await loadDicts(sql, [...ids.values()]);
  return refs.map((r) => {
    const entityId = ids.get(r.id)!;
    const dict = dicts.get(entityId) ?? {};
    if (needHis && (dict.his === undefined || dict.his === null))
      throw new AppError("invalid", `@${r.id} has no history (not a his point)`);
    const ref = dict.id instanceof Ref ? dict.id : r;
    return { entityId, ref, dict, ...zoneOf(dict) };
  });
}

function cellOf(r: { value_n: number | null; value_b: boolean | null; value_s: string | null }): HisCell {
  if (r.value_n !== null) return Number(r.value_n);
  if (r.value_b !== null) return r.value_b;
  if (r.value_s !== null) return r.value_s;
  return null;
}

function columnOf(p: Point, name: string, meta: Dict): HisColumn {
  return { name, meta, unit: typeof p.dict.unit === "string" ? p.dict.unit : undefined };
}

/** The range text of a hisRead `range` cell (a Str, or a Date/DateTime written as Zinc). */
export function rangeText(v: HVal | null | undefined): string {
  if (v === null || v === undefined) throw new AppError("invalid", "hisRead needs a range");
  return typeof v === "string" ? v : writeZincValue(v);
}

/**
 * Reads the history of one point (`refs` of length 1: columns `ts`, `val`, meta `id`) or several
 * (columns `ts`, `v0`…, each with meta `id`; rows merged by timestamp). The range is interpreted in
 * the first point's zone; timestamps are written in each grid's zone; meta `hisStart`/`hisEnd`.
 * @throws AppError forbidden (not a member), not_found (unknown id), invalid (bad range, or a
 *   point without `his`), too_large (more than HIS_READ_MAX_ROWS rows).
 */
export async function hisRead(opts: {
  deps: ServiceDeps;
  actor: Actor;
  org: HaystackOrg;
  ids: readonly Ref[];
  range: string;
  /** Answer in the batch form (columns v0…) even for one point. */
  batch?: boolean;
  nowMs?: number;
}): Promise<Grid> {
  const { deps, actor, org } = opts;
  requireRole(actor, org.id, "member");
  if (opts.ids.length === 0) throw new AppError("invalid", "hisRead needs an id");
  const pts = await points(deps, actor, org, opts.ids, true);
  const first = pts[0]!;
  let start: HDateTime;
  let end: HDateTime;
  try {
    ({ start, end } = parseHisRange(opts.range, first.iana, opts.nowMs ?? deps.clock.now().getTime()));
  } catch (e) {
    if (e instanceof HisRangeError) throw new AppError("invalid", e.message);
    throw e;
  }
  const rows = await readHistoryRows({
    sql: deps.dbs.primary,
    valueTable: org.valueTable,
    entityIds: pts.map((p) => p.entityId),
    startMs: start.epochMs,
    endMs: end.epochMs,
    maxRows: HIS_READ_MAX_ROWS,
  });
  const meta: Dict = { hisStart: start, hisEnd: end };
  if (pts.length === 1 && !opts.batch) {
    const ts = new Array<number>(rows.length);
    const vals = new Array<HisCell>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      ts[i] = r.ts.getTime();
      vals[i] = cellOf(r);
    }
    return new HisGrid({ id: first.ref, ...meta }, first.tz, [columnOf(first, "val", {})], ts, [vals]);
  }
  const columnsOf = new Map<number, number[]>();
  for (const [i, p] of pts.entries()) columnsOf.set(p.entityId, [...(columnsOf.get(p.entityId) ?? []), i]);
  const ts: number[] = [];
  const vals: HisCell[][] = pts.map(() => []);
  let last = Number.NaN;
  for (const r of rows) {
    const ms = r.ts.getTime();
    if (ms !== last) {
      ts.push(ms);
      for (const col of vals) col.push(null);
      last = ms;
    }
    const v = cellOf(r);
    if (v === null) continue;
    for (const c of columnsOf.get(r.entity_id) ?? []) vals[c]![ts.length - 1] = v;
  }
  return new HisGrid(
    meta,
    first.tz,
    pts.map((p, i) => columnOf(p, `v${i}`, { id: p.ref })),
    ts,
    vals,
  );
}

function toInput(p: Point, ts: HVal | null | undefined, val: HVal | null | undefined): ValueInput | null {
  if (!(ts instanceof HDateTime)) throw new AppError("invalid", "hisWrite needs a DateTime ts in every row");
  if (val === null || val === undefined) return null;
  const base = { entity_id: p.entityId, ts: new Date(ts.epochMs) };
  if (val instanceof HNum) {
    const unit = typeof p.dict.unit === "string" ? p.dict.unit : undefined;
    if (val.unit !== undefined && unit !== undefined && val.unit !== unit)
      throw new AppError("invalid", `@${p.ref.id} is in ${unit}, not ${val.unit}`);
    if (!Number.isFinite(val.val)) throw new AppError("invalid", "hisWrite values must be finite");
    return { ...base, value_n: val.val };
  }
  if (typeof val === "boolean") return { ...base, value_b: val };
  if (typeof val === "string") return { ...base, value_s: val };
  throw new AppError("invalid", "hisWrite values must be Number, Bool or Str");
}

/**
 * Writes the history in a hisWrite request grid: single form (meta `id`, columns `ts`, `val`) or
 * batch form (columns `ts`, `v0`…, each column meta `id`). Null cells are skipped. Goes through
 * `writeValues` (history, current values, replication).
 * @throws AppError forbidden, not_found (unknown id), invalid, too_large, unavailable.
 */
export async function hisWrite(opts: {
  deps: ServiceDeps;
  actor: Actor;
  org: HaystackOrg;
  grid: Grid;
}): Promise<{ written: number }> {
  const { deps, actor, org, grid } = opts;
  requireRole(actor, org.id, "member");
  const values: ValueInput[] = [];
  if (grid.meta.id instanceof Ref) {
    const [p] = await points(deps, actor, org, [grid.meta.id]);
    for (const row of grid.rows) {
      const v = toInput(p!, row.ts, row.val);
      if (v) values.push(v);
    }
  } else {
    const cols = grid.cols.filter((c) => c.meta.id instanceof Ref);
    if (cols.length === 0) throw new AppError("invalid", "hisWrite needs meta id, or columns with meta id");
    const pts = await points(
      deps,
      actor,
      org,
      cols.map((c) => c.meta.id as Ref),
    );
    for (const row of grid.rows) {
      for (const [i, c] of cols.entries()) {
        const v = toInput(pts[i]!, row.ts, row[c.name]);
        if (v) values.push(v);
      }
    }
  }
  return writeValues({ deps, actor, orgId: org.id, values });
}
