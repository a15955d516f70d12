// Value rows in columnar form, and the one set-based upsert that writes them into an org's history
// and current tables. The primary write and the secondaries' catch-up both use it, so every
// database applies exactly the same statement to exactly the same arrays.
//
// Arrays travel as PostgreSQL array literals in text parameters (`$1::text::int[]`): the same
// bytes on postgres.js and PGlite, two parameters per column whatever the batch size (far below
// the 65,534 bind-parameter limit), and no driver-specific array or Date serialisation.
import { copyField, copyIn, type Sql } from "../db/index.ts";

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
type Column = (typeof VALUE_COLUMNS)[number];

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

/**
 * SELECT of the org's current values (columns `entity_id`, `value_n`, `value_b`, `value_s`; no
 * permission check: the caller's query selects visible entities), as `openCurrentValues` (read.ts) reads
 * them, for filters that test `curVal` in SQL (catalog/read.ts); null when the org has no
 * current-value table yet.
 */
export async function currentValuesSql(sql: Sql, valueTable: string): Promise<string | null> {
  const { cur } = valueTables(valueTable);
  return (await sql.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [cur]))[0]?.t
    ? `SELECT entity_id, value_n, value_b, value_s FROM ${cur}`
    : null;
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
export function pickRows(c: ValueColumns, order: readonly number[]): ValueColumns {
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
  return pickRows(c, order);
}

/**
 * The newest row of each entity (the candidates for the current table), in entity order. `c` must
 * be in (entity_id, ts) order (`sortColumns`): the newest row of an entity is the last of its run.
 */
