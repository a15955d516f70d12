// A limited filter (`filterEntityIds` in src/catalog/read.ts: a prefix of the candidates first,
// the one statement when the prefix is short) answers exactly the unlimited answer's rows
// `skip … skip + limit`, in the same order, and the same as the one statement with OFFSET/LIMIT:
// property-tested over generated filters and pages (some the prefix holds, some it cannot) on
// generated entities with sparse ids (gaps of thousands) and dense runs (the org made big enough
// for the prefix by 2,500 disabled grants after them), with the visibility
// rule's every case (two orgs, direct grants, revocations, disabled entities), for a member, an
// org admin and the system; then through `/filter` and the Haystack read op. Seeded, on both
// engines.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type Actor, systemActor } from "../../src/access/actor.ts";
import { actorForUser } from "../../src/access/resolve.ts";
import { filterEntityIds, filterEntityIdsQuery } from "../../src/catalog/read.ts";
import type { Database } from "../../src/db/index.ts";
import { parseFilter } from "../../src/haystack/index.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { filterTextOf } from "../haystack/filter-db.ts";

const MARKERS = ["site", "equip", "point", "ahu"];
const REFS = ["siteRef", "equipRef"];
/** Explicit entity ids start here, above anything the serial sequence has handed out. */
const BASE = 1_000_000;
/**
 * Disabled entities granted to the org from here (never matched): the org is big enough for the
 * prefix (`PREFIX_MIN_GRANTS`), whose end falls among the generated entities or after them.
 */
const FILLER = 9_000_000;

/** Where an entity belongs: the org, the other org, a direct grant of the member, none. */
const owner = fc.constantFrom("org", "org", "org", "org", "other", "direct", "none");
const entity = fc.record({
  gap: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 200, max: 4000 })),
  owner,
  revoked: fc.boolean(),
  disabled: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  markers: fc.subarray(MARKERS),
  curVal: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  dis: fc.option(fc.constantFrom("x", "y"), { nil: undefined }),
  refs: fc.subarray(REFS).chain((names) => fc.tuple(...names.map((n) => fc.tuple(fc.constant(n), fc.nat())))),
});
const dataset = fc.array(entity, { minLength: 20, maxLength: 70 });

const path = fc
  .tuple(fc.array(fc.constantFrom(...REFS), { maxLength: 2 }), fc.constantFrom(...MARKERS, "curVal", "dis"))
  .map(([steps, last]) => [...steps, last].join("->"));
const leaf = fc.oneof(
  path,
  path.map((p) => `not ${p}`),
  fc
    .tuple(fc.constantFrom("curVal", "equipRef->curVal"), fc.constantFrom("==", "<", ">="), fc.nat(5))
    .map(([p, o, n]) => `${p} ${o} ${n}`),
  fc
    .tuple(fc.constantFrom("dis", "siteRef->dis", "equipRef->siteRef->dis"), fc.constantFrom("x", "y"))
    .map(([p, s]) => `${p} == "${s}"`),
);
const filterText = filterTextOf(leaf);
const page = fc.record({
  skip: fc.oneof(fc.constant(0), fc.nat(40)),
  limit: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 30 })),
});

type Entity = typeof entity extends fc.Arbitrary<infer T> ? T : never;

