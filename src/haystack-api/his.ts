// hisRead and hisWrite: the protocol side of history. hisRead parses the range in the point's time
// zone, reads the rows through ingest (`openHistory`, keyset pages) and streams them encoded page
// by page; hisWrite decodes a grid and writes through the one ingest path (`writeValues`).
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
  HisEncoder,
  HisRangeError,
  HNum,
  type HVal,
  parseHisRange,
  Ref,
  tzToIana,
  unitMismatch,
  writeZincValue,
} from "../haystack/index.ts";
import { type HistoryPages, type HistoryRow, openHistory } from "../ingest/read.ts";
import { type ValueInput, writeValues } from "../ingest/write.ts";
import { type HaystackOrg, loadDicts } from "./records.ts";
import type { GridStream } from "./wire.ts";

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

function cellOf(r: HistoryRow): HisCell {
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

/** Rows per point in a hisRead's first page (a small first page: the first bytes leave early). */
const FIRST_PAGE_ROWS = 2048;
/** Rows read per page after the first, shared by the points of a batch read. */
const PAGE_ROWS = 16_384;
/** The fewest rows a page of one point asks for, however many points a batch read has. */
const MIN_PAGE_ROWS = 256;
/** Rows encoded per piece of a batch answer. */
const CHUNK_ROWS = 4096;

/** Pages sizes of a hisRead; tests make them small to cross many page boundaries. */
export interface HisPaging {
  firstPageRows: number;
  pageRows: number;
  chunkRows: number;
}

const PAGING: HisPaging = { firstPageRows: FIRST_PAGE_ROWS, pageRows: PAGE_ROWS, chunkRows: CHUNK_ROWS };

/**
 * One point's rows, page by page: the next page is asked for as soon as a full page arrives, so
 * the database reads it while the previous one is encoded (at most two pages held per point).
 */
class PointCursor {
  rows: HistoryRow[] = [];
  i = 0;
  private pending: Promise<HistoryRow[]> | null;
  private started = false;

  constructor(
    private readonly pages: HistoryPages,
    readonly entityId: number,
    private readonly range: { from: number; end: number },
    private readonly firstRows: number,
    private readonly pageRows: number,
  ) {
    this.pending = pages.page(entityId, range, firstRows);
    // A page asked for ahead and never awaited (the client left) must not be an unhandled rejection.
    this.pending.catch(() => {});
  }

  /** Moves to the next page when the current one is used up; false when no rows are left. */
  async fill(): Promise<boolean> {
    if (this.i < this.rows.length) return true;
    if (!this.pending) return false;
    const limit = this.started ? this.pageRows : this.firstRows;
    this.started = true;
    this.rows = await this.pending;
    this.i = 0;
    this.pending = null;
    // A full page may have more after it; a short one is the last.
    if (this.rows.length === limit) {
      const last = this.rows[this.rows.length - 1]!.ts.getTime();
      this.pending = this.pages.page(this.entityId, { ...this.range, after: last }, this.pageRows);
      this.pending.catch(() => {});
    }
    return this.rows.length > 0;
  }
}

/**
 * Reads the history of one point (`refs` of length 1: columns `ts`, `val`, meta `id`) or several
 * (columns `ts`, `v0`…, each with meta `id`; rows merged by timestamp). The range is interpreted in
 * the first point's zone; timestamps are written in each grid's zone; meta `hisStart`/`hisEnd`.
 * The answer is streamed: the rows are read in keyset pages per point and encoded page by page,
 * so memory stays bounded for any range. Every check, and the first page of every point, happens
 * before the first byte; a database failure on a later page aborts the response.
 * @throws AppError forbidden (not a member), not_found (unknown id), invalid (bad range, or a
 *   point without `his`).
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
  paging?: HisPaging;
}): Promise<GridStream> {
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
  const pages = await openHistory(deps.dbs.primary, org.valueTable);
  const meta: Dict = { hisStart: start, hisEnd: end };
  const single = pts.length === 1 && !opts.batch;
  const cols = single ? [columnOf(first, "val", {})] : pts.map((p, i) => columnOf(p, `v${i}`, { id: p.ref }));
  const gridMeta = single ? { id: first.ref, ...meta } : meta;
  const paging = opts.paging ?? PAGING;
  const range = { from: start.epochMs, end: end.epochMs };
  return {
    kind: "stream",
    encode: (format) =>
      hisChunks(new HisEncoder(format, gridMeta, first.tz, cols), pts, pages, range, paging),
  };
}

/** The text of a hisRead answer: header and first rows once every point's first page is read. */
async function* hisChunks(
  enc: HisEncoder,
  pts: readonly Point[],
  pages: HistoryPages | null,
  range: { from: number; end: number },
  paging: HisPaging,
): AsyncGenerator<string, void, undefined> {
  if (!pages) {
    yield enc.head() + enc.tail();
    return;
  }
  // One cursor per distinct entity (an id asked twice fills two columns).
  const columnsOf = new Map<number, number[]>();
  for (const [i, p] of pts.entries()) columnsOf.set(p.entityId, [...(columnsOf.get(p.entityId) ?? []), i]);
  const share = (rows: number) => Math.max(MIN_PAGE_ROWS, Math.floor(rows / columnsOf.size));
  const firstRows = Math.min(paging.firstPageRows, share(paging.firstPageRows * 4));
  const cursors = [...columnsOf.keys()].map(
    (id) => new PointCursor(pages, id, range, firstRows, Math.min(paging.pageRows, share(paging.pageRows))),
  );
  let head = enc.head();
  const filled = await Promise.all(cursors.map((c) => c.fill()));
  let live = cursors.filter((_, i) => filled[i]);
  if (cursors.length === 1 && pts.length === 1) {
    // One point, one column: each page is encoded as it is.
    const c = cursors[0]!;
    while (live.length > 0) {
      const ts = new Array<number>(c.rows.length);
      const vals = new Array<HisCell>(c.rows.length);
      for (let i = 0; i < c.rows.length; i++) {
        const r = c.rows[i]!;
        ts[i] = r.ts.getTime();
        vals[i] = cellOf(r);
      }
      c.i = c.rows.length;
      yield head + enc.rows(ts, [vals]);
      head = "";
      if (!(await c.fill())) live = [];
    }
    yield head + enc.tail();
    return;
  }
  // Several columns: the cursors are merged by timestamp, one row per instant.
  const n = pts.length;
  let ts: number[] = [];
  let vals: HisCell[][] = pts.map(() => []);
  while (live.length > 0) {
    let min = Number.POSITIVE_INFINITY;
    for (const c of live) {
      const ms = c.rows[c.i]!.ts.getTime();
      if (ms < min) min = ms;
    }
    const r = ts.length;
    ts.push(min);
    for (let k = 0; k < n; k++) vals[k]!.push(null);
    let emptied = false;
    for (const c of live) {
      const row = c.rows[c.i]!;
      if (row.ts.getTime() !== min) continue;
      const v = cellOf(row);
      if (v !== null) for (const k of columnsOf.get(c.entityId)!) vals[k]![r] = v;
      c.i++;
      if (c.i >= c.rows.length) emptied = true;
    }
    if (emptied) {
      const still = await Promise.all(live.map((c) => c.fill()));
      live = live.filter((_, i) => still[i]);
    }
    if (ts.length >= paging.chunkRows) {
      yield head + enc.rows(ts, vals);
      head = "";
      ts = [];
      vals = pts.map(() => []);
    }
  }
  yield head + enc.rows(ts, vals) + enc.tail();
}

function toInput(p: Point, ts: HVal | null | undefined, val: HVal | null | undefined): ValueInput | null {
  if (!(ts instanceof HDateTime)) throw new AppError("invalid", "hisWrite needs a DateTime ts in every row");
  if (val === null || val === undefined) return null;
  const base = { entity_id: p.entityId, ts: new Date(ts.epochMs) };
  if (val instanceof HNum) {
    const unit = typeof p.dict.unit === "string" ? p.dict.unit : undefined;
    const wrongUnit = unitMismatch(unit, val.unit);
    if (wrongUnit) throw new AppError("invalid", `@${p.ref.id}: ${wrongUnit}`);
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
