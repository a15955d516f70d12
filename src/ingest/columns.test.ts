// The lock order of value writes (DESIGN.md §4: "Writes lock rows in one global order (entity,
// ts), so concurrent writers never deadlock"): whatever order a batch lists its rows in, the
// statements reach PostgreSQL in (entity_id, ts) order, history before current; duplicates are
// resolved last-wins before (PostgreSQL refuses to update one row twice in a statement).
import { describe, expect, test } from "bun:test";
import type { Sql } from "../db/index.ts";
import {
  COPY_ROWS,
  copyText,
  emptyColumns,
  type HistoryWrite,
  isSorted,
  newestPerEntity,
  sortColumns,
  upsertValues,
  type ValueColumns,
  valueTables,
} from "./columns.ts";
import { dedupeToColumns, isRetryable } from "./write.ts";

/** Columns of rows `[entity_id, ts, value_n]`. */
function cols(rows: [number, string, number][]): ValueColumns {
  const c = emptyColumns();
  for (const [e, ts, n] of rows) {
    c.entity_id.push(e);
    c.ts.push(ts);
    c.value_n.push(n);
    c.value_b.push(null);
    c.value_s.push(null);
    c.value_ts.push(null);
    c.value_dict.push(null);
    c.status.push(null);
  }
  return c;
}

const A = "2025-01-01T00:00:00.000Z";
const B = "2025-01-01T00:15:00.000Z";
const C = "2025-01-01T00:30:00.000Z";

/** A statement as it reached the database: its text and its parameters. */
interface Sent {
  text: string;
  params: readonly unknown[];
}

function recorder(): { sql: Sql; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    sql: {
      query: async <T>(text: string, params: readonly unknown[] = []) => {
        sent.push({ text, params });
        return [] as T[];
      },
      exec: async () => {},
    },
  };
}

describe("sortColumns", () => {
  test("orders by entity, then time, whatever the input order", () => {
    const c = sortColumns(
      cols([
        [7, B, 1],
        [3, C, 2],
        [7, A, 3],
        [3, A, 4],
      ]),
    );
    expect(c).toEqual(
      cols([
        [3, A, 4],
        [3, C, 2],
        [7, A, 3],
        [7, B, 1],
      ]),
    );
    expect(isSorted(c)).toBe(true);
  });

  test("a batch already in order is returned as it is", () => {
    const c = cols([
      [1, A, 1],
      [1, B, 2],
      [2, A, 3],
    ]);
    expect(sortColumns(c)).toBe(c);
  });
});

describe("newestPerEntity", () => {
  test("the last row of each entity of a sorted batch, in entity order", () => {
    const c = sortColumns(
      cols([
        [9, A, 1],
        [2, C, 2],
        [9, C, 3],
        [2, B, 4],
        [5, A, 5],
      ]),
    );
    expect(newestPerEntity(c)).toEqual(
      cols([
        [2, C, 2],
        [5, A, 5],
        [9, C, 3],
      ]),
    );
  });
});

