// deleteValues: a range of history and the current rows of some entities go on the primary, in one
// transaction with its outbox record, and the secondary deletes exactly the same rows; current rows
// are rebuilt from the history that remains. Entities of another org are refused.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { deleteValues } from "../../src/ingest/delete.ts";
import { writeValues } from "../../src/ingest/write.ts";
import { testApp, testDatabases } from "../harness/app.ts";
import { seedOrg } from "../harness/auth.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { makePoints } from "./fixtures.ts";

describe.each(ENGINES)("deleteValues on %s", (engine) => {
  test("deletes a range and the current rows on the primary and, through the outbox, the secondary", async () => {
    const secondary = await testDatabase(engine, "replica");
    const t = await testApp(engine, { dbs: await testDatabases(engine, [secondary]) });
    const { deps } = t;
    const acme = await seedOrg(deps, { key: "acme" });
    const other = await seedOrg(deps, { key: "other" });
    const [a, b] = await makePoints(deps, acme.org.id, 2, { prefix: "acme" });
    const [foreign] = await makePoints(deps, other.org.id, 1, { prefix: "other" });
    const at = (h: number) => new Date(Date.UTC(2025, 0, 1, h));
    const actor = systemActor;
    await writeValues({
      deps,
      actor,
      orgId: acme.org.id,
      values: [a!, b!].flatMap((p) => [0, 1, 2, 3].map((h) => ({ entity_id: p.id, ts: at(h), value_n: h }))),
    });

    // Hours 2 and 3 of point a: its current value falls back to hour 1; point b is untouched.
    expect(
      await deleteValues({ deps, actor, orgId: acme.org.id, entityIds: [a!.id], from: at(2), to: at(4) }),
    ).toEqual({ deleted: 2 });
    await expect(
      deleteValues({ deps, actor, orgId: acme.org.id, entityIds: [foreign!.id] }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await deps.replicator.deliver("replica");

    for (const db of [deps.dbs.primary, secondary]) {
      const hist = await db.query<{ entity_id: number; h: number }>(
        "SELECT entity_id, extract(hour FROM ts)::int AS h FROM core.values_acme ORDER BY entity_id, ts",
      );
      expect(hist).toEqual([
        ...[0, 1].map((h) => ({ entity_id: a!.id, h })),
        ...[0, 1, 2, 3].map((h) => ({ entity_id: b!.id, h })),
      ]);
      const cur = await db.query<{ entity_id: number; h: number; v: number }>(
        "SELECT entity_id, extract(hour FROM ts)::int AS h, value_n::float8 AS v FROM core.values_acme_current ORDER BY entity_id",
      );
      expect(cur).toEqual([
        { entity_id: a!.id, h: 1, v: 1 },
        { entity_id: b!.id, h: 3, v: 3 },
      ]);
    }

    // Without a range: everything of point b, current row included.
    expect(await deleteValues({ deps, actor, orgId: acme.org.id, entityIds: [b!.id] })).toEqual({
      deleted: 4,
    });
    await deps.replicator.deliver("replica");
    for (const db of [deps.dbs.primary, secondary]) {
      const [n] = await db.query<{ h: number; c: number }>(
        `SELECT (SELECT count(*)::int FROM core.values_acme WHERE entity_id = $1) AS h,
                (SELECT count(*)::int FROM core.values_acme_current WHERE entity_id = $1) AS c`,
        [b!.id],
      );
      expect(n).toEqual({ h: 0, c: 0 });
    }
    await deps.replicator.stop();
  });
});
