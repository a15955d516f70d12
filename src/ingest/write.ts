// writeValues: the one path every building value takes into the databases (REST, Haystack
// hisWrite, simulator intervals). Stages, in order (see design.md): check the caller, validate the
// whole batch, dedupe, one primary transaction (history, current, outbox, caller's extra work),
// then ask the replicator to deliver to the secondaries.
import { type Actor, requireRole } from "../access/actor.ts";
import { resolveOrgAndEntities } from "../access/orgs.ts";
import { DatabaseUnavailableError } from "../db/faults.ts";
import { isConnectionError as isDatabaseUnreachable, type Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError, dataErrorOf, type FieldError, type FieldErrorType } from "../errors.ts";
import { slot } from "../runtime.ts";
import {
  emptyColumns,
  type HistoryWrite,
  isUniqueViolation,
  pickRows,
  upsertValues,
  type ValueColumns,
  valueTables,
} from "./columns.ts";

export interface ValueInput {
  entity_id: number;
  ts: Date;
  value_n?: number | null;
  value_b?: boolean | null;
  value_s?: string | null;
  value_ts?: Date | null;
  value_dict?: Record<string, unknown> | null;
  status?: string | null;
}

export type { FieldError };

const VALUE_FIELDS = ["value_n", "value_b", "value_s", "value_ts", "value_dict"] as const;
/** Earliest accepted timestamp (ms); the latest is now + 1 day. */
const MIN_TS = Date.UTC(1970, 0, 1);
const MAX_AHEAD_MS = 24 * 3600 * 1000;
const MAX_STATUS = 64;
const MAX_ERRORS = 50;
const INT4_MAX = 2_147_483_647;

const inRange = (ms: number, now: number) => ms >= MIN_TS && ms <= now + MAX_AHEAD_MS;

function validTime(d: unknown, now: number): d is Date {
  return d instanceof Date && Number.isFinite(d.getTime()) && inRange(d.getTime(), now);
}

/**
 * A batch as the bulk route reads it off the wire, already in columns (no object per value), in
 * the order sent: `cols` (ts and value_ts as ISO text, dicts as JSON text) and each row's ts in
 * milliseconds. Its value fields are typed by construction; `validateBatch` checks the rest.
 */
export interface ValueBatch {
  cols: ValueColumns;
  ms: number[];
}

type AddError = (i: number, field: string, msg: string, type: FieldErrorType) => void;

/** The collector of `validateValues`/`validateBatch`: at most MAX_ERRORS, `loc` under `prefix`. */
function collector(prefix: (string | number)[]): { errors: FieldError[]; add: AddError } {
  const errors: FieldError[] = [];
  return {
    errors,
    add: (i, field, msg, type) => {
      if (errors.length < MAX_ERRORS) errors.push({ loc: [...prefix, i, field], msg, type });
    },
  };
}

/**
 * The checks every value gets whatever its form, in this order: entity id, time, and how many
 * value fields are set (`set`, the second one set named by `second`) given its status.
 */
function checkRow(
  add: AddError,
  i: number,
  entityId: unknown,
  timeOk: boolean,
  set: number,
  second: string | undefined,
  status: unknown,
): void {
  if (!Number.isInteger(entityId) || (entityId as number) < 1 || (entityId as number) > INT4_MAX)
    add(i, "entity_id", "must be a positive integer", "int_parsing");
  if (!timeOk) add(i, "ts", "must be a timestamp between 1970-01-01 and one day from now", "value_error");
  // At most one value field; none is an unreadable point, stored with null values when it
  // carries a status (as the original stored it), so one offline point does not refuse a batch.
  if (set > 1 || (set === 0 && (status == null || status === "")))
    add(
      i,
      second ?? "value_n",
      set > 1
        ? "at most one of value_n, value_b, value_s, value_ts, value_dict may be set"
        : "one of value_n, value_b, value_s, value_ts, value_dict must be set, or a status for an unreadable point",
      "value_error",
    );
}

function checkStatus(add: AddError, i: number, status: unknown): void {
  if (status != null && (typeof status !== "string" || status.length > MAX_STATUS))
    add(i, "status", `must be a string of at most ${MAX_STATUS} characters`, "string_type");
}

/**
 * Checks every value of a batch; returns the problems (at most 50), empty when the batch is valid.
 * `loc` paths start with `prefix` (e.g. `["body", "values"]`).
 */
