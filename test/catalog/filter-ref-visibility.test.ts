// A filter path `a->b` follows a Ref only to an entity the caller may read: the SQL answer
// (`filterEntityIds`, the one statement and the limited pages' prefix, both visibility arms) equals
// the in-memory evaluator run over only the records the caller can read (`loadDicts` of the visible
// entities, refs resolved among them), property-tested over generated entities whose refs (stored
// as `value_ref`, as an id string, in a List, in a Dict) point at entities of the org, of another
// org, granted to the member directly, revoked for the member, disabled or granted to no one, and
// over generated multi-hop filters; for a member, an org admin, and the system (which follows every
// Ref). Then an attacker's probe through `/filter` and the Haystack read op. Seeded, on both engines.
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

const MARKERS = ["site", "equip", "point", "secret"];
const REFS = ["siteRef", "equipRef"];
/** Explicit entity ids start here; disabled filler grants (for the limited pages' prefix) from FILLER. */
const BASE = 1_000_000;
const FILLER = 9_000_000;

const owner = fc.constantFrom("org", "org", "org", "other", "direct", "none");
/** How a ref is stored: `value_ref`, an id string, a List of refs, a Ref inside Dict `meta`. */
const form = fc.constantFrom("ref", "ref", "ref", "str", "list", "dict");
const entity = fc.record({
  gap: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 200, max: 3000 })),
  owner,
  revoked: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  disabled: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
  markers: fc.subarray(MARKERS),
  dis: fc.option(fc.constantFrom<string>("x", "y"), { nil: undefined }),
  refs: fc
    .subarray(REFS)
    .chain((names) => fc.tuple(...names.map((n) => fc.tuple(fc.constant(n), fc.nat(), form, fc.nat())))),
});
const dataset = fc.array(entity, { minLength: 8, maxLength: 30 });

const path = fc
  .tuple(
    fc.oneof(
      fc.array(fc.constantFrom(...REFS), { minLength: 1, maxLength: 2 }),
      fc.constantFrom(["meta", "siteRef"], ["meta", "siteRef", "equipRef"]),
    ),
    fc.constantFrom(...MARKERS, "dis", "id"),
  )
  .map(([steps, last]) => [...steps, last].join("->"));
const leaf = fc.oneof(
  path,
  path.map((p) => `not ${p}`),
  fc
    .tuple(
      fc.constantFrom("dis", "siteRef->dis", "equipRef->siteRef->dis", "meta->siteRef->dis"),
      fc.constantFrom("x", "y"),
    )
    .map(([p, s]) => `${p} == "${s}"`),
  fc.tuple(fc.constantFrom("siteRef", "equipRef->siteRef"), fc.nat(12)).map(([p, n]) => `${p} == @e${n}`),
  fc.constantFrom(...MARKERS),
);
const filterText = filterTextOf(leaf);

type Entity = typeof entity extends fc.Arbitrary<infer T> ? T : never;

