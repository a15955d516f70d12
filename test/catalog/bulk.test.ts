import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { readEntityDicts, upsertEntities } from "../../src/catalog/index.ts";
import { HNum, type HVal, MARKER, Ref } from "../../src/haystack/index.ts";
import { testApp, testDatabases } from "../harness/app.ts";
import { seedOrg } from "../harness/auth.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";

const counts = (db: { query: <T>(s: string) => Promise<T[]> }) =>
  db.query<{ t: number; h: number; e: number }>(
    `SELECT (SELECT count(*)::int FROM core.entity_tag) AS t, (SELECT count(*)::int FROM core.entity_tag_h) AS h,
            (SELECT count(*)::int FROM core.entity) AS e`,
  );

describe.each(ENGINES)("upsertEntities and readEntityDicts on %s", (engine) => {
  test("idempotent, refs resolved, custom tags, replicated", async () => {
    const secondary = await testDatabase(engine, "replica");
    const dbs = await testDatabases(engine, [secondary]);
    const { deps } = await testApp(engine, { dbs });
    const { org } = await seedOrg(deps, { key: "acme" });
    const entities: Array<{ id: string; tags: Record<string, HVal> }> = [
      { id: "s.site", tags: { dis: "HQ", site: MARKER, area: new HNum(1000, "ft²"), tz: "New_York" } },
      {
        id: "s.ahu1",
        tags: {
          dis: "AHU 1",
          equip: MARKER,
          ahu: MARKER,
          siteRef: new Ref("s.site"),
          maxAirFlow: new HNum(5000, "cfm"),
        },
      },
      {
        id: "s.ahu1.dat",
        tags: {
          dis: "AHU 1 Discharge Air Temp",
          point: MARKER,
          his: MARKER,
          discharge: MARKER,
          air: MARKER,
          temp: MARKER,
          sensor: MARKER,
          kind: "Number",
          unit: "°F",
          equipRef: new Ref("s.ahu1"),
          siteRef: new Ref("s.site"),
          weatherStationRef: new Ref("elsewhere"),
        },
      },
    ];
    const ids = await upsertEntities({ deps, actor: systemActor, orgId: org.id, entities });
    expect([...ids.keys()]).toEqual(["s.site", "s.ahu1", "s.ahu1.dat"]);
    const before = await counts(deps.dbs.primary);
    expect(before[0]!.e).toBe(3);
    const again = await upsertEntities({ deps, actor: systemActor, orgId: org.id, entities });
    expect(again).toEqual(ids);
    expect(await counts(deps.dbs.primary)).toEqual(before);

    const dicts = await readEntityDicts({ deps, actor: systemActor, orgId: org.id });
    expect(dicts.map((d) => d.entityId)).toEqual([...ids.values()]);
    const dat = dicts[2]!.dict;
    expect(dat.id).toEqual(new Ref("s.ahu1.dat", "AHU 1 Discharge Air Temp"));
    expect((dat.equipRef as Ref).dis).toBe("AHU 1");
    expect(dat.equipRef).toEqual(new Ref("s.ahu1", "AHU 1"));
    expect(dat.weatherStationRef).toEqual(new Ref("elsewhere"));
    expect(dicts[1]!.dict.maxAirFlow).toEqual(new HNum(5000, "cfm"));
    expect(dicts[0]!.dict.area).toEqual(new HNum(1000, "ft²"));
    const [ref] = await deps.dbs.primary.query<{ value_ref: number }>(
      `SELECT et.value_ref FROM core.entity_tag et JOIN core.tag_def d ON d.id = et.tag_id
        WHERE d.name = 'equipRef' AND et.entity_id = $1`,
      [ids.get("s.ahu1.dat")],
    );
    expect(ref!.value_ref).toBe(ids.get("s.ahu1")!);
    // maxAirFlow was defined in the custom library, with kind number.
    const [custom] = await deps.dbs.primary.query<{ lib: string; kind: string }>(
      `SELECT l.name AS lib, k.name AS kind FROM core.tag_def d
         JOIN core.tag_meta ml ON ml.tag_id = d.id AND ml.attribute = (SELECT id FROM core.tag_def WHERE name = 'lib')
         JOIN core.tag_def l ON l.id = ml.value
         JOIN core.tag_meta mk ON mk.tag_id = d.id AND mk.attribute = (SELECT id FROM core.tag_def WHERE name = 'is')
         JOIN core.tag_def k ON k.id = mk.value WHERE d.name = 'maxAirFlow'`,
    );
    expect(custom).toEqual({ lib: "custom", kind: "number" });

    // A change: one value differs and one tag is dropped; only those rows get history.
    const changed = [
      { id: "s.site", tags: { dis: "Headquarters", site: MARKER, area: new HNum(1000, "ft²") } },
      ...entities.slice(1),
    ];
    await upsertEntities({ deps, actor: systemActor, orgId: org.id, entities: changed });
    const after = await counts(deps.dbs.primary);
    expect(after[0]!.h).toBe(before[0]!.h + 2);

    await deps.replicator.deliver("replica");
    for (const sql of [
      "SELECT id, entity_id, tag_id, value_s, value_n, value_ref, value_kind, disabled_ts FROM core.entity_tag ORDER BY id",
      "SELECT id, modified, value_s, hs_id FROM core.entity_tag_h ORDER BY hs_id",
      "SELECT id, disabled_ts FROM core.entity ORDER BY id",
      "SELECT org_id, entity_id FROM core.org_entity_permission ORDER BY id",
      "SELECT id, name FROM core.tag_def ORDER BY id",
    ])
      expect(await secondary.query(sql)).toEqual(await deps.dbs.primary.query(sql));
  });

  test("an office-sized batch is fast and a second run writes nothing", async () => {
    const { deps } = await testApp(engine);
    const { org } = await seedOrg(deps, { key: "big" });
    const entities = Array.from({ length: 400 }, (_, i) => ({
      id: `b.p${i}`,
      tags: {
        dis: `Point ${i}`,
        point: MARKER,
        his: MARKER,
        cur: MARKER,
        zone: MARKER,
        air: MARKER,
        temp: MARKER,
        sensor: MARKER,
        kind: "Number",
        unit: "°F",
        tz: "New_York",
        equipRef: new Ref(`b.p${(i + 1) % 400}`),
      },
    }));
    let t = performance.now();
    await upsertEntities({ deps, actor: systemActor, orgId: org.id, entities });
    const first = performance.now() - t;
    const before = await counts(deps.dbs.primary);
    t = performance.now();
    await upsertEntities({ deps, actor: systemActor, orgId: org.id, entities });
    const second = performance.now() - t;
    expect(await counts(deps.dbs.primary)).toEqual(before);
    expect(before[0]!.t).toBe(400 * 13);
    // About 0.3 s on an idle 2-core machine (PostgreSQL); the bound only catches pathologies.
    expect(first).toBeLessThan(15_000);
    console.log(
      `${engine}: 400 entities x 13 tags: first ${first.toFixed(0)} ms, again ${second.toFixed(0)} ms`,
    );
  });

  test("bad input is refused", async () => {
    const { deps } = await testApp(engine);
    const { org, member } = await seedOrg(deps, { key: "bad" });
    await expect(
      upsertEntities({ deps, actor: systemActor, orgId: org.id, entities: [{ id: "a b", tags: {} }] }),
    ).rejects.toThrow("invalid entity id");
    await expect(
      upsertEntities({
        deps,
        actor: systemActor,
        orgId: org.id,
        entities: [
          { id: "a", tags: {} },
          { id: "a", tags: {} },
        ],
      }),
    ).rejects.toThrow("duplicate entity id");
    const { makeActor } = await import("../../src/access/actor.ts");
    const m = makeActor({
      kind: "user",
      userId: member.userId,
      email: null,
      appAdmin: false,
      roles: new Map([[org.id, "member" as const]]),
    });
    await expect(
      upsertEntities({ deps, actor: m, orgId: org.id, entities: [{ id: "a", tags: {} }] }),
    ).rejects.toThrow("not allowed");
  });
});
