// The bulk route hands writeValues its values already in columns (ValueBatch) instead of one
// object per value; that form must be judged and ordered exactly as value objects are: the same
// field errors in the same order, and the same sorted, deduplicated (last wins) columns.
import { expect, test } from "bun:test";
import fc from "fast-check";
import {
  dedupeBatch,
  dedupeToColumns,
  toBatch,
  type ValueInput,
  validateBatch,
  validateValues,
} from "./write.ts";

const NOW = Date.UTC(2025, 5, 1);

const value: fc.Arbitrary<ValueInput> = fc
  .record(
    {
      entity_id: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom(0, -3, 2 ** 31)),
      ts: fc.oneof(
        fc.integer({ min: 0, max: 5 }).map((k) => new Date(NOW - k * 60_000)),
        fc.constantFrom(new Date(Date.UTC(1969, 0, 1)), new Date(NOW + 2 * 86_400_000)),
      ),
      value_n: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
      value_b: fc.boolean(),
      value_s: fc.string({ maxLength: 5 }),
      value_ts: fc.constant(new Date(NOW)),
      value_dict: fc.constant({ a: 1 }),
      status: fc.oneof(fc.constantFrom("", "ok"), fc.constant("x".repeat(65))),
    },
    { requiredKeys: ["entity_id", "ts"] },
  )
  .map((v) => v as ValueInput);

test("a batch in columns gets the same field errors as the same values as objects", () => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 80 }), (values) => {
      expect(validateBatch(toBatch(values), NOW)).toEqual(validateValues(values, NOW));
    }),
  );
});

test("a batch in columns is sorted and deduplicated (last wins) as the values as objects are", () => {
  fc.assert(
    fc.property(fc.array(value, { maxLength: 80 }), (values) => {
      const valid = values.filter((v) => v.entity_id >= 1);
      expect(dedupeBatch(toBatch(valid))).toEqual(dedupeToColumns(valid));
      // The reference: a stable comparison sort by (entity_id, ts), the last of equal keys kept.
      const sorted = valid
        .map((v, i) => ({ v, i }))
        .sort((a, b) => a.v.entity_id - b.v.entity_id || a.v.ts.getTime() - b.v.ts.getTime() || a.i - b.i)
        .filter(
          (x, k, xs) =>
            k === xs.length - 1 ||
            xs[k + 1]!.v.entity_id !== x.v.entity_id ||
            xs[k + 1]!.v.ts.getTime() !== x.v.ts.getTime(),
        );
      const c = dedupeToColumns(valid);
      expect(c.entity_id).toEqual(sorted.map((x) => x.v.entity_id));
      expect(c.ts).toEqual(sorted.map((x) => x.v.ts.toISOString()));
      expect(c.value_n).toEqual(sorted.map((x) => x.v.value_n ?? null));
      expect(c.status).toEqual(sorted.map((x) => x.v.status ?? null));
    }),
  );
});