/** Replaces the generated entities (ids from BASE) with `data`. */
async function insertDataset(db: Database, a: SeededOrg, b: SeededOrg, data: Entity[]): Promise<void> {
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
  const tags: Array<[number, string, string | null, number | null, number | null, string]> = [];
  data.forEach((e, i) => {
    const at = ids[i]!;
    tags.push([at, "id", `e${i}`, null, null, "Ref"]);
    for (const m of e.markers) tags.push([at, m, null, null, null, "Marker"]);
    if (e.curVal !== undefined) tags.push([at, "curVal", null, null, e.curVal, "Number"]);
    if (e.dis !== undefined) tags.push([at, "dis", e.dis, null, null, "Str"]);
    // A ref to an entity of the dataset (any, visible or not).
    for (const [name, n] of e.refs) tags.push([at, name, null, ids[n % ids.length]!, null, "Ref"]);
  });
  await db.query(
    `INSERT INTO core.entity (id, disabled_ts)
     SELECT id, CASE WHEN id = ANY($2::int4[]) THEN now() END FROM unnest($1::int4[]) u(id)`,
    [ids, ids.filter((_, i) => data[i]!.disabled)],
  );
  for (const name of [...MARKERS, ...REFS, "id", "curVal", "dis"])
    await db.query("INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [name]);
  await db.query(
    `INSERT INTO core.entity_tag (entity_id, tag_id, value_s, value_ref, value_n, value_kind)
     SELECT u.e, d.id, u.s, u.r, u.n, u.k
       FROM unnest($1::int4[], $2::text[], $3::text[], $4::int4[], $5::numeric[], $6::text[]) u(e, name, s, r, n, k)
       JOIN core.tag_def d ON d.name = u.name`,
    [0, 1, 2, 3, 4, 5].map((c) => tags.map((t) => t[c])),
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
}

describe.each(ENGINES)("limited filters on %s", (engine) => {
  let t: TestApp;
  let a: SeededOrg;
  let b: SeededOrg;
  let actors: Array<[string, Actor]>;
  beforeAll(async () => {
    t = await testApp(engine);
    a = await seedOrg(t.deps, { key: "acme" });
    b = await seedOrg(t.deps, { key: "beta" });
    const db = t.deps.dbs.primary;
    await db.query(
      `INSERT INTO core.entity (id, disabled_ts) SELECT ${FILLER} + g, now() FROM generate_series(0, 2499) g`,
    );
    await db.query(
      `INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1::int4, ${FILLER} + g FROM generate_series(0, 2499) g`,
      [a.org.id],
    );
    actors = [
      ["member", (await actorForUser(db, a.member.userId))!],
      ["admin", (await actorForUser(db, a.admin.userId))!],
      ["system", systemActor],
    ];
  });
  afterAll(async () => {
    await t.dbs.primary.close();
  });

  test("every page is the unlimited answer's slice, as the one statement answers it", async () => {
    const db = t.deps.dbs.primary;
    await fc.assert(
      fc.asyncProperty(
        dataset,
        fc.array(fc.tuple(filterText, fc.array(page, { minLength: 1, maxLength: 4 })), {
          minLength: 2,
          maxLength: 4,
        }),
        async (data, cases) => {
          await insertDataset(db, a, b, data);
          for (const [f, pages] of cases) {
            const ast = parseFilter(f);
            for (const [who, actor] of actors) {
              const all = await filterEntityIds(db, actor, a.org.id, ast, {});
              for (const p of [...pages, { skip: 0, limit: all.length + 1 }]) {
                const q = await filterEntityIdsQuery(db, actor, a.org.id, ast, p);
                const one = (await db.query<{ id: number }>(q.text, q.params)).map((r) => r.id);
                const got = await filterEntityIds(db, actor, a.org.id, ast, p);
                const want = all.slice(p.skip, p.skip + p.limit);
                expect({ f, who, p, got, one }).toEqual({ f, who, p, got: want, one: want });
              }
            }
          }
        },
      ),
      { seed: 15, numRuns: engine === "pglite" ? 3 : 6 },
    );
  });

  test("/filter and the Haystack read op answer the limited pages of the unlimited answer", async () => {
    const db = t.deps.dbs.primary;
    const data: Entity[] = Array.from({ length: 60 }, (_, i) => ({
      gap: i % 3 === 0 ? 2500 : 1,
      owner: i % 7 === 3 ? "other" : "org",
      revoked: false,
      disabled: i % 11 === 5,
      markers: i % 4 === 0 ? ["equip"] : ["point"],
      curVal: i % 5,
      dis: undefined,
      refs: i % 4 === 0 ? [] : [["equipRef", i - (i % 4)]],
    }));
    await insertDataset(db, a, b, data);
    const filter = "point and equipRef->equip and curVal >= 2";
    const all = await filterEntityIds(db, actors[0]![1], a.org.id, parseFilter(filter), {});
    expect(all.length).toBeGreaterThan(12);
    const rest = async (skip: number, limit: number) => {
      const res = await t.app.request("/filter", {
        method: "POST",
        headers: { ...bearer(a.member.token), "content-type": "application/json" },
        body: JSON.stringify({ filter, org_id: a.org.id, skip, limit }),
      });
      return [res.status, ((await res.json()) as Array<{ entity_id: number }>).map((r) => r.entity_id)];
    };
    for (const [skip, limit] of [
      [0, 1],
      [0, 5],
      [3, 4],
      [10, 100],
    ] as const)
      expect(await rest(skip, limit)).toEqual([200, all.slice(skip, skip + limit)]);
    const read = async (limit: number) => {
      const res = await t.app.request(`/api/acme/read?filter=${encodeURIComponent(filter)}&limit=${limit}`, {
        headers: { ...bearer(a.member.token), accept: "application/json" },
      });
      const body = (await res.json()) as {
        meta: Record<string, unknown>;
        rows: Array<{ id: { val: string } }>;
      };
      return [res.status, body.meta, body.rows.map((r) => r.id.val)];
    };
    const byId = await db.query<{ entity_id: number; value_s: string }>(
      `SELECT et.entity_id, et.value_s FROM core.entity_tag et JOIN core.tag_def d ON d.id = et.tag_id
        WHERE d.name = 'id' AND et.entity_id = ANY($1::int4[])`,
      [all],
    );
    const ref = new Map(byId.map((r) => [r.entity_id, r.value_s]));
    const [, unlimitedMeta] = await read(100_000);
    for (const limit of [1, 7, all.length, all.length + 3]) {
      const [status, meta, rows] = await read(limit);
      expect([status, meta, rows]).toEqual([
        200,
        unlimitedMeta,
        all.slice(0, limit).map((id) => ref.get(id) ?? `#${id}`),
      ]);
    }
  });
});
