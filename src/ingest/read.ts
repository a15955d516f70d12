// History reads: one entity's values newest first, several points over a range, current values,
// and series of the entities a Haystack filter selects (raw or aggregated per time bucket). Every
// read checks membership and entity visibility first; ids the actor cannot see answer forbidden,
// named, exactly as writes do. The two Haystack reads at the end (current value rows, history pages
// for hisRead) take entities the Haystack layer has already resolved as visible.
import { type Actor, requireRole } from "../access/actor.ts";
import { resolveOrgAndEntities } from "../access/orgs.ts";
import { filterEntityNames, parseFilterOrThrow } from "../catalog/read.ts";
import type { Database, Engine, Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { utcTimestampText } from "../haystack/index.ts";
import { slot } from "../runtime.ts";
import { valueTables } from "./columns.ts";
import { guarded } from "./write.ts";

/** A stored value as the API returns it (`ValueBase`). */
export interface ValueRow {
  ts: Date;
  entity_id: number;
  value_n: number | null;
  value_b: boolean | null;
  value_s: string | null;
  value_ts: Date | null;
  value_dict: unknown;
  status: string | null;
}

const COLS = "ts, entity_id, value_n, value_b, value_s, value_ts, value_dict, status";

/** The org's tables after checking that every id is visible to the actor there. */
async function tablesFor(deps: ServiceDeps, actor: Actor, orgId: number, ids: readonly number[]) {
  requireRole(actor, orgId, "member");
  const org = await guarded(deps, () => resolveOrgAndEntities(deps.dbs.primary, actor, orgId, ids));
  if (org.hidden.length > 0)
    throw new AppError("forbidden", `not allowed to read entities: ${org.hidden.join(", ")}`);
  return valueTables(org.valueTable);
}

const normalize = (r: ValueRow): ValueRow => ({
  ...r,
  value_dict: typeof r.value_dict === "string" ? JSON.parse(r.value_dict) : r.value_dict,
});

/** One entity's values, newest first. @throws AppError forbidden, unavailable. */
export async function readEntityValues(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  entityId: number;
  skip: number;
  limit: number;
}): Promise<ValueRow[]> {
  const { deps } = opts;
  const t = await tablesFor(deps, opts.actor, opts.orgId, [opts.entityId]);
  const rows = await guarded(deps, () =>
    deps.dbs.primary.query<ValueRow>(
      `SELECT ${COLS} FROM ${t.hist} WHERE entity_id = $1 ORDER BY ts DESC OFFSET $2 LIMIT $3`,
      [opts.entityId, opts.skip, opts.limit],
    ),
  );
  return rows.map(normalize);
}

/** Values of several points with `from <= ts < to`, newest first. @throws forbidden, unavailable. */
export async function readPointValues(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  points: readonly number[];
  from: Date;
  to: Date;
  skip: number;
  limit: number;
}): Promise<ValueRow[]> {
  const { deps } = opts;
  const t = await tablesFor(deps, opts.actor, opts.orgId, opts.points);
  if (opts.points.length === 0) return [];
  const rows = await guarded(deps, () =>
    deps.dbs.primary.query<ValueRow>(
      `SELECT ${COLS} FROM ${t.hist}
        WHERE entity_id = ANY($1::text::int4[]) AND ts >= $2::text::timestamp AND ts < $3::text::timestamp
        ORDER BY ts DESC, entity_id OFFSET $4 LIMIT $5`,
      [`{${opts.points.join(",")}}`, opts.from.toISOString(), opts.to.toISOString(), opts.skip, opts.limit],
    ),
  );
  return rows.map(normalize);
}

/** The current value of each point that has one, by entity id. @throws forbidden, unavailable. */
export async function readCurrentValues(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  points: readonly number[];
}): Promise<ValueRow[]> {
  const { deps } = opts;
  const t = await tablesFor(deps, opts.actor, opts.orgId, opts.points);
  if (opts.points.length === 0) return [];
  const rows = await guarded(deps, () =>
    deps.dbs.primary.query<ValueRow>(
      `SELECT ${COLS} FROM ${t.cur} WHERE entity_id = ANY($1::text::int4[]) ORDER BY entity_id`,
      [`{${opts.points.join(",")}}`],
    ),
  );
  return rows.map(normalize);
}

