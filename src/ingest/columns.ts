// Value rows in columnar form, and the one set-based upsert that writes them into an org's history
// and current tables. The primary write and the secondaries' catch-up both use it, so every
// database applies exactly the same statement to exactly the same arrays.
//
// Arrays travel as PostgreSQL array literals in text parameters (`$1::text::int[]`): the same
// bytes on postgres.js and PGlite, two parameters per column whatever the batch size (far below
// the 65,534 bind-parameter limit), and no driver-specific array or Date serialisation.
import type { Sql } from "../db/index.ts";

/** One batch of values, column by column; `ts`/`value_ts` as ISO strings (UTC). */
export interface ValueColumns {
  entity_id: number[];
  ts: string[];
  value_n: (number | null)[];
  value_b: (boolean | null)[];
  value_s: (string | null)[];
  value_ts: (string | null)[];
  /** JSON text of each dict. */
  value_dict: (string | null)[];
  status: (string | null)[];
}

/** Every column of a value row, in table order. */
const VALUE_COLUMNS = [
  "entity_id",
  "ts",
  "value_n",
  "value_b",
  "value_s",
  "value_ts",
  "value_dict",
  "status",
] as const satisfies readonly (keyof ValueColumns)[];

export interface ValueTables {
  /** Quoted, schema-qualified history table, e.g. `core."values_acme"`. */
  hist: string;
  /** Quoted, schema-qualified current table. */
  cur: string;
}

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The tables of a `core.org.value_table` name; throws for anything that is not a plain name. */
export function valueTables(valueTable: string): ValueTables {
  if (!TABLE_NAME.test(valueTable) || valueTable.length > 55)
    throw new Error(`invalid value table name: ${valueTable}`);
  return { hist: `core."${valueTable}"`, cur: `core."${valueTable}_current"` };
}

export function emptyColumns(): ValueColumns {
  return {
    entity_id: [],
    ts: [],
    value_n: [],
    value_b: [],
    value_s: [],
    value_ts: [],
    value_dict: [],
    status: [],
  };
}

export const columnsLength = (c: ValueColumns) => c.entity_id.length;

/** Rows [from, to) of a batch. */
export function sliceColumns(c: ValueColumns, from: number, to: number): ValueColumns {
  return {
    entity_id: c.entity_id.slice(from, to),
    ts: c.ts.slice(from, to),
    value_n: c.value_n.slice(from, to),
    value_b: c.value_b.slice(from, to),
    value_s: c.value_s.slice(from, to),
    value_ts: c.value_ts.slice(from, to),
    value_dict: c.value_dict.slice(from, to),
    status: c.status.slice(from, to),
  };
}

/** True when the rows are in (entity_id, ts) order. */
export function isSorted(c: ValueColumns): boolean {
  for (let i = 1; i < c.entity_id.length; i++) {
    const d = c.entity_id[i]! - c.entity_id[i - 1]!;
    if (d < 0 || (d === 0 && c.ts[i]! < c.ts[i - 1]!)) return false;
  }
  return true;
}

/** The rows at `order`, in that order. */
function pick(c: ValueColumns, order: readonly number[]): ValueColumns {
  const out = emptyColumns();
  for (const k of VALUE_COLUMNS) {
    const from = c[k] as unknown[];
    (out[k] as unknown[]) = order.map((i) => from[i]);
  }
  return out;
}

/**
 * The batch in (entity_id, ts) order (stable, so equal keys keep their order): the one lock order
 * of every multi-row write. Two writers that lock rows in the same global order cannot deadlock.
 * Returns `c` itself when it is already in order.
 */
export function sortColumns(c: ValueColumns): ValueColumns {
  if (isSorted(c)) return c;
  const order = Array.from(c.entity_id, (_, i) => i);
  order.sort((i, j) => {
    const d = c.entity_id[i]! - c.entity_id[j]!;
    if (d !== 0) return d;
    const a = c.ts[i]!;
    const b = c.ts[j]!;
    return a < b ? -1 : a > b ? 1 : i - j;
  });
  return pick(c, order);
}

/**
 * The newest row of each entity (the candidates for the current table), in entity order. `c` must
 * be in (entity_id, ts) order (`sortColumns`): the newest row of an entity is the last of its run.
 */
