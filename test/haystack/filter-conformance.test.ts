/**
 * The filter conformance table (./filter-conformance.ts) through the in-memory evaluator and the
 * SQL compiler on PostgreSQL and PGlite: each engine, over the same stored rows and the same def
 * namespace, selects exactly the ids the table gives.
 */

import { beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "../../src/db/index.ts";
import { DefNamespace, type Dict, isDict, readZincValue } from "../../src/haystack/index.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { CONFORMANCE_CASES, CONFORMANCE_DEFS, CONFORMANCE_ENTITIES } from "./filter-conformance.ts";
import { evaluate, insertFixture, type Loaded, loadDicts, select } from "./filter-db.ts";

const namespace = new DefNamespace(
  CONFORMANCE_DEFS.map((z) => {
    const d = readZincValue(z);
    if (!isDict(d)) throw new Error(`def is not a dict: ${z}`);
    return d as Dict;
  }),
);

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
    expect(evaluate(loaded, filter, namespace)).toEqual(want);
    expect(await select(db, loaded, filter, namespace)).toEqual(want);
  });
});
