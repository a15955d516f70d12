// Filters on the tags a Haystack record carries beside its stored rows: `curVal`/`curStatus` from
// the org's current values and `writeVal`/`writeLevel` from the effective write of a writable
// point's priority array (src/haystack-api/records.ts). The SQL answer (`filterEntityIds`, the one
// statement and the limited pages, both visibility arms) equals the in-memory evaluator run over
// the records as `read` loads them (`loadDicts` with the org, the actor and the same instant),
// property-tested over generated points (stored and current values, units, writes at several
// levels that expire before or after that instant, relinquished levels, refs between them) and
// generated filters; then through `/filter` and the Haystack read op. Seeded, on both engines.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type Actor, systemActor } from "../../src/access/actor.ts";
import { actorForUser } from "../../src/access/resolve.ts";
import { filterEntityIds } from "../../src/catalog/read.ts";
import type { Database } from "../../src/db/index.ts";
import { parseFilter } from "../../src/haystack/index.ts";
import { loadDicts } from "../../src/haystack-api/records.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { filterTextOf, matchingEntityIds } from "../haystack/filter-db.ts";

/** Explicit entity ids start here; disabled filler grants (for the limited pages' prefix) from FILLER. */
const BASE = 1_000_000;
const FILLER = 9_000_000;
const AT = new Date("2026-06-01T12:00:00Z");
const MINUTE = 60_000;

const unit = fc.constantFrom(undefined, "°F", "kW", "");
const current = fc.oneof(
  fc.record({ n: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ b: fc.boolean() }),
  fc.record({ s: fc.constantFrom("on", "off") }),
  fc.constant({}),
);
const write = fc.record({
  level: fc.integer({ min: 1, max: 17 }),
  val: fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(null, "°F", "kW")),
    fc.boolean(),
    fc.constantFrom("on", "off"),
  ),
  /** Minutes from `AT`: expired before it, in force at it, or until released. */
  expires: fc.constantFrom<number | null>(-1, 1, null),
  relinquished: fc.boolean(),
});
const entity = fc.record({
  gap: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 200, max: 3000 })),
  direct: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  point: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
  writable: fc.boolean(),
  unit,
  curVal: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  curStatus: fc.option(fc.constant("fault"), { nil: undefined }),
  writeVal: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  writeLevel: fc.option(fc.integer({ min: 1, max: 17 }), { nil: undefined }),
  current: fc.option(current, { nil: undefined }),
  writes: fc.array(write, { maxLength: 3 }),
  equipRef: fc.option(fc.nat(), { nil: undefined }),
});
const dataset = fc.array(entity, { minLength: 10, maxLength: 40 });

const COMPUTED = ["curVal", "curStatus", "writeVal", "writeLevel"];
const path = fc.oneof(
  fc.constantFrom(...COMPUTED, "point", "writable", "unit"),
  fc.constantFrom(...COMPUTED).map((t) => `equipRef->${t}`),
);
const number = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom("", "°F", "kW"))
  .map(([n, u]) => `${n}${u}`);
const literal = fc.oneof(number, fc.constantFrom("true", "false", '"on"', '"ok"', '"fault"', "1", "8", "16"));
const leaf = fc.oneof(
  path,
  path.map((p) => `not ${p}`),
  fc.tuple(path, fc.constantFrom("==", "!=", "<", ">="), literal).map(([p, o, l]) => `${p} ${o} ${l}`),
);
const filterText = filterTextOf(leaf);

type Entity = typeof entity extends fc.Arbitrary<infer T> ? T : never;