export function newestPerEntity(c: ValueColumns): ValueColumns {
  const order: number[] = [];
  const n = c.entity_id.length;
  for (let i = 0; i < n; i++) if (i === n - 1 || c.entity_id[i + 1] !== c.entity_id[i]) order.push(i);
  return order.length === n ? c : pickRows(c, order);
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
// The literals are built as arrays joined once: a string grown by `+=` is a rope that the driver
// flattens again when it measures and writes it (a fifth of a backfill's write time, profiled).

/** A PostgreSQL array literal of plain scalars (numbers, booleans) with NULLs. */
function plainLiteral(xs: readonly (number | boolean | null)[]): string {
  const parts = new Array<string>(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    parts[i] = x === null || x === undefined ? "NULL" : typeof x === "boolean" ? (x ? "t" : "f") : String(x);
  }
  return `{${parts.join(",")}}`;
}

/** A PostgreSQL array literal of strings (quoted, escaped) with NULLs. */
function textLiteral(xs: readonly (string | null)[]): string {
  const parts = new Array<string>(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    parts[i] = x === null || x === undefined ? "NULL" : quote(x);
  }
  return `{${parts.join(",")}}`;
}

/** ISO timestamps need no escaping beyond quotes being absent: a cheaper literal. */
function isoLiteral(xs: readonly (string | null)[]): string {
  const parts = new Array<string>(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    parts[i] = x === null || x === undefined ? "NULL" : x;
  }
  return `{${parts.join(",")}}`;
}

/** The SQL type and array-literal encoder of every column. */
const COLUMN_TYPE: Record<Column, string> = {
  entity_id: "int4",
  ts: "timestamp",
  value_n: "numeric",
  value_b: "bool",
  value_s: "varchar",
  value_ts: "timestamp",
  value_dict: "jsonb",
  status: "varchar",
};
const ENCODE: Record<Column, (xs: never[]) => string> = {
  entity_id: plainLiteral,
  ts: isoLiteral,
  value_n: plainLiteral,
  value_b: plainLiteral,
  value_s: textLiteral,
  value_ts: isoLiteral,
  value_dict: textLiteral,
  status: textLiteral,
};
/** Every column but the key is overwritten: a column the batch leaves out becomes NULL. */
const SET = VALUE_COLUMNS.slice(2)
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(", ");

/** The key and the value columns holding at least one non-null in the batch. */
function usedColumns(c: ValueColumns): Column[] {
  return VALUE_COLUMNS.filter((k, i) => i < 2 || c[k].some((x) => x !== null && x !== undefined));
}

/** How a statement treats existing rows: history upsert, current upsert, or none expected. */
type Mode = "history" | "current" | "new";

/** INSERT … SELECT FROM unnest of only the used columns (one text parameter per column). */
function upsertStatement(table: string, cols: readonly Column[], mode: Mode): string {
  const list = cols.join(", ");
  const arrays = cols.map((k, i) => `$${i + 1}::text::${COLUMN_TYPE[k]}[]`).join(", ");
  const head = `INSERT INTO ${table} AS c (${list}) SELECT * FROM unnest(${arrays})`;
  if (mode === "new") return head;
  return mode === "current"
    ? `${head} ON CONFLICT (entity_id) DO UPDATE SET ts = EXCLUDED.ts, ${SET} WHERE c.ts <= EXCLUDED.ts`
    : `${head} ON CONFLICT (entity_id, ts) DO UPDATE SET ${SET}`;
}

/** Rows per statement (and per COPY chunk): bounds the size of one parameter, not the transaction. */
export const STATEMENT_ROWS = 20_000;

/** Issues the statements of one table at once (in order on the one connection), awaited by the caller. */
function upsertRows(tx: Sql, table: string, c: ValueColumns, mode: Mode): Promise<unknown>[] {
  const n = columnsLength(c);
  const cols = usedColumns(c);
  const text = upsertStatement(table, cols, mode);
  const sent: Promise<unknown>[] = [];
  for (let from = 0; from < n; from += STATEMENT_ROWS) {
    const part = n <= STATEMENT_ROWS ? c : sliceColumns(c, from, from + STATEMENT_ROWS);
    sent.push(
      tx.query(
        text,
        cols.map((k) => ENCODE[k](part[k] as never[])),
        { prepare: true },
      ),
    );
  }
  return sent;
}

/** Each column's field in COPY text format (`\N` for null). */
const COPY_ENCODE: Record<Column, (x: never) => string> = {
  entity_id: String,
  ts: (x: string) => x,
  value_n: (x: number | null) => (x === null || x === undefined ? "\\N" : String(x)),
  value_b: (x: boolean | null) => (x === null || x === undefined ? "\\N" : x ? "t" : "f"),
  value_s: copyField,
  value_ts: (x: string | null) => (x === null || x === undefined ? "\\N" : x),
  value_dict: copyField,
  status: copyField,
};

/** The rows as COPY text (the used columns), one string per STATEMENT_ROWS rows. */
export function copyText(c: ValueColumns, cols: readonly Column[] = usedColumns(c)): string[] {
  const n = columnsLength(c);
  const chunks: string[] = [];
  const enc = cols.map((k) => [c[k] as never[], COPY_ENCODE[k]] as const);
  for (let from = 0; from < n; from += STATEMENT_ROWS) {
    const to = Math.min(n, from + STATEMENT_ROWS);
    const lines = new Array<string>(to - from + 1);
    for (let i = from; i < to; i++) {
      let line = String(c.entity_id[i]);
      for (let j = 1; j < enc.length; j++) line += `\t${enc[j]![1](enc[j]![0][i]!)}`;
      lines[i - from] = line;
    }
    lines[to - from] = "";
    chunks.push(lines.join("\n"));
  }
  return chunks;
}

/** COPY of new rows into a history table (the used columns only). */
function copyRows(tx: Sql, table: string, c: ValueColumns): Promise<void> {
  const cols = usedColumns(c);
  return copyIn(tx, `${table} (${cols.join(", ")})`, copyText(c, cols));
}

/**
 * How the history rows of a batch are written. `upsert`: last write of a key wins (ON CONFLICT).
 * `new`: the rows are expected to be new and are inserted plainly (COPY from COPY_ROWS rows on),
 * without a savepoint; a row that exists fails the statement with a unique violation (SQLSTATE
 * 23505), which aborts the caller's transaction: the caller runs it again with `upsert`
 * (`writeValues` does). `auto` (the default): `upsert`, except that from NEW_ROWS_FIRST rows on,
 * inside a transaction, the rows are first copied in as new under a savepoint, and upserted only
 * if one of them exists already.
 */
export type HistoryWrite = "upsert" | "new" | "auto";

/**
 * Upserts a batch into the history table (last write of a key wins) and moves each entity's
 * current row forward (never backwards: a row older than the stored one is ignored; an equal
 * timestamp overwrites, so current agrees with history). The batch must hold no duplicate
 * (entity_id, ts) (PostgreSQL refuses to update a row twice in one statement). Rows are written
 * in (entity_id, ts) order, history before current, whatever order the batch lists them in: every
 * writer takes its row locks in that one order, so concurrent writers never deadlock. Runs inside
 * the caller's transaction; large batches are split into several statements of it. Only the
 * columns the batch uses travel (a batch of numbers sends three arrays, not eight), as prepared
 * statements on PostgreSQL servers. The statements are sent together, without waiting for each
 * answer (one round trip, not one per statement); the connection runs them in that order (a COPY
 * is answered before the current rows are sent). `history` chooses how history rows are written
 * (`HistoryWrite`).
 */
export async function upsertValues(
  tx: Sql,
  t: ValueTables,
  batch: ValueColumns,
  history: HistoryWrite = "auto",
): Promise<void> {
  const n = columnsLength(batch);
  if (n === 0) return;
  const c = sortColumns(batch);
  const current = newestPerEntity(c);
  if (history === "new") {
    // History rows are nearly always new: a plain INSERT skips ON CONFLICT's speculative
    // insertion (about 40 % of a 1,000-row upsert, measured), and COPY inserts whole pages at once.
    if (n >= COPY_ROWS && tx.copyIn) await copyRows(tx, t.hist, c);
    else {
      // Sent with the current rows, without waiting: a unique violation aborts both.
      await Promise.all([...upsertRows(tx, t.hist, c, "new"), ...upsertRows(tx, t.cur, current, "current")]);
      return;
    }
    await Promise.all(upsertRows(tx, t.cur, current, "current"));
    return;
  }
  if (history === "auto" && n >= NEW_ROWS_FIRST && tx.savepoint) {
    // Large batches (outbox deliveries of backfills and gap fills) are nearly always new rows:
    // copied in under a savepoint; if a row exists after all, undone to the savepoint and upserted.
    const inserted = await tx
      .savepoint(async (sp) => {
        if (sp.copyIn) await copyRows(sp, t.hist, c);
        else await Promise.all(upsertRows(sp, t.hist, c, "new"));
        return true;
      })
      .catch((e: unknown) => {
        if (isUniqueViolation(e)) return false;
        throw e;
      });
    if (inserted) {
      await Promise.all(upsertRows(tx, t.cur, current, "current"));
      return;
    }
  }
  await Promise.all([...upsertRows(tx, t.hist, c, "history"), ...upsertRows(tx, t.cur, current, "current")]);
}

/** In `auto` mode, batches of at least this many rows are first copied in as new rows. */
export const NEW_ROWS_FIRST = 5_000;
/**
 * In `new` mode, batches of at least this many rows are copied in, smaller ones inserted (COPY
 * costs a round trip more; measured with fsync on: as fast as INSERT at 2,000 rows, 10–15 %
 * faster at 5,000 and 10,000, 25 % slower at 1,000).
 */
export const COPY_ROWS = 2_000;
const UNIQUE_VIOLATION = "23505";

/** True for a unique violation (SQLSTATE 23505): a row of the batch exists already. */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}