describe("upsertValues", () => {
  test("history then current, each in (entity_id, ts) order, for batches listed in any order", async () => {
    const { sql, sent } = recorder();
    await upsertValues(
      sql,
      valueTables("values_acme"),
      cols([
        [20, B, 1],
        [10, B, 2],
        [20, A, 3],
        [10, A, 4],
      ]),
    );
    expect(sent.map((s) => s.text.match(/INSERT INTO (\S+)/)![1])).toEqual([
      'core."values_acme"',
      'core."values_acme_current"',
    ]);
    // The key arrays of the two statements: history by (entity, ts), current by entity.
    expect(sent.map((s) => [s.params[0], s.params[1]])).toEqual([
      ["{10,10,20,20}", `{${A},${B},${A},${B}}`],
      ["{10,20}", `{${B},${B}}`],
    ]);
  });

  /** `n` rows over 20 entities, in (entity_id, ts) order after sorting. */
  const rows = (n: number) =>
    cols(
      Array.from({ length: n }, (_, i) => [
        1 + (i % 20),
        `${2025 + Math.floor(i / 20)}-01-01T00:00:00.000Z`,
        i,
      ]),
    );

  /** The steps a fake connection sees; `existing` makes every write of new rows a unique violation. */
  const steps = async (n: number, history: HistoryWrite, existing: boolean) => {
    const seen: string[] = [];
    const duplicate = () => Object.assign(new Error("duplicate key"), { code: "23505" });
    const sql: Sql = {
      query: async <T>(text: string) => {
        const table = text.match(/INSERT INTO (\S+)/)![1];
        const kind = /ON CONFLICT/.test(text) ? "upsert" : "insert";
        seen.push(`${kind} ${table}`);
        if (existing && kind === "insert") throw duplicate();
        return [] as T[];
      },
      exec: async () => {},
      copyIn: async (target: string, data) => {
        seen.push(`copy ${target} ${(data as string[]).join("").split("\n").length - 1} rows`);
        if (existing) throw duplicate();
      },
      savepoint: async <S>(fn: (tx: Sql) => Promise<S>) => {
        seen.push("savepoint");
        try {
          return await fn(sql);
        } catch (e) {
          seen.push("rolled back to savepoint");
          throw e;
        }
      },
    };
    const outcome = await upsertValues(sql, valueTables("values_acme"), rows(n), history).then(
      () => "ok",
      (e: { code?: string }) => `rejected ${e.code}`,
    );
    return [...seen, outcome];
  };

  test("a large batch is copied in as new rows under a savepoint; a row that exists makes it an upsert", async () => {
    expect(await steps(6_000, "auto", false)).toEqual([
      "savepoint",
      'copy core."values_acme" (entity_id, ts, value_n) 6000 rows',
      'upsert core."values_acme_current"',
      "ok",
    ]);
    expect(await steps(6_000, "auto", true)).toEqual([
      "savepoint",
      'copy core."values_acme" (entity_id, ts, value_n) 6000 rows',
      "rolled back to savepoint",
      'upsert core."values_acme"',
      'upsert core."values_acme_current"',
      "ok",
    ]);
    expect(await steps(100, "auto", false)).toEqual([
      'upsert core."values_acme"',
      'upsert core."values_acme_current"',
      "ok",
    ]);
  });

  test("rows written as new: inserted below COPY_ROWS, copied from COPY_ROWS on, no savepoint; a row that exists rejects", async () => {
    expect(await steps(COPY_ROWS - 1, "new", false)).toEqual([
      'insert core."values_acme"',
      'upsert core."values_acme_current"',
      "ok",
    ]);
    expect(await steps(COPY_ROWS, "new", false)).toEqual([
      `copy core."values_acme" (entity_id, ts, value_n) ${COPY_ROWS} rows`,
      'upsert core."values_acme_current"',
      "ok",
    ]);
    // The caller (writeValues) runs its transaction again as an upsert.
    expect(await steps(COPY_ROWS, "new", true)).toEqual([
      `copy core."values_acme" (entity_id, ts, value_n) ${COPY_ROWS} rows`,
      "rejected 23505",
    ]);
    expect((await steps(10, "new", true)).at(-1)).toBe("rejected 23505");
    expect(await steps(10, "upsert", false)).toEqual([
      'upsert core."values_acme"',
      'upsert core."values_acme_current"',
      "ok",
    ]);
  });

  test("COPY text holds the used columns only, nulls as \\N, text escaped", () => {
    const c = emptyColumns();
    const add = (s: string | null, dict: string | null, status: string | null) => {
      c.entity_id.push(c.entity_id.length + 1);
      c.ts.push(A);
      c.value_n.push(null);
      c.value_b.push(c.entity_id.length === 1 ? true : null);
      c.value_s.push(s);
      c.value_ts.push(null);
      c.value_dict.push(dict);
      c.status.push(status);
    };
    add(null, null, "ok");
    add("a\tb\nc\\d", null, null);
    add(null, '{"x":"y\\nz"}', "line\r");
    expect(copyText(c)).toEqual([
      [
        `1\t${A}\tt\t\\N\t\\N\tok`,
        `2\t${A}\t\\N\ta\\tb\\nc\\\\d\t\\N\t\\N`,
        `3\t${A}\t\\N\t\\N\t{"x":"y\\\\nz"}\tline\\r`,
        "",
      ].join("\n"),
    ]);
  });

  test("an empty batch sends nothing", async () => {
    const { sql, sent } = recorder();
    await upsertValues(sql, valueTables("values_acme"), emptyColumns());
    expect(sent).toEqual([]);
  });
});

describe("dedupeToColumns", () => {
  const at = (iso: string) => new Date(iso);

  test("sorted by (entity_id, ts), the last value sent for a key wins", () => {
    const c = dedupeToColumns([
      { entity_id: 5, ts: at(B), value_n: 1 },
      { entity_id: 2, ts: at(A), value_n: 2 },
      { entity_id: 5, ts: at(A), value_n: 3 },
      { entity_id: 5, ts: at(B), value_n: 4 },
      { entity_id: 2, ts: at(A), value_s: "last" },
    ]);
    expect(c.entity_id).toEqual([2, 5, 5]);
    expect(c.ts).toEqual([A, A, B]);
    expect(c.value_n).toEqual([null, 3, 4]);
    expect(c.value_s).toEqual(["last", null, null]);
  });

  test("values of every kind land in their column, dicts as JSON text", () => {
    const c = dedupeToColumns([
      { entity_id: 1, ts: at(A), value_b: true, status: "ok" },
      { entity_id: 1, ts: at(B), value_ts: at(C) },
      { entity_id: 1, ts: at(C), value_dict: { a: 1 } },
    ]);
    expect(c).toEqual({
      entity_id: [1, 1, 1],
      ts: [A, B, C],
      value_n: [null, null, null],
      value_b: [true, null, null],
      value_s: [null, null, null],
      value_ts: [null, C, null],
      value_dict: [null, null, '{"a":1}'],
      status: ["ok", null, null],
    });
  });
});

describe("isRetryable", () => {
  const pgError = (code: string) => Object.assign(new Error("x"), { code });
  test.each([
    ["40P01", "deadlock_detected", true],
    ["40001", "serialization_failure", true],
    ["23505", "unique_violation", false],
    ["08006", "connection_failure", false],
    ["57P01", "admin_shutdown", false],
  ])("SQLSTATE %s (%s): %p", (code, _name, expected) => {
    expect(isRetryable(pgError(code))).toBe(expected);
  });
  test("errors without a code are not retried", () => {
    expect(isRetryable(new Error("deadlock detected"))).toBe(false);
    expect(isRetryable("40P01")).toBe(false);
  });
});
