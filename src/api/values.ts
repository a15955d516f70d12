// Value routes of the db-service-layer contract: POST /value, POST /bulk/value, GET /value/{id},
// POST /point/value, POST /point/current, POST /values. Handlers parse the wire shape (422 in
// FastAPI's `{"detail":[{loc,msg,type}]}` form), call an ingest verb, and shape the reply
// (timestamps out as `YYYY-MM-DDTHH:MM:SS.sssZ`). The bulk body is checked by hand rather than by
// zod: it is the hot path (up to 100,000 values per request).

import { Hono } from "hono";
import { z } from "zod";
import type { ServiceDeps } from "../deps.ts";
import { AppError, type FieldErrorType } from "../errors.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { idField, intField, intProblem, invalid, jsonBody, parse, toInt } from "../http/validate.ts";
import { emptyColumns } from "../ingest/columns.ts";
import {
  AGGREGATIONS,
  readCurrentValues,
  readEntityValues,
  readPointValues,
  readSeries,
  type Series,
  type ValueRow,
} from "../ingest/read.ts";
import { isoText, parseTimestamp, parseTimestampMs } from "../ingest/timestamps.ts";
import { type FieldError, type ValueBatch, type ValueInput, writeValues } from "../ingest/write.ts";

type Loc = (string | number)[];

const Timestamp = z.string().transform((s, ctx) => {
  const d = parseTimestamp(s);
  if (!d) {
    ctx.addIssue({ code: "custom", message: "invalid timestamp (ISO 8601 or YYYY-MM-DD HH:MM:SS)" });
    return z.NEVER;
  }
  return d;
});
const OrgId = idField;
const EntityId = idField;
const asInt = (x: unknown) => toInt(x);

/**
 * `x` as a positive int4 id, else undefined with the problem pushed to `errors` at `loc`: missing,
 * not an integer, or out of range in the same words as a path id's ("ensure this value is less
 * than or equal to 2147483647").
 */
function intAt(x: unknown, loc: Loc, errors: FieldError[]): number | undefined {
  const n = asInt(x);
  if (n !== undefined) return n;
  const p = intProblem(x) ?? { msg: "field required", type: "missing" as const };
  errors.push({ loc, ...p });
  return undefined;
}

function asTime(x: unknown): Date | undefined {
  if (typeof x === "string") return parseTimestamp(x) ?? undefined;
  return undefined;
}

/** A wire timestamp in milliseconds; NaN when it is not one. */
const asMs = (x: unknown): number => (typeof x === "string" ? parseTimestampMs(x) : Number.NaN);

/** One wire value as read: timestamps in milliseconds (`ts` NaN when bad), absent fields undefined. */
interface WireValue {
  entity_id: number | undefined;
  ts: number;
  value_n?: number;
  value_b?: boolean;
  value_s?: string;
  value_ts?: number;
  value_dict?: Record<string, unknown>;
  status?: string;
}

/**
 * Reads one wire value (`{entity_id, ts, value_*, status?}`); problems are pushed to `errors` with
 * `loc` under `at`, undefined for a non-object. A field sent as null counts as absent.
 */
function readValue(raw: unknown, at: Loc, errors: FieldError[]): WireValue | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    errors.push({ loc: at, msg: "must be an object", type: "dict_type" });
    return undefined;
  }
  const r = raw as Record<string, unknown>;
  const bad = (field: string, msg: string, type: FieldErrorType) =>
    errors.push({ loc: [...at, field], msg, type });
  const entity_id = intAt(r.entity_id, [...at, "entity_id"], errors);
  const ts = asMs(r.ts);
  if (Number.isNaN(ts))
    bad(
      "ts",
      r.ts == null ? "field required" : "invalid timestamp",
      r.ts == null ? "missing" : "datetime_parsing",
    );
  const v: WireValue = { entity_id, ts };
  if (r.value_n != null) {
    const n = typeof r.value_n === "string" && r.value_n.trim() !== "" ? Number(r.value_n) : r.value_n;
    if (typeof n !== "number" || !Number.isFinite(n))
      bad("value_n", "must be a finite number", "finite_number");
    else v.value_n = n;
  }
  if (r.value_b != null) {
    if (typeof r.value_b !== "boolean") bad("value_b", "must be a boolean", "bool_type");
    else v.value_b = r.value_b;
  }
  if (r.value_s != null) {
    if (typeof r.value_s !== "string") bad("value_s", "must be a string", "string_type");
    else v.value_s = r.value_s;
  }
  if (r.value_ts != null) {
    const t = asMs(r.value_ts);
    if (Number.isNaN(t)) bad("value_ts", "invalid timestamp", "datetime_parsing");
    else v.value_ts = t;
  }
  if (r.value_dict != null) {
    let d: unknown = r.value_dict;
    if (typeof d === "string") {
      try {
        d = JSON.parse(d);
      } catch {
        d = undefined;
      }
    }
    if (typeof d !== "object" || d === null || Array.isArray(d))
      bad("value_dict", "must be an object", "dict_type");
    else v.value_dict = d as Record<string, unknown>;
  }
  if (r.status != null) {
    if (typeof r.status !== "string") bad("status", "must be a string", "string_type");
    else v.status = r.status;
  }
  // The original's optional `time` (a datetime it never stored): checked, echoed by POST /value.
  if (r.time != null && !asTime(r.time)) bad("time", "invalid timestamp", "datetime_parsing");
  return v;
}

