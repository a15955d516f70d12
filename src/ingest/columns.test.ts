// The lock order of value writes (DESIGN.md §4: "Writes lock rows in one global order (entity,
// ts), so concurrent writers never deadlock"): whatever order a batch lists its rows in, the
// statements reach PostgreSQL in (entity_id, ts) order, history before current; duplicates are
// resolved last-wins before (PostgreSQL refuses to update one row twice in a statement).
import { describe, expect, test } from "bun:test";
import type { Sql } from "../db/index.ts";
import {
  emptyColumns,
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

  test("a large batch is inserted as new rows under a savepoint; a row that exists makes it an upsert", async () => {
    const big = cols(
      Array.from({ length: 6_000 }, (_, i) => [
        1 + (i % 20),
        `${2025 + Math.floor(i / 20)}-01-01T00:00:00.000Z`,
        i,
      ]),
    );
    const run = async (existing: boolean) => {
      const steps: string[] = [];
      const sql: Sql = {
        query: async <T>(text: string) => {
          const table = text.match(/INSERT INTO (\S+)/)![1];
          const kind = /ON CONFLICT/.test(text) ? "upsert" : "insert";
          steps.push(`${kind} ${table}`);
          if (existing && kind === "insert")
            throw Object.assign(new Error("duplicate key"), { code: "23505" });
          return [] as T[];
        },
        exec: async () => {},
        savepoint: async <S>(fn: (tx: Sql) => Promise<S>) => {
          steps.push("savepoint");
          try {
            return await fn(sql);
          } catch (e) {
            steps.push("rolled back to savepoint");
            throw e;
          }
        },
      };
      await upsertValues(sql, valueTables("values_acme"), big);
      return steps;
    };
    expect(await run(false)).toEqual([
      "savepoint",
      'insert core."values_acme"',
      'upsert core."values_acme_current"',
    ]);
    expect(await run(true)).toEqual([
      "savepoint",
      'insert core."values_acme"',
      "rolled back to savepoint",
      'upsert core."values_acme"',
      'upsert core."values_acme_current"',
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