export function validateValues(
  values: readonly ValueInput[],
  now = Date.now(),
  prefix: (string | number)[] = ["body", "values"],
): FieldError[] {
  const { errors, add } = collector(prefix);
  for (let i = 0; i < values.length && errors.length < MAX_ERRORS; i++) {
    const v = values[i]!;
    // Counted without building an array per value (bulk batches hold up to 100,000).
    let set = 0;
    let second: string | undefined;
    for (const f of VALUE_FIELDS) if (v[f] !== undefined && v[f] !== null && ++set === 2) second = f;
    checkRow(add, i, v.entity_id, validTime(v.ts, now), set, second, v.status);
    if (v.value_n != null && (typeof v.value_n !== "number" || !Number.isFinite(v.value_n)))
      add(i, "value_n", "must be a finite number", "finite_number");
    if (v.value_b != null && typeof v.value_b !== "boolean")
      add(i, "value_b", "must be a boolean", "bool_type");
    if (v.value_s != null && typeof v.value_s !== "string")
      add(i, "value_s", "must be a string", "string_type");
    if (v.value_ts != null && !(v.value_ts instanceof Date && Number.isFinite(v.value_ts.getTime())))
      add(i, "value_ts", "must be a timestamp", "datetime_type");
    if (v.value_dict != null && (typeof v.value_dict !== "object" || Array.isArray(v.value_dict)))
      add(i, "value_dict", "must be an object", "dict_type");
    checkStatus(add, i, v.status);
  }
  return errors;
}

/** `validateValues` for a batch in columns: the same problems, in the same order. */
export function validateBatch(
  b: ValueBatch,
  now = Date.now(),
  prefix: (string | number)[] = ["body", "values"],
): FieldError[] {
  const { errors, add } = collector(prefix);
  const c = b.cols;
  for (let i = 0; i < b.ms.length && errors.length < MAX_ERRORS; i++) {
    let set = 0;
    let second: string | undefined;
    for (const f of VALUE_FIELDS) if (c[f][i] !== null && c[f][i] !== undefined && ++set === 2) second = f;
    checkRow(
      add,
      i,
      c.entity_id[i],
      Number.isFinite(b.ms[i]) && inRange(b.ms[i]!, now),
      set,
      second,
      c.status[i],
    );
    const n = c.value_n[i];
    if (n != null && !Number.isFinite(n)) add(i, "value_n", "must be a finite number", "finite_number");
    checkStatus(add, i, c.status[i]);
  }
  return errors;
}

/** A batch of value objects in columns, in the order given. */
export function toBatch(values: readonly ValueInput[]): ValueBatch {
  const c = emptyColumns();
  const ms = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    ms[i] = v.ts.getTime();
    c.entity_id.push(v.entity_id);
    c.ts.push(v.ts.toISOString());
    c.value_n.push(v.value_n ?? null);
    c.value_b.push(v.value_b ?? null);
    c.value_s.push(v.value_s ?? null);
    c.value_ts.push(v.value_ts ? v.value_ts.toISOString() : null);
    c.value_dict.push(v.value_dict != null ? JSON.stringify(v.value_dict) : null);
    c.status.push(v.status ?? null);
  }
  return { cols: c, ms };
}

/**
 * Row indexes of a batch in (entity_id, ts) order, stable (equal keys keep the order sent):
 * grouped by entity, then each group sorted by time only when it is not in order already (pollers
 * list a point's times ascending), which is cheaper than one comparison sort of every row.
 */
function keyOrder(ids: readonly number[], ms: readonly number[]): number[] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < ids.length; i++) {
    const g = groups.get(ids[i]!);
    if (g) g.push(i);
    else groups.set(ids[i]!, [i]);
  }
  const order: number[] = [];
  for (const id of [...groups.keys()].sort((a, b) => a - b)) {
    const g = groups.get(id)!;
    for (let k = 1; k < g.length; k++)
      if (ms[g[k]!]! < ms[g[k - 1]!]!) {
        g.sort((i, j) => ms[i]! - ms[j]! || i - j);
        break;
      }
    for (const i of g) order.push(i);
  }
  return order;
}

/**
 * The batch in (entity_id, ts) order (the lock order of every write), duplicates of
 * (entity_id, ts) resolved last-wins (PostgreSQL refuses to update one row twice in a statement).
 * A batch already in order without duplicates is returned as it is.
 */