/** Replaces the generated entities with `data`; the ids of the org's and of the member's direct ones. */
async function insertDataset(db: Database, org: SeededOrg, data: Entity[], at: Date = AT): Promise<number[]> {
  const mine = `(SELECT id FROM core.entity WHERE id >= ${BASE} AND id < ${FILLER})`;
  await db.exec(`DELETE FROM core.entity_tag WHERE entity_id IN ${mine};
    DELETE FROM core.org_entity_permission WHERE entity_id IN ${mine};
    DELETE FROM core.user_entity_add_permission WHERE entity_id IN ${mine};
    DELETE FROM core.hs_point_write WHERE entity_id IN ${mine};
    DELETE FROM core."values_acme_current" WHERE entity_id IN ${mine};
    DELETE FROM core.entity WHERE id >= ${BASE} AND id < ${FILLER}`);
  const ids: number[] = [];
  let id = BASE;
  for (const e of data) {
    id += e.gap;
    ids.push(id);
  }
  // Refs point at the org's entities only (every actor here sees them).
  const orgIds = ids.filter((_, i) => !data[i]!.direct);
  const tags: Array<[number, string, string | null, number | null, number | null, string | null, string]> =
    [];
  data.forEach((e, i) => {
    const at = ids[i]!;
    const u = e.unit || null;
    tags.push([at, "id", `e${i}`, null, null, null, "Ref"]);
    if (e.point) tags.push([at, "point", null, null, null, null, "Marker"]);
    if (e.writable) tags.push([at, "writable", null, null, null, null, "Marker"]);
    if (e.unit !== undefined) tags.push([at, "unit", e.unit, null, null, null, "Str"]);
    if (e.curVal !== undefined) tags.push([at, "curVal", null, null, e.curVal, u, "Number"]);
    if (e.curStatus !== undefined) tags.push([at, "curStatus", e.curStatus, null, null, null, "Str"]);
    if (e.writeVal !== undefined) tags.push([at, "writeVal", null, null, e.writeVal, u, "Number"]);
    if (e.writeLevel !== undefined) tags.push([at, "writeLevel", null, null, e.writeLevel, null, "Number"]);
    if (e.equipRef !== undefined && orgIds.length > 0)
      tags.push([at, "equipRef", null, orgIds[e.equipRef % orgIds.length]!, null, null, "Ref"]);
  });
  await db.query("INSERT INTO core.entity (id) SELECT unnest($1::int4[])", [ids]);
  await db.query(
    `INSERT INTO core.entity_tag (entity_id, tag_id, value_s, value_ref, value_n, value_unit, value_kind)
     SELECT u.e, d.id, u.s, u.r, u.n, u.un, u.k
       FROM unnest($1::int4[], $2::text[], $3::text[], $4::int4[], $5::numeric[], $6::text[], $7::text[])
            u(e, name, s, r, n, un, k)
       JOIN core.tag_def d ON d.name = u.name`,
    [0, 1, 2, 3, 4, 5, 6].map((c) => tags.map((t) => t[c])),
  );
  await db.query(
    "INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1::int4, unnest($2::int4[])",
    [org.org.id, orgIds],
  );
  await db.query(
    "INSERT INTO core.user_entity_add_permission (user_id, entity_id) SELECT $1::int4, unnest($2::int4[])",
    [org.member.userId, ids.filter((_, i) => data[i]!.direct)],
  );
  for (const [i, e] of data.entries()) {
    const c = e.current;
    if (c)
      await db.query(
        `INSERT INTO core."values_acme_current" (entity_id, ts, value_n, value_b, value_s) VALUES ($1, now(), $2, $3, $4)`,
        [ids[i], "n" in c ? c.n : null, "b" in c ? c.b : null, "s" in c ? c.s : null],
      );
    const levels = new Set<number>();
    for (const w of e.writes) {
      if (levels.has(w.level)) continue;
      levels.add(w.level);
      const v = w.val;
      const kind = Array.isArray(v) ? "Number" : typeof v === "boolean" ? "Bool" : "Str";
      await db.query(
        `INSERT INTO core.hs_point_write (entity_id, level, value_kind, value_n, value_unit, value_b, value_s, who, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'test', $8::timestamptz)`,
        [
          ids[i],
          w.level,
          kind,
          Array.isArray(v) ? v[0] : null,
          Array.isArray(v) ? v[1] : null,
          typeof v === "boolean" ? v : null,
          typeof v === "string" ? v : null,
          w.expires === null ? null : new Date(at.getTime() + w.expires * MINUTE).toISOString(),
        ],
      );
      // Relinquished as pointWrite releases a level (its row is deleted): the next level takes over.
      if (w.relinquished)
        await db.query("DELETE FROM core.hs_point_write WHERE entity_id = $1 AND level = $2", [
          ids[i],
          w.level,
        ]);
    }
  }
  return ids;
}

