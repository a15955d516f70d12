// `read` by filter is loaded and encoded page by page, its columns from one SQL pass first. The
// text must be the one the whole grid of all the dicts is written as (columns in the order
// `Grid.fromRows` gives them: first appearance, row by row, in tag row order; `id` at its tag's
// place or after the first dict's tags; `curVal`/`curStatus` from current values after the first
// point that gets them, `writeVal`/`writeLevel` from the priority array after those of the first
// writable point that gets them), for generated entities (fast-check, seeded), for a user whose library
// grant is revoked (its tags hidden) and whose entity grant is revoked, and however the pages are
// cut. Over a socket, a large org's read answers its first bytes before its last records are
// loaded: a change made after the first chunk arrived is in the rows that follow.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { Actor } from "../../src/access/actor.ts";
import { actorForUser } from "../../src/access/resolve.ts";
import { filterEntityIds, parseFilterOrThrow } from "../../src/catalog/read.ts";
import { type Ref, readZincGrid, writeJson, writeZincGrid } from "../../src/haystack/index.ts";
import { streamDicts } from "../../src/haystack-api/ops.ts";
import { type HaystackOrg, loadDicts } from "../../src/haystack-api/records.ts";
import { gridOf } from "../../src/haystack-api/watch.ts";
import type { GridStream } from "../../src/haystack-api/wire.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { appAdmin, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { insertEntities } from "./fixture.ts";

const joined = async (s: GridStream, format: "zinc" | "json") => {
  let text = "";
  for await (const piece of s.encode(format)) text += piece;
  return text;
};

/**
 * One generated entity: tags in a generated order; `id` may be left out, current value and
 * priority-array levels (some expired) may be set.
 */
interface GenEntity {
  tags: [string, string][];
  noId: boolean;
  cur: number | null;
  writes: { level: number; val: number; expired: boolean }[];
}

const TAG_POOL: [string, fc.Arbitrary<string>][] = [
  ["dis", fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s))],
  ["site", fc.constant("M")],
  ["equip", fc.constant("M")],
  ["point", fc.constant("M")],
  ["his", fc.constant("M")],
  ["curVal", fc.integer({ min: -5, max: 5 }).map(String)],
  ["curStatus", fc.constant('"ok"')],
  ["unit", fc.constantFrom('"kW"', '"°F"')],
  ["area", fc.integer({ min: 1, max: 900 }).map((n) => `${n}ft²`)],
  ["secretNote", fc.constantFrom('"a"', '"b"')],
  ["navName", fc.constantFrom('"x"', '"y z"')],
  ["siteRef", fc.constant("@REF")],
  ["writable", fc.constant("M")],
  ["writeVal", fc.integer({ min: -5, max: 5 }).map(String)],
  ["writeLevel", fc.integer({ min: 1, max: 17 }).map(String)],
];

const entityArb: fc.Arbitrary<GenEntity> = fc.record({
  tags: fc
    .shuffledSubarray(TAG_POOL, { minLength: 0, maxLength: TAG_POOL.length })
    .chain((picked) =>
      fc.tuple(...picked.map(([name, v]) => v.map((text): [string, string] => [name, text]))),
    ),
  noId: fc.boolean(),
  cur: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null }),
  writes: fc.uniqueArray(
    fc.record({
      level: fc.integer({ min: 1, max: 17 }),
      val: fc.integer({ min: 50, max: 80 }),
      expired: fc.boolean(),
    }),
    { selector: (w) => w.level, maxLength: 3 },
  ),
});