/** One wire value as a ValueInput (POST /value). */
function toValueInput(raw: unknown, at: Loc, errors: FieldError[]): ValueInput | undefined {
  const w = readValue(raw, at, errors);
  if (!w) return undefined;
  const v: ValueInput = { entity_id: w.entity_id ?? 0, ts: new Date(w.ts) };
  if (w.value_n !== undefined) v.value_n = w.value_n;
  if (w.value_b !== undefined) v.value_b = w.value_b;
  if (w.value_s !== undefined) v.value_s = w.value_s;
  if (w.value_ts !== undefined) v.value_ts = new Date(w.value_ts);
  if (w.value_dict !== undefined) v.value_dict = w.value_dict;
  if (w.status !== undefined) v.status = w.status;
  return v;
}

/**
 * The values of a bulk body straight into columns (no object per value kept, no Date made; a
 * timestamp sent as `YYYY-MM-DDTHH:MM:SS.sssZ` is kept as its text). Reading stops after the value
 * that brings the problems to 50; once there is one, nothing more is stored in the batch.
 */
function readBatch(list: readonly unknown[], errors: FieldError[]): ValueBatch {
  const c = emptyColumns();
  const ms: number[] = [];
  for (let i = 0; i < list.length && errors.length < 50; i++) {
    const raw = list[i];
    const w = readValue(raw, ["body", "values", i], errors);
    if (!w || errors.length > 0) continue;
    ms.push(w.ts);
    c.entity_id.push(w.entity_id!);
    c.ts.push(isoText((raw as { ts: string }).ts, w.ts));
    c.value_n.push(w.value_n ?? null);
    c.value_b.push(w.value_b ?? null);
    c.value_s.push(w.value_s ?? null);
    c.value_ts.push(w.value_ts === undefined ? null : new Date(w.value_ts).toISOString());
    c.value_dict.push(w.value_dict === undefined ? null : JSON.stringify(w.value_dict));
    c.status.push(w.status ?? null);
  }
  return { cols: c, ms };
}

/**
 * A value row on the wire: the original's `ValueBaseResponse`, or its `ValueBase` when `time` is
 * given (GET /value and the POST /value echo carry `time`, null unless the request sent one).
 */
function valueOut(r: ValueRow | ValueInput, time?: Date | null) {
  return {
    ts: r.ts.toISOString(),
    ...(time === undefined ? {} : { time: time ? time.toISOString() : null }),
    entity_id: r.entity_id,
    value_n: r.value_n ?? null,
    value_b: r.value_b ?? null,
    value_s: r.value_s ?? null,
    value_ts: r.value_ts ? r.value_ts.toISOString() : null,
    value_dict: r.value_dict ?? null,
    status: r.status ?? null,
  };
}

function seriesOut(s: Series) {
  return {
    entity_id: s.entity_id,
    entity_name: s.entity_name,
    kind: s.kind,
    values: s.values.map((v) => {
      const out: Record<string, unknown> = { ts: v.ts.toISOString() };
      for (const [k, x] of Object.entries(v))
        if (k !== "ts" && x !== undefined) out[k] = x instanceof Date ? x.toISOString() : x;
      return out;
    }),
  };
}

const Paging = z.object({
  org_id: OrgId,
  skip: intField({ min: 0 }).default(0),
  limit: intField({ min: 1, max: 1000 }).default(100),
});