describe.each(ENGINES)("filters on computed tags (%s)", (engine) => {
  let t: TestApp;
  let a: SeededOrg;
  let member: Actor;
  /** The services' clock: the wall clock unless a test sets it. */
  let clockAt: Date | undefined;
  const org = { id: 0, key: "acme", valueTable: "values_acme" };
  beforeAll(async () => {
    t = await testApp(engine, { clock: { now: () => clockAt ?? new Date() } });
    a = await seedOrg(t.deps, { key: "acme" });
    org.id = a.org.id;
    const db = t.deps.dbs.primary;
    await db.query(
      `INSERT INTO core.entity (id, disabled_ts) SELECT ${FILLER} + g, now() FROM generate_series(0, 2499) g`,
    );
    await db.query(
      `INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1::int4, ${FILLER} + g FROM generate_series(0, 2499) g`,
      [a.org.id],
    );
    member = (await actorForUser(db, a.member.userId))!;
  });
  afterAll(async () => {
    await t.dbs.primary.close();
  });

  test("the SQL answer equals the evaluator over the records as read answers them", async () => {
    const db = t.deps.dbs.primary;
    await fc.assert(
      fc.asyncProperty(
        dataset,
        fc.array(filterText, { minLength: 4, maxLength: 8 }),
        async (data, filters) => {
          const ids = await insertDataset(db, a, data);
          const cases: Array<[string, Actor, number[]]> = [
            ["system", systemActor, ids.filter((_, i) => !data[i]!.direct)],
            ["member", member, ids],
          ];
          for (const [who, actor, visible] of cases) {
            const records = await loadDicts(db, visible, org, actor, AT);
            for (const f of filters) {
              const want = matchingEntityIds(records, f);
              const ast = parseFilter(f);
              const got = await filterEntityIds(db, actor, org.id, ast, {}, AT);
              expect({ f, who, got }).toEqual({ f, who, got: want });
              for (const p of [
                { skip: 0, limit: 2 },
                { skip: 1, limit: 5 },
              ]) {
                const page = await filterEntityIds(db, actor, org.id, ast, p, AT);
                expect({ f, who, p, page }).toEqual({
                  f,
                  who,
                  p,
                  page: want.slice(p.skip, p.skip + p.limit),
                });
              }
            }
          }
        },
      ),
      { seed: 15, numRuns: engine === "pglite" ? 8 : 20 },
    );
  });

  test("/filter and the Haystack read op match curVal and writeVal as read answers them", async () => {
    const db = t.deps.dbs.primary;
    const e = (over: Partial<Entity>): Entity => ({
      gap: 1,
      direct: false,
      point: true,
      writable: false,
      unit: "°F",
      curVal: undefined,
      curStatus: undefined,
      writeVal: undefined,
      writeLevel: undefined,
      current: undefined,
      writes: [],
      equipRef: undefined,
      ...over,
    });
    // In minutes from now: the routes judge writes at the services' clock (the wall clock here).
    const w = (level: number, n: number, expires: number | null, relinquished = false) => ({
      level,
      val: [n, null] as [number, null],
      expires: expires === null ? null : expires * 60,
      relinquished,
    });
    const ids = await insertDataset(
      db,
      a,
      [
        e({ current: { n: 72 } }), // e0: curVal 72°F
        e({ current: { n: 72 }, curVal: 1 }), // e1: its own curVal tag wins
        e({ point: false, current: { n: 72 } }), // e2: not a point
        e({ writable: true, writes: [w(8, 60, null)] }), // e3: writeVal 60°F at level 8
        e({ writable: true, writes: [w(8, 60, -1), w(16, 40, null)] }), // e4: 8 expired, 16 gives 40
        e({ writable: true, writes: [w(1, 90, null, true), w(10, 55, 1)] }), // e5: 1 relinquished, 10 gives 55
        e({ writable: false, writes: [w(8, 99, null)] }), // e6: not writable
      ],
      new Date(),
    );
    const rest = async (filter: string) => {
      const res = await t.app.request("/filter", {
        method: "POST",
        headers: { ...bearer(a.member.token), "content-type": "application/json" },
        body: JSON.stringify({ filter, org_id: a.org.id, limit: 1000 }),
      });
      return ((await res.json()) as Array<{ entity_id: number }>).map((r) => r.entity_id);
    };
    const read = async (filter: string) => {
      const res = await t.app.request(`/api/acme/read?filter=${encodeURIComponent(filter)}`, {
        headers: { ...bearer(a.member.token), accept: "application/json" },
      });
      const body = (await res.json()) as { rows: Array<{ id: { val: string } }> };
      return body.rows.map((r) => r.id.val);
    };
    const named = (...n: number[]) => n.map((i) => `e${i}`);
    for (const [filter, want] of [
      ["curVal == 72°F", [0]],
      ["curVal", [0, 1]],
      ["point and not curVal", [3, 4, 5, 6]],
      ['curStatus == "ok"', [0]],
      ["writable and writeVal > 50°F", [3, 5]],
      ["writeLevel == 16", [4]],
      ["writeVal", [3, 4, 5]],
      ["not writeVal", [0, 1, 2, 6]],
    ] as const) {
      expect({ filter, got: await rest(filter) }).toEqual({ filter, got: want.map((i) => ids[i]!) });
      expect({ filter, got: await read(filter) }).toEqual({ filter, got: named(...want) });
    }
  });

  test("/filter and read judge write expiry at the services' clock, not the wall clock", async () => {
    // AT is months before the wall clock: a write that ends a minute after AT is in force at the
    // services' clock and long expired by the wall clock.
    clockAt = AT;
    try {
      const writes = (expires: number) => [
        { level: 8, val: [60, null] as [number, null], expires, relinquished: false },
      ];
      const point = { gap: 1, direct: false, point: true, writable: true, unit: "°F" as const };
      const none = { curVal: undefined, curStatus: undefined, writeVal: undefined, writeLevel: undefined };
      const ids = await insertDataset(t.deps.dbs.primary, a, [
        { ...point, ...none, current: undefined, writes: writes(1), equipRef: undefined }, // e0: in force at AT
        { ...point, ...none, current: undefined, writes: writes(-1), equipRef: undefined }, // e1: expired at AT
      ]);
      const res = await t.app.request("/filter", {
        method: "POST",
        headers: { ...bearer(a.member.token), "content-type": "application/json" },
        body: JSON.stringify({ filter: "writeVal == 60°F", org_id: a.org.id, limit: 1000 }),
      });
      expect(((await res.json()) as Array<{ entity_id: number }>).map((r) => r.entity_id)).toEqual([ids[0]!]);
      const hs = await t.app.request(`/api/acme/read?filter=${encodeURIComponent("writeVal == 60°F")}`, {
        headers: { ...bearer(a.member.token), accept: "application/json" },
      });
      const rows = ((await hs.json()) as { rows: Array<{ id: { val: string }; writeVal?: unknown }> }).rows;
      expect(rows.map((r) => r.id.val)).toEqual(["e0"]);
    } finally {
      clockAt = undefined;
    }
  });
});