export function dedupeBatch(b: ValueBatch): ValueColumns {
  const ids = b.cols.entity_id;
  const { ms } = b;
  const n = ms.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const d = ids[i]! - ids[i - 1]!;
    sorted = d > 0 || (d === 0 && ms[i]! > ms[i - 1]!);
  }
  if (sorted) return b.cols;
  const order = keyOrder(ids, ms);
  const keep: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const next = order[k + 1];
    // The last of a run of equal keys is the last one sent.
    if (next !== undefined && ids[next] === ids[i] && ms[next] === ms[i]) continue;
    keep.push(i);
  }
  return pickRows(b.cols, keep);
}

/** `dedupeBatch` of value objects. */
export function dedupeToColumns(values: readonly ValueInput[]): ValueColumns {
  return dedupeBatch(toBatch(values));
}

/**
 * True for errors that mean the database could not be reached or stopped serving: the driver and
 * socket codes of db/faults.ts, plus insufficient resources (SQLSTATE class 53) and the messages of
 * errors that carry no code (a ping that timed out, a closed embedded instance).
 */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    isDatabaseUnreachable(e) ||
    /^53/.test(String((e as { code?: unknown }).code ?? "")) ||
    /connection|terminat|timed out|closed/i.test(e.message)
  );
}

/**
 * Refused at once by a database known down (its availability gate): the outage was logged once
 * when found and its end will be, so a line per refused request would only flood the log.
 */
export function refusedWhileDown(e: unknown): boolean {
  return e instanceof DatabaseUnavailableError;
}

/** Wraps a primary failure as 503, logging the cause; AppErrors pass through. */
export function primaryFailure(deps: Pick<ServiceDeps, "log">, e: unknown): AppError {
  if (e instanceof AppError) return e;
  const refused = dataErrorOf(e);
  if (refused) return refused;
  const reason = isConnectionError(e) ? "primary database unavailable" : "primary database did not commit";
  const log = refusedWhileDown(e) ? deps.log.debug : deps.log.warn;
  log.call(deps.log, "value write failed on the primary", {
    error: e instanceof Error ? e.message : String(e),
  });
  return new AppError("unavailable", reason);
}

/** SQLSTATEs after which running the same transaction again is the answer: deadlock, serialization. */
const RETRYABLE = /^(40P01|40001)$/;
/** Attempts of one transaction before its failure is answered (the first try included). */
export const PRIMARY_ATTEMPTS = 5;

/** True for a deadlock or serialization failure: the transaction was rolled back and can rerun. */
export function isRetryable(e: unknown): boolean {
  return e instanceof Error && RETRYABLE.test(String((e as { code?: unknown }).code ?? ""));
}

/**
 * Runs `fn` on the primary. A deadlock or serialization failure (PostgreSQL rolled the transaction
 * back) runs `fn` again, up to PRIMARY_ATTEMPTS times with a short randomised back-off, before
 * anything is answered: `fn` must be one transaction (or a read). Any other failure, or the last
 * one, is answered as `primaryFailure` does.
 */
export async function guarded<T>(deps: Pick<ServiceDeps, "log">, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= PRIMARY_ATTEMPTS || !isRetryable(e)) throw primaryFailure(deps, e);
      deps.log.warn("primary transaction rolled back by a lock conflict; retrying", {
        attempt,
        error: e instanceof Error ? e.message : String(e),
      });
      await Bun.sleep(5 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}

const isBatch = (v: readonly ValueInput[] | ValueBatch): v is ValueBatch => !Array.isArray(v);

/** Each org's value table and key by org id (they never change once the org exists). */
const ORG_TABLES = slot("ingest.orgTables", () => new Map<number, { valueTable: string; orgKey: string }>());

/**
 * When a write of each org last found one of its rows already stored (ms since epoch): for a while
 * after that, its writes upsert at once instead of trying the rows as new first.
 */
const ORG_CONFLICTS = slot("ingest.orgConflicts", () => new Map<number, number>());
/** How long an org's writes upsert at once after a write found an existing row. */
export const UPSERT_AFTER_CONFLICT_MS = 60_000;

/** @throws AppError forbidden when the batch names entities the actor cannot see in the org. */
function checkVisible<T extends { hidden: number[] }>(org: T): T {
  if (org.hidden.length > 0)
    throw new AppError("forbidden", `not allowed to write to entities: ${org.hidden.join(", ")}`);
  return org;
}

