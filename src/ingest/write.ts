// writeValues: the one path every building value takes into the databases (REST, Haystack
// hisWrite, simulator intervals). Stages, in order (see design.md): check the caller, validate the
// whole batch, dedupe, one primary transaction (history, current, outbox, caller's extra work),
// then ask the replicator to deliver to the secondaries.
import { type Actor, requireRole } from "../access/actor.ts";
import { resolveOrgAndEntities } from "../access/orgs.ts";
import { isConnectionError as isDatabaseUnreachable, type Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError, dataErrorOf, type FieldError, type FieldErrorType } from "../errors.ts";
import { slot } from "../runtime.ts";
import {
  emptyColumns,
  type HistoryWrite,
  isUniqueViolation,
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

function validTime(d: unknown, now: number): d is Date {
  return (
    d instanceof Date &&
    Number.isFinite(d.getTime()) &&
    d.getTime() >= MIN_TS &&
    d.getTime() <= now + MAX_AHEAD_MS
  );
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
  const errors: FieldError[] = [];
  const add = (i: number, field: string, msg: string, type: FieldErrorType) => {
    if (errors.length < MAX_ERRORS) errors.push({ loc: [...prefix, i, field], msg, type });
  };
  for (let i = 0; i < values.length && errors.length < MAX_ERRORS; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v.entity_id) || v.entity_id < 1 || v.entity_id > INT4_MAX)
      add(i, "entity_id", "must be a positive integer", "int_parsing");
    if (!validTime(v.ts, now))
      add(i, "ts", "must be a timestamp between 1970-01-01 and one day from now", "value_error");
    // At most one value field; none is an unreadable point, stored with null values when it
    // carries a status (as the original stored it), so one offline point does not refuse a batch.
    // Counted without building an array per value (bulk batches hold up to 100,000).
    let set = 0;
    let second: string | undefined;
    for (const f of VALUE_FIELDS) if (v[f] !== undefined && v[f] !== null && ++set === 2) second = f;
    if (set > 1 || (set === 0 && (v.status == null || v.status === "")))
      add(
        i,
        second ?? "value_n",
        set > 1
          ? "at most one of value_n, value_b, value_s, value_ts, value_dict may be set"
          : "one of value_n, value_b, value_s, value_ts, value_dict must be set, or a status for an unreadable point",
        "value_error",
      );
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
    if (v.status != null && (typeof v.status !== "string" || v.status.length > MAX_STATUS))
      add(i, "status", `must be a string of at most ${MAX_STATUS} characters`, "string_type");
  }
  return errors;
}

/**
 * The batch as columns in (entity_id, ts) order (the lock order of every write), duplicates of
 * (entity_id, ts) resolved last-wins (PostgreSQL refuses to update one row twice in a statement).
 */
export function dedupeToColumns(values: readonly ValueInput[]): ValueColumns {
  const n = values.length;
  const ms = values.map((v) => v.ts.getTime());
  const order = Array.from(values, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const d = values[i]!.entity_id - values[i - 1]!.entity_id;
    sorted = d > 0 || (d === 0 && ms[i]! > ms[i - 1]!);
  }
  // Stable on equal keys, so the last of a run is the last one sent.
  if (!sorted) order.sort((i, j) => values[i]!.entity_id - values[j]!.entity_id || ms[i]! - ms[j]! || i - j);
  const c = emptyColumns();
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const next = order[k + 1];
    if (next !== undefined && values[next]!.entity_id === values[i]!.entity_id && ms[next] === ms[i])
      continue;
    const v = values[i]!;
    c.entity_id.push(v.entity_id);
    c.ts.push(v.ts.toISOString());
    c.value_n.push(v.value_n ?? null);
    c.value_b.push(v.value_b ?? null);
    c.value_s.push(v.value_s ?? null);
    c.value_ts.push(v.value_ts ? v.value_ts.toISOString() : null);
    c.value_dict.push(v.value_dict != null ? JSON.stringify(v.value_dict) : null);
    c.status.push(v.status ?? null);
  }
  return c;
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

/** Wraps a primary failure as 503, logging the cause; AppErrors pass through. */
export function primaryFailure(deps: Pick<ServiceDeps, "log">, e: unknown): AppError {
  if (e instanceof AppError) return e;
  const refused = dataErrorOf(e);
  if (refused) return refused;
  const reason = isConnectionError(e) ? "primary database unavailable" : "primary database did not commit";
  deps.log.warn("value write failed on the primary", { error: e instanceof Error ? e.message : String(e) });
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
  values: readonly ValueInput[];
  inTransaction?: (tx: Sql) => Promise<void>;
  /** Location prefix of field errors (default `["body", "values"]`). */
  errorPrefix?: (string | number)[];
}): Promise<{ written: number }> {
  const { deps, actor, orgId, values } = opts;
  requireRole(actor, orgId, "member");
  if (values.length > deps.config.bulkMaxValues)
    throw new AppError("too_large", `at most ${deps.config.bulkMaxValues} values per request`);
  const errors = validateValues(values, deps.clock.now().getTime(), opts.errorPrefix);
  if (errors.length > 0) throw new AppError("invalid", "invalid values", errors);

  const primary = deps.dbs.primary;
  const known = ORG_TABLES.of(deps);
  if (values.length === 0 && !opts.inTransaction) {
    await guarded(deps, async () => checkVisible(await resolveOrgAndEntities(primary, actor, orgId, [])));
    return { written: 0 };
  }
  const cols = dedupeToColumns(values);
  const conflicts = ORG_CONFLICTS.of(deps);
  const now = deps.clock.now().getTime();
  const conflictAt = conflicts.get(orgId);
  /** One attempt of the transaction, the history rows written as `history` says. */
  const attempt = (history: HistoryWrite) =>
    primary.transaction(async (tx) => {
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
    });
  // Values are nearly always new rows: they are tried as such (a plain INSERT or COPY, cheaper than
  // an upsert). When one exists already the transaction fails with a unique violation, and is run
  // again at once as an upsert; the org's writes then upsert directly for a while.
  const fresh = conflictAt === undefined || now - conflictAt >= UPSERT_AFTER_CONFLICT_MS;
  await guarded(deps, async () => {
    if (!fresh) return attempt("upsert");
    try {
      return await attempt("new");
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      conflicts.set(orgId, now);
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
