// A large batch (6,000 values) that rewrites stored values and adds new ones must overwrite the
// stored ones (last write wins, DESIGN §4), move the current values and store the new rows, on
// both engines.
import { describe, expect, test } from "bun:test";
import { writeValues } from "../../src/ingest/write.ts";
import { testApp } from "../harness/app.ts";
import { seedOrg, systemActor } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { makePoints } from "./fixtures.ts";

describe.each(ENGINES)("large batches on %s", (engine) => {
  test("a 6,000-value batch over stored rows overwrites them and adds the new ones", async () => {
    const t = await testApp(engine);
    const { org } = await seedOrg(t.deps, { key: "big" });
    const ids = (await makePoints(t.deps, org.id, 20)).map((p) => p.id);
    const t0 = Date.UTC(2025, 0, 1);
    const batch = (steps: number, value: (k: number) => number) =>
      ids.flatMap((id) =>
        Array.from({ length: steps }, (_, k) => ({
          entity_id: id,
          ts: new Date(t0 + k * 60_000),
          value_n: value(k),
        })),
      );
    const write = (values: ReturnType<typeof batch>) =>
      writeValues({ deps: t.deps, actor: systemActor, orgId: org.id, values });

    expect(await write(batch(300, (k) => k))).toEqual({ written: 6_000 });
    expect(await write(batch(301, (k) => 1000 + k))).toEqual({ written: 6_020 });

    const [hist] = await t.dbs.primary.query<{ n: number; low: number; high: number }>(
      "SELECT count(*)::int AS n, min(value_n)::float8 AS low, max(value_n)::float8 AS high FROM core.values_big",
    );
    expect(hist).toEqual({ n: 6_020, low: 1000, high: 1300 });
    const current = await t.dbs.primary.query<{ ts: Date; v: number }>(
      "SELECT DISTINCT ts, value_n::float8 AS v FROM core.values_big_current",
    );
    expect(current).toEqual([{ ts: new Date(t0 + 300 * 60_000), v: 1300 }]);
  });
});
