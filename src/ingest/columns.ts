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

/** The newest row of each entity (the candidates for the current table). */
export function newestPerEntity(c: ValueColumns): ValueColumns {
  const best = new Map<number, number>();
  for (let i = 0; i < c.entity_id.length; i++) {
    const e = c.entity_id[i]!;
    const j = best.get(e);
    if (j === undefined || c.ts[i]! >= c.ts[j]!) best.set(e, i);
  }
  const out = emptyColumns();
  for (const i of best.values()) {
    out.entity_id.push(c.entity_id[i]!);
    out.ts.push(c.ts[i]!);
    out.value_n.push(c.value_n[i]!);
    out.value_b.push(c.value_b[i]!);
    out.value_s.push(c.value_s[i]!);
    out.value_ts.push(c.value_ts[i]!);
    out.value_dict.push(c.value_dict[i]!);
    out.status.push(c.status[i]!);
  }
  return out;
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
 * (entity_id, ts) (PostgreSQL refuses to update a row twice in one statement). Runs inside the
 * caller's transaction; large batches are split into several statements of the same transaction.
 */
export async function upsertValues(tx: Sql, t: ValueTables, c: ValueColumns): Promise<void> {
  const n = columnsLength(c);
  if (n === 0) return;
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