/** Replaces the generated entities with `data`; their ids. */
async function insertDataset(db: Database, a: SeededOrg, b: SeededOrg, data: Entity[]): Promise<number[]> {
  const mine = `(SELECT id FROM core.entity WHERE id >= ${BASE} AND id < ${FILLER})`;
  await db.exec(`DELETE FROM core.entity_tag WHERE entity_id IN ${mine};
    DELETE FROM core.org_entity_permission WHERE entity_id IN ${mine};
    DELETE FROM core.user_entity_add_permission WHERE entity_id IN ${mine};
    DELETE FROM core.user_entity_rev_permission WHERE entity_id IN ${mine};
    DELETE FROM core.entity WHERE id >= ${BASE} AND id < ${FILLER}`);
  const ids: number[] = [];
  let id = BASE;
  for (const e of data) {
    id += e.gap;
    ids.push(id);
  }
  type Row = [number, string, string | null, number | null, string[] | null, string | null, string];
  const tags: Row[] = [];
  data.forEach((e, i) => {
    const at = ids[i]!;
    tags.push([at, "id", `e${i}`, null, null, null, "Ref"]);
    for (const m of e.markers) tags.push([at, m, null, null, null, null, "Marker"]);
    if (e.dis !== undefined) tags.push([at, "dis", e.dis, null, null, null, "Str"]);
    const meta: Record<string, unknown> = {};
    for (const [name, n, how, m] of e.refs) {
      const k = n % ids.length;
      const other = m % ids.length;
      if (how === "ref") tags.push([at, name, null, ids[k]!, null, null, "Ref"]);
      else if (how === "str") tags.push([at, name, `e${k}`, null, null, null, "Ref"]);
      else if (how === "list") tags.push([at, name, null, null, [`@e${k}`, `@e${other}`], null, "List"]);
      else meta[name] = { _kind: "ref", val: `e${k}` };
    }
    if (Object.keys(meta).length > 0) tags.push([at, "meta", null, null, null, JSON.stringify(meta), "Dict"]);
  });
  await db.query(
    `INSERT INTO core.entity (id, disabled_ts)
     SELECT id, CASE WHEN id = ANY($2::int4[]) THEN now() END FROM unnest($1::int4[]) u(id)`,
    [ids, ids.filter((_, i) => data[i]!.disabled)],
  );
  await db.query(
    `INSERT INTO core.entity_tag (entity_id, tag_id, value_s, value_ref, value_list, value_dict, value_kind)
     SELECT u.e, d.id, u.s, u.r, CASE WHEN u.l IS NOT NULL THEN string_to_array(u.l, ',') END, u.j::jsonb, u.k
       FROM unnest($1::int4[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[], $7::text[])
            u(e, name, s, r, l, j, k)
       JOIN core.tag_def d ON d.name = u.name`,
    [
      tags.map((t) => t[0]),
      tags.map((t) => t[1]),
      tags.map((t) => t[2]),
      tags.map((t) => t[3]),
      tags.map((t) => (t[4] ? t[4].join(",") : null)),
      tags.map((t) => t[5]),
      tags.map((t) => t[6]),
    ],
  );
  const where = (o: Entity["owner"]) => ids.filter((_, i) => data[i]!.owner === o);
  const grant = (orgId: number, entityIds: number[]) =>
    db.query(
      "INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1::int4, unnest($2::int4[])",
      [orgId, entityIds],
    );
  await grant(a.org.id, where("org"));
  await grant(b.org.id, where("other"));
  await db.query(
    "INSERT INTO core.user_entity_add_permission (user_id, entity_id) SELECT $1::int4, unnest($2::int4[])",
    [a.member.userId, where("direct")],
  );
  await db.query(
    "INSERT INTO core.user_entity_rev_permission (user_id, entity_id) SELECT $1::int4, unnest($2::int4[])",
    [a.member.userId, ids.filter((_, i) => data[i]!.revoked)],
  );
  return ids;
}

