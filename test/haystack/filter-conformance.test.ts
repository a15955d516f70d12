/**
 * The filter conformance table (./filter-conformance.ts) through the in-memory evaluator and the
 * SQL compiler on PostgreSQL and PGlite: each engine, over the same stored rows and the same def
 * namespace, selects exactly the ids the table gives. The `^symbol` cases hold both in the table's
 * own namespace and in the standard one (the entity taxonomy over no stored definitions).
 */

import { beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "../../src/db/index.ts";
import {
  DefNamespace,
  type Dict,
  defDicts,
  isDict,
  readZincValue,
  withTaxonomy,
} from "../../src/haystack/index.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { CONFORMANCE_CASES, CONFORMANCE_DEFS, CONFORMANCE_ENTITIES } from "./filter-conformance.ts";
import { evaluate, insertFixture, type Loaded, loadDicts, select } from "./filter-db.ts";

const tableNamespace = new DefNamespace(
  CONFORMANCE_DEFS.map((z) => {
    const d = readZincValue(z);
    if (!isDict(d)) throw new Error(`def is not a dict: ${z}`);
    return d as Dict;
  }),
);
const standardNamespace = new DefNamespace(defDicts(withTaxonomy([])));

describe.each(ENGINES)("filter conformance (%s)", (engine) => {
  let db: Database;
  let loaded: Loaded;

  beforeAll(async () => {
    db = await testDatabase(engine);
    await insertFixture(db, CONFORMANCE_ENTITIES);
    loaded = await loadDicts(db);
  });

  test.each(CONFORMANCE_CASES)("%s: %s", async (_rule, filter, expected) => {
    const want = [...expected].sort();
    for (const namespace of [tableNamespace, standardNamespace]) {
      expect(evaluate(loaded, filter, namespace)).toEqual(want);
      expect(await select(db, loaded, filter, namespace)).toEqual(want);
    }
  });
});