describe.each(ENGINES)("read streamed page by page (%s)", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let org: HaystackOrg;
  let actors: Record<string, Actor>;
  let server: ReturnType<typeof Bun.serve>;
  let run = 0;

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme" });
    org = { id: acme.org.id, key: "acme", valueTable: "values_acme" };
    const db = t.dbs.primary;
    // secretNote belongs to the `custom` library (every org has it); `restricted` has it revoked.
    await db.query("INSERT INTO core.tag_def (name) VALUES ('secretNote') ON CONFLICT (name) DO NOTHING");
    await db.query(
      `INSERT INTO core.tag_meta (tag_id, attribute, value)
       SELECT s.id, l.id, c.id FROM core.tag_def s, core.tag_def l, core.tag_def c
        WHERE s.name = 'secretNote' AND l.name = 'lib' AND c.name = 'custom'`,
    );
    const restricted = await seedOrg(t.deps, { key: "other" });
    await db.query("INSERT INTO core.org_user (org_id, user_id) VALUES ($1, $2)", [
      acme.org.id,
      restricted.member.userId,
    ]);
    await db.query(
      "INSERT INTO core.user_tag_rev_permission (user_id, tag_id) SELECT $1, id FROM core.tag_def WHERE name = 'custom'",
      [restricted.member.userId],
    );
    const admin = await appAdmin(t.deps);
    actors = {
      member: (await actorForUser(db, acme.member.userId))!,
      restricted: (await actorForUser(db, restricted.member.userId))!,
      admin: (await actorForUser(db, admin.userId))!,
    };
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch, idleTimeout: 30 });
  });

  afterAll(async () => {
    await server?.stop(true);
  });

  /** The old answer: every dict loaded, the grid written whole. */
  const whole = async (ids: number[], actor: Actor, format: "zinc" | "json") => {
    const dicts = await loadDicts(t.dbs.primary, ids, org, actor);
    const g = gridOf(ids.map((id) => dicts.get(id) ?? {}));
    return format === "zinc" ? writeZincGrid(g) : writeJson(g);
  };

  /** Writes the generated entities as this run's (the earlier runs' are disabled). */
  const write = async (gen: GenEntity[]): Promise<string> => {
    const db = t.dbs.primary;
    run++;
    await db.query("UPDATE core.entity SET disabled_ts = now() WHERE disabled_ts IS NULL");
    const zinc = gen.map((g, i) => {
      const tags = g.tags.map(([n, v]) => (v === "M" ? n : `${n}:${v === "@REF" ? `@r${run}e0` : v}`));
      return `{id:@r${run}e${i} ${tags.join(" ")}}`;
    });
    const ids = await insertEntities(db, acme.org.id, zinc);
    for (const [i, g] of gen.entries()) {
      const entityId = ids.get(`r${run}e${i}`)!;
      if (g.noId)
        await db.query(
          "DELETE FROM core.entity_tag WHERE entity_id = $1 AND tag_id = (SELECT id FROM core.tag_def WHERE name = 'id')",
          [entityId],
        );
      if (g.cur !== null)
        await db.query(
          `INSERT INTO core."values_acme_current" (entity_id, ts, value_n) VALUES ($1, now()::timestamp, $2)`,
          [entityId, g.cur],
        );
      for (const w of g.writes)
        await db.query(
          `INSERT INTO core.hs_point_write (entity_id, level, value_kind, value_n, who, expires_at)
           VALUES ($1, $2, 'Number', $3, 'gen', CASE WHEN $4::bool THEN now() - interval '1 hour' END)`,
          [entityId, w.level, w.val, w.expired],
        );
    }
    // A user's revoked entity: the second one, when there is one.
    const second = ids.get(`r${run}e1`);
    if (second !== undefined)
      await db.query("INSERT INTO core.user_entity_rev_permission (user_id, entity_id) VALUES ($1, $2)", [
        actors.restricted!.userId,
        second,
      ]);
    return `r${run}e0 or not r${run}e0`;
  };

  test("generated entities: the streamed text is the whole grid's, for each actor, format and page size", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entityArb, { minLength: 0, maxLength: 9 }), async (gen) => {
        await write(gen);
        for (const [who, actor] of Object.entries(actors)) {
          const ids = await filterEntityIds(
            t.dbs.primary,
            actor,
            org.id,
            parseFilterOrThrow("id or not id"),
            {
              limit: 100,
            },
          );
          for (const format of ["zinc", "json"] as const) {
            const expected = await whole(ids, actor, format);
            for (const pageRows of [1, 2, 1000]) {
              const text = await joined(await streamDicts(t.dbs.primary, ids, org, actor, pageRows), format);
              if (text !== expected)
                throw new Error(`${who} ${format} pages of ${pageRows}:\n${text}\n≠\n${expected}`);
            }
          }
        }
      }),
      { seed: 1515, numRuns: engine === "pglite" ? 12 : 20 },
    );
  });

  test("columns: the first point given a current value comes late, behind ones that get none", async () => {
    // Entities that get no `curVal` column of their own (no tags at all, a point with a `curVal`
    // tag, a point without a current value, a current value on a non-point, a writable point with
    // a `writeVal` tag) before the few that do, so that the column pass looks through several
    // slices of ids (slices of the page size, doubling) before it finds them.
    const one = (tags: [string, string][], cur: number | null, writes: GenEntity["writes"] = []) => ({
      tags,
      noId: false,
      cur,
      writes,
    });
    const kindArb: fc.Arbitrary<GenEntity> = fc.oneof(
      fc.constant({ ...one([], null), noId: true }),
      fc.constant(one([], 3)),
      fc.constant(
        one(
          [
            ["point", "M"],
            ["curVal", "4"],
            ["siteRef", "@REF"],
          ],
          5,
        ),
      ),
      fc.constant(
        one(
          [
            ["point", "M"],
            ["dis", '"p"'],
          ],
          null,
        ),
      ),
      fc.constant(
        one(
          [
            ["dis", '"eq"'],
            ["equip", "M"],
            ["siteRef", "@REF"],
          ],
          6,
        ),
      ),
      fc.constant(
        one(
          [
            ["point", "M"],
            ["writable", "M"],
            ["writeVal", "1"],
          ],
          null,
          [{ level: 8, val: 60, expired: false }],
        ),
      ),
      fc.constant(
        one(
          [
            ["point", "M"],
            ["writable", "M"],
          ],
          null,
          [{ level: 9, val: 61, expired: true }],
        ),
      ),
    );
    const lateArb: fc.Arbitrary<GenEntity> = fc.constantFrom(
      one(
        [
          ["unit", '"kW"'],
          ["point", "M"],
        ],
        42,
      ),
      one(
        [
          ["point", "M"],
          ["writable", "M"],
          ["unit", '"°F"'],
        ],
        7,
        [{ level: 10, val: 70, expired: false }],
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(kindArb, { minLength: 0, maxLength: 20 }),
        fc.array(fc.oneof(lateArb, kindArb), { minLength: 0, maxLength: 4 }),
        async (early, late) => {
          await write([...early, ...late]);
          for (const [who, actor] of Object.entries(actors)) {
            const ids = await filterEntityIds(
              t.dbs.primary,
              actor,
              org.id,
              parseFilterOrThrow("id or not id"),
              {
                limit: 100,
              },
            );
            for (const format of ["zinc", "json"] as const) {
              const expected = await whole(ids, actor, format);
              for (const pageRows of [1, 3, 1000]) {
                const text = await joined(
                  await streamDicts(t.dbs.primary, ids, org, actor, pageRows),
                  format,
                );
                if (text !== expected)
                  throw new Error(`${who} ${format} pages of ${pageRows}:\n${text}\n≠\n${expected}`);
              }
            }
          }
        },
      ),
      { seed: 1516, numRuns: engine === "pglite" ? 10 : 16 },
    );
  });

  test("hidden tags and revoked entities stay hidden; limit is honoured over HTTP", async () => {
    await write([
      {
        tags: [
          ["dis", '"A"'],
          ["secretNote", '"s"'],
          ["point", "M"],
        ],
        noId: false,
        cur: 7,
        writes: [],
      },
      {
        tags: [
          ["dis", '"B"'],
          ["secretNote", '"t"'],
        ],
        noId: false,
        cur: null,
        writes: [],
      },
      { tags: [["dis", '"C"']], noId: true, cur: null, writes: [] },
    ]);
    const read = async (token: string, query: string) => {
      const res = await fetch(`${server.url}api/acme/read?${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      return readZincGrid(await res.text());
    };
    const member = await read(acme.member.token, "filter=dis");
    expect(member.rows.map((r) => (r.id as Ref).dis)).toEqual(["A", "B", "C"]);
    expect(member.rows.map((r) => r.secretNote)).toEqual(["s", "t", undefined]);
    expect(member.col("curVal")).toBeDefined();
    const limited = await read(acme.member.token, "filter=dis&limit=2");
    expect(limited.rows.map((r) => (r.id as Ref).dis)).toEqual(["A", "B"]);
    // The restricted user: secretNote is no column, the second entity is not answered.
    const ids = await filterEntityIds(t.dbs.primary, actors.restricted!, org.id, parseFilterOrThrow("dis"), {
      limit: 100,
    });
    const text = await joined(await streamDicts(t.dbs.primary, ids, org, actors.restricted!, 1), "zinc");
    const g = readZincGrid(text);
    expect(g.rows.map((r) => (r.id as Ref).dis)).toEqual(["A", "C"]);
    expect(g.col("secretNote")).toBeUndefined();
    expect(text).toBe(await whole(ids, actors.restricted!, "zinc"));
  });

  test("a large org over a socket: streamed whole, and it has answered before its last page is loaded", async () => {
    const db = t.dbs.primary;
    await db.query("UPDATE core.entity SET disabled_ts = now() WHERE disabled_ts IS NULL");
    const N = engine === "pglite" ? 5_000 : 20_000;
    const made = await db.query<{ id: number }>(
      "INSERT INTO core.entity SELECT FROM generate_series(1, $1::int4) RETURNING id",
      [N],
    );
    const ids = made.map((r) => r.id).sort((a, b) => a - b);
    await db.query(
      "INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1, unnest($2::int4[])",
      [acme.org.id, ids],
    );
    await db.query(
      `INSERT INTO core.entity_tag (entity_id, tag_id, value_s, value_kind)
       SELECT e, d.id, CASE d.name WHEN 'id' THEN 'big' || e WHEN 'dis' THEN 'Point ' || e END,
              CASE d.name WHEN 'id' THEN 'Ref' WHEN 'dis' THEN 'Str' ELSE 'Marker' END
         FROM unnest($1::int4[]) e, core.tag_def d WHERE d.name IN ('id', 'dis', 'point', 'his', 'sensor')`,
      [ids],
    );
    await db.query(
      `INSERT INTO core."values_acme_current" (entity_id, ts, value_n)
       SELECT e, now()::timestamp, e % 100 FROM unnest($1::int4[]) e`,
      [ids],
    );
    const get = (accept = "text/zinc") =>
      fetch(`${server.url}api/acme/read?filter=point`, {
        headers: { authorization: `Bearer ${acme.member.token}`, accept },
      });
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBeNull();
    const text = await res.text();
    expect(readZincGrid(text).rows.length).toBe(N);
    expect(text).toBe(await whole(ids, actors.member!, "zinc"));

    // The last entity's current value makes PostgreSQL raise division by zero when its page is
    // loaded: the response has begun (status 200 and the header are sent before any page is
    // loaded) and is then cut, where a whole-grid answer would have been an error grid.
    const last = ids[N - 1]!;
    await db.exec(`ALTER TABLE core."values_acme_current" RENAME TO "values_acme_current_real";
      CREATE VIEW core."values_acme_current" AS
        SELECT entity_id, ts, CASE WHEN entity_id >= ${last} THEN value_n / 0 ELSE value_n END AS value_n,
               value_b, value_s FROM core."values_acme_current_real"`);
    try {
      for (const accept of ["text/zinc", "application/json"]) {
        const cut = await get(accept);
        expect(cut.status).toBe(200);
        // Not an error grid (what a failure before the first bytes is answered): a cut body.
        await expect(cut.text()).rejects.toThrow();
      }
    } finally {
      await db.exec(`DROP VIEW core."values_acme_current";
        ALTER TABLE core."values_acme_current_real" RENAME TO "values_acme_current"`);
    }
  });
});