describe.each(ENGINES)("filter paths through refs to invisible entities (%s)", (engine) => {
  let t: TestApp;
  let a: SeededOrg;
  let b: SeededOrg;
  let member: Actor;
  let admin: Actor;
  const org = { id: 0, key: "acme", valueTable: "values_acme" };
  beforeAll(async () => {
    t = await testApp(engine);
    a = await seedOrg(t.deps, { key: "acme" });
    b = await seedOrg(t.deps, { key: "beta" });
    org.id = a.org.id;
    const db = t.deps.dbs.primary;
    await db.query(
      `INSERT INTO core.entity (id, disabled_ts) SELECT ${FILLER} + g, now() FROM generate_series(0, 2499) g`,
    );
    await db.query(
      `INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1::int4, ${FILLER} + g FROM generate_series(0, 2499) g`,
      [a.org.id],
    );
    // The test's own tags in a library of the org's (as `site`), so every caller may read them.
    for (const name of [...MARKERS, ...REFS, "id", "dis", "meta"])
      await db.query("INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [name]);
    await db.query(
      `INSERT INTO core.tag_meta (tag_id, attribute, value)
       SELECT n.id, m.attribute, m.value FROM core.tag_meta m
         JOIN core.tag_def s ON s.id = m.tag_id AND s.name = 'site'
         JOIN core.tag_def l ON l.id = m.attribute AND l.name = 'lib'
         JOIN core.tag_def n ON n.name IN ('secret', 'meta')
        WHERE m.disabled_ts IS NULL`,
    );
    member = (await actorForUser(db, a.member.userId))!;
    admin = (await actorForUser(db, a.admin.userId))!;
  });
  afterAll(async () => {
    await t.dbs.primary.close();
  });

  test("the SQL answer equals the evaluator over only the records the caller can read", async () => {
    const db = t.deps.dbs.primary;
    await fc.assert(
      fc.asyncProperty(
        dataset,
        fc.array(filterText, { minLength: 3, maxLength: 6 }),
        async (data, filters) => {
          const ids = await insertDataset(db, a, b, data);
          const live = (i: number) => !data[i]!.disabled;
          const cases: Array<[string, Actor, number[], number[]]> = [
            [
              "member",
              member,
              ids.filter(
                (_, i) => live(i) && !data[i]!.revoked && ["org", "direct"].includes(data[i]!.owner),
              ),
              [],
            ],
            ["admin", admin, ids.filter((_, i) => live(i) && data[i]!.owner === "org"), []],
            // The system follows every Ref (whatever its target's grants or state).
            ["system", systemActor, ids.filter((_, i) => live(i) && data[i]!.owner === "org"), ids],
          ];
          for (const [who, actor, visible, reachable] of cases) {
            const roots = await loadDicts(db, visible, org, actor);
            const reach = reachable.length > 0 ? await loadDicts(db, reachable, org, actor) : roots;
            for (const f of filters) {
              const want = matchingEntityIds(roots, f, reach);
              const ast = parseFilter(f);
              const got = await filterEntityIds(db, actor, org.id, ast, {});
              expect({ f, who, got }).toEqual({ f, who, got: want });
              const p = { skip: 1, limit: 3 };
              const page = await filterEntityIds(db, actor, org.id, ast, p);
              expect({ f, who, p, page }).toEqual({ f, who, p, page: want.slice(1, 4) });
            }
          }
        },
      ),
      { seed: 15, numRuns: engine === "pglite" ? 4 : 10 },
    );
  });

  test("a member probing refs to hidden entities through /filter and read learns nothing", async () => {
    const db = t.deps.dbs.primary;
    const e = (over: Partial<Entity>): Entity => ({
      gap: 1,
      owner: "org",
      revoked: false,
      disabled: false,
      markers: [],
      dis: undefined,
      refs: [],
      ...over,
    });
    const ids = await insertDataset(db, a, b, [
      e({ markers: ["point"], refs: [["equipRef", 3, "ref", 0]] }), // e0 → e3 (another org's)
      e({ markers: ["point"], refs: [["equipRef", 4, "str", 0]] }), // e1 → e4 (revoked for the member)
      e({ markers: ["point"], refs: [["equipRef", 5, "list", 5]] }), // e2 → e5 (the org's)
      e({ owner: "other", markers: ["equip", "secret"], dis: "x", refs: [["siteRef", 6, "ref", 0]] }), // e3
      e({ revoked: true, markers: ["equip", "secret"], dis: "x", refs: [["siteRef", 6, "ref", 0]] }), // e4
      e({ markers: ["equip"], dis: "y", refs: [["siteRef", 7, "ref", 0]] }), // e5
      e({ owner: "none", markers: ["site"], dis: "hidden" }), // e6
      e({ markers: ["site"], dis: "shown" }), // e7
    ]);
    const rest = async (filter: string) => {
      const res = await t.app.request("/filter", {
        method: "POST",
        headers: { ...bearer(a.member.token), "content-type": "application/json" },
        body: JSON.stringify({ filter, org_id: a.org.id, limit: 1000 }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as Array<{ entity_id: number }>).map((r) => r.entity_id);
    };
    const read = async (filter: string) => {
      const res = await t.app.request(`/api/acme/read?filter=${encodeURIComponent(filter)}`, {
        headers: { ...bearer(a.member.token), accept: "application/json" },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { rows: Array<{ id: { val: string } }> };
      return body.rows.map((r) => r.id.val);
    };
    for (const [filter, want] of [
      ["point and equipRef->secret", []],
      ["point and not equipRef->secret", [0, 1, 2]],
      ["equipRef->equip", [2]],
      ['equipRef->dis == "x"', []],
      ['equipRef->siteRef->dis == "hidden"', []],
      ['equipRef->siteRef->dis == "shown"', [2]],
      ["equipRef->siteRef", [2]],
      ["not equipRef->id", [0, 1, 5, 7]],
      // The ref's own value is the record's: it still compares, whoever may read its target.
      ["equipRef == @e3", [0]],
    ] as const) {
      const got = { filter, rest: await rest(filter), read: await read(filter) };
      expect(got).toEqual({ filter, rest: want.map((i) => ids[i]!), read: want.map((i) => `e${i}`) });
    }
    // The org admin does not see e3 (another org's) but does see e4 (revoked for the member only).
    const res = await t.app.request("/filter", {
      method: "POST",
      headers: { ...bearer(a.admin.token), "content-type": "application/json" },
      body: JSON.stringify({ filter: "point and equipRef->secret", org_id: a.org.id, limit: 1000 }),
    });
    expect(((await res.json()) as Array<{ entity_id: number }>).map((r) => r.entity_id)).toEqual([ids[1]!]);
  });
});