/**
 * Writes a batch of values for one org: validated whole before anything is written, duplicates
 * of (entity_id, ts) resolved last-wins, then one primary transaction that upserts the history
 * (tried as new rows first, by INSERT or COPY; run again as an upsert when one exists already),
 * moves the current values forward, records the batch in the outbox for every secondary and runs
 * `inTransaction` (e.g. a simulator checkpoint). The access check runs inside that transaction,
 * sent together with the writes once the org's tables are known (a refusal rolls them back).
 * After the commit the replicator is asked to
 * deliver and `values:written` `{count, source: "simulator" | "rest"}` is published (the system
 * actor's writes are the simulators'). All or nothing: on any failure nothing of the batch is stored.
 *
 * @throws AppError forbidden (not a member, unknown org, or entities the actor cannot see in the
 *   org — the message lists their ids), invalid (detail: FastAPI-shaped field errors),
 *   too_large (more than `config.bulkMaxValues` values), unavailable (the primary did not commit).
 */
export async function writeValues(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  /** Value objects, or a batch already in columns (the bulk route's). */
  values: readonly ValueInput[] | ValueBatch;
  inTransaction?: (tx: Sql) => Promise<void>;
  /** Location prefix of field errors (default `["body", "values"]`). */
  errorPrefix?: (string | number)[];
}): Promise<{ written: number }> {
  const { deps, actor, orgId, values } = opts;
  requireRole(actor, orgId, "member");
  const batch = isBatch(values) ? values : undefined;
  const n = batch ? batch.ms.length : (values as readonly ValueInput[]).length;
  if (n > deps.config.bulkMaxValues)
    throw new AppError("too_large", `at most ${deps.config.bulkMaxValues} values per request`);
  const nowMs = deps.clock.now().getTime();
  const errors = batch
    ? validateBatch(batch, nowMs, opts.errorPrefix)
    : validateValues(values as readonly ValueInput[], nowMs, opts.errorPrefix);
  if (errors.length > 0) throw new AppError("invalid", "invalid values", errors);

  const primary = deps.dbs.primary;
  const known = ORG_TABLES.of(deps);
  if (n === 0 && !opts.inTransaction) {
    await guarded(deps, async () => checkVisible(await resolveOrgAndEntities(primary, actor, orgId, [])));
    return { written: 0 };
  }
  const cols = batch ? dedupeBatch(batch) : dedupeToColumns(values as readonly ValueInput[]);
  const conflicts = ORG_CONFLICTS.of(deps);
  const conflictAt = conflicts.get(orgId);
  /**
   * One attempt of the transaction, the history rows written as `history` says. Without the
   * caller's work it is pipelined on PostgreSQL servers (BEGIN travels with the check and the
   * writes: two round trips, BEGIN's answer not awaited first); nothing here needs a savepoint.
   */
  const attempt = (history: HistoryWrite) =>
    primary.transaction(
      async (tx) => {
        const resolving = resolveOrgAndEntities(tx, actor, orgId, cols.entity_id);
        const cached = known.get(orgId);
        let org: Awaited<typeof resolving>;
        if (cached) {
          // The org's tables are known (they never change): the check and the writes go together,
          // and the transaction rolls back, writing nothing, if the check refuses.
          const writing = upsertValues(tx, valueTables(cached.valueTable), cols, history);
          writing.catch(() => {});
          org = checkVisible(await resolving);
          if (org.valueTable !== cached.valueTable) {
            known.delete(orgId);
            throw new Error(`value table of org ${orgId} changed`);
          }
          await writing;
        } else {
          org = checkVisible(await resolving);
          known.set(orgId, { valueTable: org.valueTable, orgKey: org.orgKey });
          await upsertValues(tx, valueTables(org.valueTable), cols, history);
        }
        if (cols.entity_id.length > 0)
          await deps.replicator.record(tx, { op: "values", orgKey: org.orgKey, table: org.valueTable, cols });
        if (opts.inTransaction) await opts.inTransaction(tx);
      },
      { pipelined: !opts.inTransaction },
    );
  // Values are nearly always new rows: they are tried as such (a plain INSERT or COPY, cheaper than
  // an upsert). When one exists already the transaction fails with a unique violation, and is run
  // again at once as an upsert; the org's writes then upsert directly for a while.
  const fresh = conflictAt === undefined || nowMs - conflictAt >= UPSERT_AFTER_CONFLICT_MS;
  await guarded(deps, async () => {
    if (!fresh) return attempt("upsert");
    try {
      return await attempt("new");
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      conflicts.set(orgId, nowMs);
      return attempt("upsert");
    }
  });
  deps.replicator.kick();
  if (cols.entity_id.length > 0)
    deps.broker.publish("values:written", orgId, {
      count: cols.entity_id.length,
      source: actor.kind === "system" ? "simulator" : "rest",
    });
  return { written: cols.entity_id.length };
}
