// The ways a batch reaches the history table: new rows are inserted plainly (below COPY_ROWS) or
// copied in (from COPY_ROWS rows on); a batch holding a row that exists fails that attempt with a
// unique violation and is written again as an upsert (last write wins). Every path must store
// exactly what an upsert would, values of every kind included, move the current values, and hand
// the secondaries the same rows through the outbox.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import type { Database } from "../../src/db/index.ts";
import { COPY_ROWS } from "../../src/ingest/columns.ts";
import { type ValueInput, writeValues } from "../../src/ingest/write.ts";
import { testApp, testDatabases } from "../harness/app.ts";
import { seedOrg } from "../harness/auth.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { makePoints } from "./fixtures.ts";

const T0 = Date.UTC(2025, 0, 1);
const AWKWARD = ["tab\there", "line\nbreak", "back\\slash", "\\N", "", 'quote " and {brace}', "é ✓"];

/** Value `k` of a batch: every kind of value in turn, odd strings and statuses included. */
function valueFor(k: number, salt: number): Omit<ValueInput, "entity_id" | "ts"> {
  switch (k % 6) {
    case 0:
      return { value_n: k * 1.25 + salt };
    case 1:
      return { value_b: (k + salt) % 2 === 0, status: "ok" };
    case 2:
      return { value_s: `${AWKWARD[k % AWKWARD.length]}${salt}` };
    case 3:
      return { value_ts: new Date(T0 - k * 1000 - salt) };
    case 4:
      return { value_dict: { k, text: AWKWARD[k % AWKWARD.length], nested: { salt } } };
    default:
      return { status: salt % 2 ? "fault\tline" : "down" };
  }
}

/** `steps` values per point from step `first` on, each of its own kind. */
function batch(ids: number[], first: number, steps: number, salt: number): ValueInput[] {
  return ids.flatMap((id) =>
    Array.from({ length: steps }, (_, i) => ({
      entity_id: id,
      ts: new Date(T0 + (first + i) * 60_000),
      ...valueFor(first + i, salt),
    })),
  );
}

const HISTORY =
  "SELECT entity_id, ts, value_n::float8 AS value_n, value_b, value_s, value_ts, value_dict, status FROM core.values_paths ORDER BY entity_id, ts";
const CURRENT =
  "SELECT entity_id, ts, value_n::float8 AS value_n, value_b, value_s, value_ts, value_dict, status FROM core.values_paths_current ORDER BY entity_id";

/** The rows the history must hold after `writes` in turn (last write of a key wins). */
function expected(writes: ValueInput[][]) {
  const byKey = new Map<string, ValueInput>();
  for (const w of writes) for (const v of w) byKey.set(`${v.entity_id}/${v.ts.getTime()}`, v);
  const rows = [...byKey.values()]
    .sort((a, b) => a.entity_id - b.entity_id || a.ts.getTime() - b.ts.getTime())
    .map((v) => ({
      entity_id: v.entity_id,
      ts: v.ts,
      value_n: v.value_n ?? null,
      value_b: v.value_b ?? null,
      value_s: v.value_s ?? null,
      value_ts: v.value_ts ?? null,
      value_dict: v.value_dict ?? null,
      status: v.status ?? null,
    }));
  const current = new Map<number, (typeof rows)[number]>();
  for (const r of rows) current.set(r.entity_id, r);
  return { rows, current: [...current.values()] };
}

async function expectStored(db: Database, writes: ValueInput[][]) {
  const want = expected(writes);
  expect(await db.query(HISTORY)).toEqual(want.rows);
  expect(await db.query(CURRENT)).toEqual(want.current);
}

describe.each(ENGINES)("history write paths on %s", (engine) => {
  for (const [path, steps] of [
    ["inserted", 10],
    ["copied", Math.ceil(COPY_ROWS / 20) + 5],
  ] as const)
    test(`new rows ${path} (${steps * 20} values of every kind), then rows that partly exist upserted; the secondary receives the same rows`, async () => {
      const secondary = await testDatabase(engine, "replica");
      const t = await testApp(engine, { dbs: await testDatabases(engine, [secondary]) });
      const { org } = await seedOrg(t.deps, { key: "paths" });
      const ids = (await makePoints(t.deps, org.id, 20)).map((p) => p.id);
      const write = (values: ValueInput[]) =>
        writeValues({ deps: t.deps, actor: systemActor, orgId: org.id, values });

      const first = batch(ids, 0, steps, 0);
      expect(await write(first)).toEqual({ written: first.length });
      await expectStored(t.dbs.primary, [first]);

      // Half of these rows exist: the attempt as new rows fails on them, the upsert stores all.
      const second = batch(ids, Math.floor(steps / 2), steps, 1);
      expect(await write(second)).toEqual({ written: second.length });
      // Right after a conflict the org's writes upsert at once: again rows that partly exist.
      const third = batch(ids, steps, steps, 2);
      expect(await write(third)).toEqual({ written: third.length });
      await expectStored(t.dbs.primary, [first, second, third]);

      await t.deps.replicator.deliver("replica");
      expect(await t.deps.replicator.backlog("replica")).toBe(0);
      await expectStored(secondary, [first, second, third]);
    });
});