export const AGGREGATIONS = ["avg", "min", "max", "sum", "count", "first", "last"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface Series {
  entity_id: number;
  /** The entity's `dis`, else its `id` tag, else null. */
  entity_name: string | null;
  /** The point's `kind` tag (Number, Bool, Str…), null when absent. */
  kind: string | null;
  values: (Partial<ValueRow> & { ts: Date })[];
}

/** At most this many entities per filter read, and rows (raw or buckets) in all. */
export const SERIES_MAX_ENTITIES = 1000;
export const SERIES_MAX_ROWS = 100_000;

/** Each database's engine, asked once per process (a slot of deps.runtime). */
const ENGINES = slot("ingest.engines", () => new Map<Database, Promise<Engine>>());
function engineOf(deps: Pick<ServiceDeps, "runtime">, db: Database): Promise<Engine> {
  const engines = ENGINES.of(deps);
  let e = engines.get(db);
  if (!e) {
    e = db.engine();
    engines.set(db, e);
  }
  return e;
}

function aggregateSql(agg: Aggregation, timescale: boolean): string {
  switch (agg) {
    case "avg":
      return "avg(value_n)::float8";
    case "min":
      return "min(value_n)";
    case "max":
      return "max(value_n)";
    case "sum":
      return "sum(value_n)";
    case "count":
      return "count(*)::int";
    case "first":
      return timescale ? "first(value_n, ts)" : "(array_agg(value_n ORDER BY ts))[1]";
    case "last":
      return timescale ? "last(value_n, ts)" : "(array_agg(value_n ORDER BY ts DESC))[1]";
  }
}

/**
 * Series of the entities a Haystack filter selects among those visible to the actor in the org,
 * with `from <= ts < to`: raw rows, or one value per entity and bucket of `bucketSeconds`
 * (buckets aligned on `from`; `date_bin`, or `time_bucket` on TimescaleDB), oldest first.
 * @throws AppError invalid (400 for filter syntax, with "line:col message"), forbidden,
 *   too_large (more rows than SERIES_MAX_ROWS), unavailable.
 */
export async function readSeries(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  filter: string;
  from: Date;
  to: Date;
  operation?: { aggregation: Aggregation; timeInSeconds: number };
}): Promise<Series[]> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const ast = parseFilterOrThrow(opts.filter);
  const db = deps.dbs.primary;
  const org = await guarded(deps, () => resolveOrgAndEntities(db, actor, orgId, []));
  const t = valueTables(org.valueTable);
  const entities = await guarded(deps, () =>
    filterEntityNames(db, actor, orgId, ast, SERIES_MAX_ENTITIES + 1, deps.clock.now()),
  );
  if (entities.length > SERIES_MAX_ENTITIES)
    throw new AppError("too_large", `the filter selects more than ${SERIES_MAX_ENTITIES} entities`);
  const series = new Map<number, Series>(
    entities.map((e) => [
      e.id,
      { entity_id: e.id, entity_name: e.dis ?? e.id_tag, kind: e.kind, values: [] as Series["values"] },
    ]),
  );
  if (entities.length === 0) return [];
  const ids = `{${entities.map((e) => e.id).join(",")}}`;
  const range = [ids, opts.from.toISOString(), opts.to.toISOString()];
  const where =
    "entity_id = ANY($1::text::int4[]) AND ts >= $2::text::timestamp AND ts < $3::text::timestamp";
  let rows: Record<string, unknown>[];
  if (!opts.operation) {
    rows = await guarded(deps, () =>
      db.query(
        `SELECT ${COLS} FROM ${t.hist} WHERE ${where} ORDER BY entity_id, ts LIMIT ${SERIES_MAX_ROWS + 1}`,
        range,
      ),
    );
  } else {
    const { aggregation, timeInSeconds } = opts.operation;
    const buckets = ((opts.to.getTime() - opts.from.getTime()) / 1000 / timeInSeconds) * entities.length;
    if (buckets > SERIES_MAX_ROWS)
      throw new AppError(
        "too_large",
        `more than ${SERIES_MAX_ROWS} buckets: use a longer timeInSeconds or a shorter range`,
      );
    const timescale = (await guarded(deps, () => engineOf(deps, db))) === "timescaledb";
    const bucket = timescale
      ? "time_bucket(make_interval(secs => $4), ts, origin => $2::text::timestamp)"
      : "date_bin(make_interval(secs => $4), ts, $2::text::timestamp)";
    rows = await guarded(deps, () =>
      db.query(
        `SELECT entity_id, ${bucket} AS ts, ${aggregateSql(aggregation, timescale)} AS value_n
           FROM ${t.hist} WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
        [...range, timeInSeconds],
      ),
    );
  }
  if (rows.length > SERIES_MAX_ROWS)
    throw new AppError("too_large", `more than ${SERIES_MAX_ROWS} values: narrow the range or aggregate`);
  for (const r of rows) {
    const s = series.get(r.entity_id as number);
    const { entity_id: _, ...rest } = r;
    if (s) s.values.push(normalize({ ...(rest as unknown as ValueRow) }));
  }
  return [...series.values()];
}

/** A stored value reduced to the kinds the Haystack ops answer. */
export interface PlainValueRow {
  entity_id: number;
  value_n: number | null;
  value_b: boolean | null;
  value_s: string | null;
}

/** Whether the table (a quoted, schema-qualified name) exists; an org's value tables may not yet. */
async function tableExists(sql: Sql, table: string): Promise<boolean> {
  const [row] = await sql.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table]);
  return Boolean(row?.t);
}

/**
 * The current values of the org (from `<valueTable>_current`; no permission check: the caller has
 * checked the entities are visible) for a read of many pages: the table's existence is checked once,
 * here (null when it does not exist yet).
 */
export async function openCurrentValues(
  sql: Sql,
  valueTable: string,
): Promise<((entityIds: readonly number[]) => Promise<PlainValueRow[]>) | null> {
  const { cur } = valueTables(valueTable);
  if (!(await tableExists(sql, cur))) return null;
  return async (entityIds) =>
    entityIds.length === 0
      ? []
      : sql.query<PlainValueRow>(
          `SELECT entity_id, value_n, value_b, value_s FROM ${cur} WHERE entity_id = ANY($1::int4[])`,
          [[...entityIds]],
        );
}

/** A stored history value reduced to what hisRead answers. */
export interface HistoryRow {
  ts: Date;
  value_n: number | null;
  value_b: boolean | null;
  value_s: string | null;
}

/** Reads pages of one entity's history; see `openHistory`. */
export interface HistoryPages {
  /**
   * At most `limit` rows of `entityId` with `from <= ts < end` (epoch ms), oldest first; with
   * `after`, the rows after that instant instead (the keyset of the next page).
   */
  page(
    entityId: number,
    range: { from: number; end: number; after?: number },
    limit: number,
  ): Promise<HistoryRow[]>;
}

/**
 * The org's history as keyset pages on `(entity_id, ts)`, the primary key: each page is one range
 * scan of the index, so a read of any length holds one page at a time. Null when the history table
 * does not exist (yet). No permission check: the caller has checked the entities are visible
 * (hisRead).
 */
export async function openHistory(sql: Sql, valueTable: string): Promise<HistoryPages | null> {
  const { hist } = valueTables(valueTable);
  if (!(await tableExists(sql, hist))) return null;
  const cols = "ts, value_n, value_b, value_s";
  const first = `SELECT ${cols} FROM ${hist}
    WHERE entity_id = $1 AND ts >= $2::timestamp AND ts < $3::timestamp ORDER BY ts LIMIT $4`;
  const next = `SELECT ${cols} FROM ${hist}
    WHERE entity_id = $1 AND ts > $2::timestamp AND ts < $3::timestamp ORDER BY ts LIMIT $4`;
  return {
    page: (entityId, range, limit) =>
      sql.query<HistoryRow>(range.after === undefined ? first : next, [
        entityId,
        utcTimestampText(range.after ?? range.from),
        utcTimestampText(range.end),
        limit,
      ]),
  };
}
