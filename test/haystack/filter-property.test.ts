/**
 * Property test: on generated entities (markers, numbers with and without units, strings, refs to
 * each other or to nothing, Lists of refs, refs stored the legacy way as an id string, Dicts) and
 * generated filters (has, missing, comparisons, `and`/`or`/`not`, ref paths up to three steps),
 * the compiled SQL selects exactly the entities the in-memory evaluator accepts, both as the
 * semi-joins of the top level and as the per-entity probes (`few`) the direct-grant arm uses.
 * Seeded, a fixed number of datasets, on both engines.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Database } from "../../src/db/index.ts";
import { compileFilter, parseFilter } from "../../src/haystack/index.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { evaluate, filterTextOf, insertFixture, type Loaded, loadDicts, type RawRow } from "./filter-db.ts";

const IDS = ["a", "b", "c", "d", "e", "f"];
const MARKERS = ["site", "equip", "point"];
const REFS = ["siteRef", "equipRef", "ahuRef"];

const refTo = fc.constantFrom(...IDS, "nowhere");
const num = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.constantFrom("", "°F", "kW"));

/** One entity as Zinc tags (the `id` is added by the caller). */
const entityTags = fc.record(
  {
    markers: fc.subarray(MARKERS),
    curVal: fc.option(num, { nil: undefined }),
    dis: fc.option(fc.constantFrom("x", "y", "X"), { nil: undefined }),
    refs: fc.array(
      fc.tuple(fc.constantFrom(...REFS), fc.oneof(refTo, fc.array(refTo, { minLength: 1, maxLength: 2 }))),
      { maxLength: 3 },
    ),
    meta: fc.option(fc.tuple(fc.integer({ min: 0, max: 2 }), refTo), { nil: undefined }),
  },
  { requiredKeys: ["markers", "refs"] },
);

/** Tags written as legacy rows: a ref as an id string in `value_s`, no `value_kind`. */
const legacyRef = fc.option(fc.tuple(fc.constantFrom(...REFS), refTo), { nil: undefined });

const dataset = fc.array(fc.tuple(entityTags, legacyRef), { minLength: IDS.length, maxLength: IDS.length });

type EntityTags = typeof entityTags extends fc.Arbitrary<infer T> ? T : never;

function zincOf(id: string, t: EntityTags, skip: string | undefined): string {
  const parts = [`id:@${id}`, ...t.markers];
  if (t.curVal) parts.push(`curVal:${t.curVal[0]}${t.curVal[1]}`);
  if (t.dis !== undefined) parts.push(`dis:"${t.dis}"`);
  const seen = new Set<string>(skip ? [skip] : []);
  for (const [name, v] of t.refs ?? []) {
    if (seen.has(name)) continue;
    seen.add(name);
    parts.push(`${name}:${Array.isArray(v) ? `[${v.map((r) => `@${r}`).join(", ")}]` : `@${v}`}`);
  }
  if (t.meta) parts.push(`meta:{a:${t.meta[0]} siteRef:@${t.meta[1]}}`);
  return `{${parts.join(" ")}}`;
}

const path = fc
  .tuple(
    fc.array(fc.constantFrom(...REFS, "meta"), { maxLength: 2 }),
    fc.constantFrom(...MARKERS, "curVal", "dis", "a", ...REFS),
  )
  .map(([steps, last]) => [...steps, last].join("->"));
const literal = fc.oneof(
  num.map(([n, u]) => `${n}${u}`),
  fc.constantFrom('"x"', '"y"'),
  refTo.map((r) => `@${r}`),
);
const leaf = fc.oneof(
  path,
  path.map((p) => `not ${p}`),
  fc.tuple(path, fc.constantFrom("==", "!=", "<", ">="), literal).map(([p, o, l]) => `${p} ${o} ${l}`),
);
const filterText = filterTextOf(leaf);

async function sqlIds(db: Database, loaded: Loaded, filter: string, few: boolean): Promise<string[]> {
  const { sql, params } = compileFilter(parseFilter(filter), { entityIdSql: "e.id", paramOffset: 1, few });
  const rows = await db.query<{ id: number }>(
    `SELECT e.id FROM core.entity e WHERE e.value_table_id = $1 AND ${sql} ORDER BY e.id`,
    ["demo", ...params],
  );
  return rows.map((r) => loaded.idOfEntity.get(r.id) ?? `#${r.id}`).sort();
}

describe.each(ENGINES)("filter property: compiled SQL equals the evaluator (%s)", (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await testDatabase(engine);
  });
  afterAll(async () => {
    await db.close();
  });

  test("generated filters over generated entities", async () => {
    await fc.assert(
      fc.asyncProperty(
        dataset,
        fc.array(filterText, { minLength: 4, maxLength: 8 }),
        async (data, filters) => {
          await db.exec(`DELETE FROM core.entity_tag WHERE entity_id IN (SELECT id FROM core.entity WHERE value_table_id = 'demo');
          DELETE FROM core.entity WHERE value_table_id = 'demo'`);
          const raw: RawRow[] = [];
          const zinc = data.map(([t, legacy], i) => {
            const id = IDS[i]!;
            if (legacy) raw.push({ entity: id, name: legacy[0], cols: { value_s: legacy[1] } });
            return zincOf(id, t, legacy?.[0]);
          });
          await insertFixture(db, zinc, raw);
          const loaded = await loadDicts(db);
          for (const f of filters) {
            const want = evaluate(loaded, f);
            expect({ f, got: await sqlIds(db, loaded, f, false) }).toEqual({ f, got: want });
            expect({ f, got: await sqlIds(db, loaded, f, true) }).toEqual({ f, got: want });
          }
        },
      ),
      { seed: 15, numRuns: engine === "pglite" ? 15 : 40 },
    );
  });
});