export function newestPerEntity(c: ValueColumns): ValueColumns {
  const order: number[] = [];
  const n = c.entity_id.length;
  for (let i = 0; i < n; i++) if (i === n - 1 || c.entity_id[i + 1] !== c.entity_id[i]) order.push(i);
  return order.length === n ? c : pick(c, order);
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
/** A PostgreSQL array literal of plain scalars (numbers, booleans) with NULLs. */
function plainLiteral(xs: readonly (number | boolean | null)[]): string {
  let out = "{";
  for (let i = 0; i < xs.length; i++) {
    if (i) out += ",";
    const x = xs[i];
    out += x === null || x === undefined ? "NULL" : typeof x === "boolean" ? (x ? "t" : "f") : String(x);
  }
  return `${out}}`;
}

/** A PostgreSQL array literal of strings (quoted, escaped) with NULLs. */
function textLiteral(xs: readonly (string | null)[]): string {
  let out = "{";
  for (let i = 0; i < xs.length; i++) {
    if (i) out += ",";
    const x = xs[i];
    out += x === null || x === undefined ? "NULL" : quote(x);
  }
  return `${out}}`;
}

/** ISO timestamps need no escaping beyond quotes being absent: a cheaper literal. */
function isoLiteral(xs: readonly (string | null)[]): string {
  let out = "{";
  for (let i = 0; i < xs.length; i++) {
    if (i) out += ",";
    const x = xs[i];
    out += x === null || x === undefined ? "NULL" : x;
  }
  return `${out}}`;
}

function params(c: ValueColumns): string[] {
  return [
    plainLiteral(c.entity_id),
    isoLiteral(c.ts),
    plainLiteral(c.value_n),
    plainLiteral(c.value_b),
    textLiteral(c.value_s),
    isoLiteral(c.value_ts),
    textLiteral(c.value_dict),
    textLiteral(c.status),
  ];
}

const UNNEST = `unnest($1::text::int4[], $2::text::timestamp[], $3::text::numeric[], $4::text::bool[],
  $5::text::varchar[], $6::text::timestamp[], $7::text::jsonb[], $8::text::varchar[])
  AS v(entity_id, ts, value_n, value_b, value_s, value_ts, value_dict, status)`;
const COLS = "entity_id, ts, value_n, value_b, value_s, value_ts, value_dict, status";
const SET = `value_n = EXCLUDED.value_n, value_b = EXCLUDED.value_b, value_s = EXCLUDED.value_s,
  value_ts = EXCLUDED.value_ts, value_dict = EXCLUDED.value_dict, status = EXCLUDED.status`;

/** Rows per statement: bounds the size of one parameter, not the transaction. */
export const STATEMENT_ROWS = 20_000;

/**
 * Upserts a batch into the history table (last write of a key wins) and moves each entity's
 * current row forward (never backwards: a row older than the stored one is ignored; an equal
 * timestamp overwrites, so current agrees with history). The batch must hold no duplicate
 * (entity_id, ts) (PostgreSQL refuses to update a row twice in one statement). Rows are written
 * in (entity_id, ts) order, history before current, whatever order the batch lists them in: every
 * writer takes its row locks in that one order, so concurrent writers never deadlock. Runs inside
 * the caller's transaction; large batches are split into several statements of it.
 */
export async function upsertValues(tx: Sql, t: ValueTables, batch: ValueColumns): Promise<void> {
  const n = columnsLength(batch);
  if (n === 0) return;
  const c = sortColumns(batch);
  for (let from = 0; from < n; from += STATEMENT_ROWS) {
    const part = n <= STATEMENT_ROWS ? c : sliceColumns(c, from, from + STATEMENT_ROWS);
    await tx.query(
      `INSERT INTO ${t.hist} (${COLS}) SELECT ${COLS} FROM ${UNNEST}
       ON CONFLICT (entity_id, ts) DO UPDATE SET ${SET}`,
      params(part),
    );
  }
  const cur = newestPerEntity(c);
  for (let from = 0; from < columnsLength(cur); from += STATEMENT_ROWS) {
    const part = columnsLength(cur) <= STATEMENT_ROWS ? cur : sliceColumns(cur, from, from + STATEMENT_ROWS);
    await tx.query(
      `INSERT INTO ${t.cur} AS c (${COLS}) SELECT ${COLS} FROM ${UNNEST}
       ON CONFLICT (entity_id) DO UPDATE SET ts = EXCLUDED.ts, ${SET}
       WHERE c.ts <= EXCLUDED.ts`,
      params(part),
    );
  }
}