const Points = z.array(EntityId).max(10_000);

const PointValuesBody = z.object({
  org_id: OrgId,
  points: Points,
  date_from: Timestamp,
  date_to: Timestamp,
  skip: intField({ min: 0 }).default(0),
  limit: intField({ min: 1, max: 10_000 }).default(100),
});

const PointCurrentBody = z.object({ org_id: OrgId, points: Points });

const SeriesBody = z.object({
  filter: z.string().min(1).max(10_000),
  org_id: OrgId,
  date_from: Timestamp,
  date_to: Timestamp,
  operation: z
    .object({
      aggregation: z.enum(AGGREGATIONS),
      timeInSeconds: intField({ min: 1, max: 366 * 24 * 3600 }),
    })
    .nullish(),
});

function checkRange(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime())
    throw invalid([{ loc: ["body", "date_to"], msg: "must be after date_from", type: "value_error" }]);
}

export function valueRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post("/value", async (c) => {
    const actor = actorOf(c);
    const raw = await jsonBody(c);
    const errors: FieldError[] = [];
    const orgId = intAt((raw as { org_id?: unknown } | null)?.org_id, ["body", "org_id"], errors);
    const v = toValueInput(raw, ["body"], errors);
    if (errors.length || !v || orgId === undefined) throw invalid(errors);
    await writeValues({ deps, actor, orgId, values: [v], errorPrefix: ["body"] }).catch((e) => {
      // Single-value field errors are reported at the body level, not under values[0].
      if (e instanceof AppError && e.code === "invalid" && Array.isArray(e.detail))
        throw invalid((e.detail as FieldError[]).map((d) => ({ ...d, loc: ["body", ...d.loc.slice(2)] })));
      throw e;
    });
    return c.json(valueOut(v, asTime((raw as { time?: unknown }).time) ?? null));
  });

  app.post("/bulk/value", async (c) => {
    const actor = actorOf(c);
    const raw = (await jsonBody(c)) as { org_id?: unknown; values?: unknown } | null;
    const errors: FieldError[] = [];
    const orgId = intAt(raw?.org_id, ["body", "org_id"], errors);
    if (!Array.isArray(raw?.values)) {
      errors.push({ loc: ["body", "values"], msg: "must be a list", type: "list_type" });
      throw invalid(errors);
    }
    const list = raw.values as unknown[];
    if (list.length > deps.config.bulkMaxValues)
      throw new AppError("too_large", `at most ${deps.config.bulkMaxValues} values per request`);
    const values = readBatch(list, errors);
    if (errors.length || orgId === undefined) throw invalid(errors);
    await writeValues({ deps, actor, orgId, values });
    return c.json([]);
  });

  app.get("/value/:entity_id", async (c) => {
    const actor = actorOf(c);
    const entityId = parse(EntityId, c.req.param("entity_id"), ["path", "entity_id"]);
    const q = parse(Paging, c.req.query(), "query");
    const rows = await readEntityValues({
      deps,
      actor,
      orgId: q.org_id,
      entityId,
      skip: q.skip,
      limit: q.limit,
    });
    return c.json(rows.map((r) => valueOut(r, null)));
  });

  app.post("/point/value", async (c) => {
    const actor = actorOf(c);
    const b = parse(PointValuesBody, await jsonBody(c), "body");
    checkRange(b.date_from, b.date_to);
    const rows = await readPointValues({
      deps,
      actor,
      orgId: b.org_id,
      points: b.points,
      from: b.date_from,
      to: b.date_to,
      skip: b.skip,
      limit: b.limit,
    });
    return c.json(rows.map((r) => valueOut(r)));
  });

  app.post("/point/current", async (c) => {
    const actor = actorOf(c);
    const b = parse(PointCurrentBody, await jsonBody(c), "body");
    const rows = await readCurrentValues({ deps, actor, orgId: b.org_id, points: b.points });
    return c.json(rows.map((r) => valueOut(r)));
  });

  app.post("/values", async (c) => {
    const actor = actorOf(c);
    const b = parse(SeriesBody, await jsonBody(c), "body");
    checkRange(b.date_from, b.date_to);
    const series = await readSeries({
      deps,
      actor,
      orgId: b.org_id,
      filter: b.filter,
      from: b.date_from,
      to: b.date_to,
      operation: b.operation ?? undefined,
    });
    return c.json(series.map(seriesOut));
  });

  return app;
}
