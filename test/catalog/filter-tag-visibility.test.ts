// A filter must not tell what `read` hides. Tags are visible per library (ORIGINAL.md §2.3, "the
// `lib` meta is load-bearing for security"): a caller whose library is revoked, or any member for a
// tag with no library, reads the record without that tag. An attacker probing with filters
// (`secretNote == "hunter2"`, `secretNote > "h"`, `not secretNote`) must learn nothing from the
// answer: the SQL path holds a hidden tag absent, exactly as the Haystack filter evaluator does over
// the records as `read` answers them to that caller. Checked for every caller against that
// evaluator, through `filterEntityIds`, `POST /filter` and the Haystack read op, on both engines.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Actor } from "../../src/access/actor.ts";
import { actorForUser } from "../../src/access/resolve.ts";
import { filterEntityIds } from "../../src/catalog/read.ts";
import { parseFilter } from "../../src/haystack/index.ts";
import { loadDicts } from "../../src/haystack-api/records.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { appAdmin, bearer, type SeededOrg, type SeededUser, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { matchingEntityIds } from "../haystack/filter-db.ts";

const BASE = 2_000_000;

/** The probes: on the hidden tags, on visible ones, and mixed. */
const FILTERS = [
  'secretNote == "hunter2"',
  'secretNote != "hunter2"',
  'secretNote > "h"',
  "secretNote",
  "not secretNote",
  "site and secretNote",
  "site or secretNote",
  "orphanTag",
  "not orphanTag",
  "orphanTag == 7",
  "site",
  'dis == "Tower"',
  "not dis",
];

describe.each(ENGINES)("filters hold hidden tags absent (%s)", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let restricted: SeededUser;
  let admin: SeededUser;
  const callers: Record<string, { actor: Actor; token: string }> = {};
  const org = { id: 0, key: "acme", valueTable: "values_acme" };
  let ids: number[] = [];

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme" });
    org.id = acme.org.id;
    const db = t.dbs.primary;
    // secretNote is in the `custom` library (every org has it); `restricted`, a member of acme,
    // has that library revoked. orphanTag has no library at all: only application admins see it.
    await db.query(
      "INSERT INTO core.tag_def (name) VALUES ('secretNote'), ('orphanTag') ON CONFLICT (name) DO NOTHING",
    );
    await db.query(
      `INSERT INTO core.tag_meta (tag_id, attribute, value)
       SELECT s.id, l.id, c.id FROM core.tag_def s, core.tag_def l, core.tag_def c
        WHERE s.name = 'secretNote' AND l.name = 'lib' AND c.name = 'custom'`,
    );
    const other = await seedOrg(t.deps, { key: "other" });
    restricted = other.member;
    await db.query("INSERT INTO core.org_user (org_id, user_id) VALUES ($1, $2)", [
      acme.org.id,
      restricted.userId,
    ]);
    await db.query(
      "INSERT INTO core.user_tag_rev_permission (user_id, tag_id) SELECT $1, id FROM core.tag_def WHERE name = 'custom'",
      [restricted.userId],
    );
    admin = await appAdmin(t.deps);
    for (const [name, u] of [
      ["member", acme.member],
      ["restricted", restricted],
      ["admin", admin],
    ] as const)
      callers[name] = { actor: (await actorForUser(db, u.userId))!, token: u.token };

    // e0: a site with the secret; e1: a site without it; e2: a point with another secret and the
    // orphan tag; e3: nothing but its id and dis.
    ids = [BASE + 1, BASE + 2, BASE + 3, BASE + 4];
    const rows: Array<[number, string, string | null, number | null, string]> = [
      [ids[0]!, "id", "e0", null, "Ref"],
      [ids[0]!, "site", null, null, "Marker"],
      [ids[0]!, "dis", "Tower", null, "Str"],
      [ids[0]!, "secretNote", "hunter2", null, "Str"],
      [ids[1]!, "id", "e1", null, "Ref"],
      [ids[1]!, "site", null, null, "Marker"],
      [ids[1]!, "dis", "Annex", null, "Str"],
      [ids[2]!, "id", "e2", null, "Ref"],
      [ids[2]!, "point", null, null, "Marker"],
      [ids[2]!, "secretNote", "abc", null, "Str"],
      [ids[2]!, "orphanTag", null, 7, "Number"],
      [ids[3]!, "id", "e3", null, "Ref"],
      [ids[3]!, "dis", "Shed", null, "Str"],
    ];
    await db.query("INSERT INTO core.entity (id) SELECT unnest($1::int4[])", [ids]);
    await db.query(
      `INSERT INTO core.entity_tag (entity_id, tag_id, value_s, value_n, value_kind)
       SELECT u.e, d.id, u.s, u.n, u.k
         FROM unnest($1::int4[], $2::text[], $3::text[], $4::numeric[], $5::text[]) u(e, name, s, n, k)
         JOIN core.tag_def d ON d.name = u.name`,
      [0, 1, 2, 3, 4].map((c) => rows.map((r) => r[c])),
    );
    await db.query(
      "INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1::int4, unnest($2::int4[])",
      [acme.org.id, ids],
    );
  });

  afterAll(async () => {
    await t.dbs.primary.close();
  });

  /** The ids whose record, as `read` answers it to `actor`, matches `filter`. */
  const expected = async (actor: Actor, filter: string): Promise<number[]> => {
    return matchingEntityIds(await loadDicts(t.dbs.primary, ids, org, actor), filter);
  };

  test("read hides the tags as the probes assume", async () => {
    const seen = async (who: string) =>
      await loadDicts(t.dbs.primary, [ids[0]!, ids[2]!], org, callers[who]!.actor);
    const member = await seen("member");
    expect(member.get(ids[0]!)?.secretNote).toBe("hunter2");
    expect(member.get(ids[2]!)?.orphanTag).toBeUndefined();
    const restrictedView = await seen("restricted");
    expect(restrictedView.get(ids[0]!)?.secretNote).toBeUndefined();
    expect(restrictedView.get(ids[0]!)?.site).toBeDefined();
    expect((await seen("admin")).get(ids[2]!)?.orphanTag).toBeDefined();
  });

  test("every caller's SQL answer equals the evaluator over what read shows that caller", async () => {
    for (const who of Object.keys(callers))
      for (const filter of FILTERS) {
        const { actor } = callers[who]!;
        const got = (await filterEntityIds(t.dbs.primary, actor, org.id, parseFilter(filter), {})).filter(
          (i) => ids.includes(i),
        );
        const limited = (
          await filterEntityIds(t.dbs.primary, actor, org.id, parseFilter(filter), { limit: 2 })
        ).filter((i) => ids.includes(i));
        const want = await expected(actor, filter);
        expect({ who, filter, got }).toEqual({ who, filter, got: want });
        expect({ who, filter, limited }).toEqual({ who, filter, limited: want.slice(0, 2) });
      }
  });

  test("an attacker probing a revoked library's tag over /filter and Haystack read learns nothing", async () => {
    const rest = async (token: string, filter: string) => {
      const res = await t.app.request("/filter", {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json" },
        body: JSON.stringify({ filter, org_id: org.id, limit: 1000 }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as Array<{ entity_id: number }>)
        .map((r) => r.entity_id)
        .filter((i) => ids.includes(i));
    };
    const read = async (token: string, filter: string) => {
      const res = await t.app.request(`/api/acme/read?filter=${encodeURIComponent(filter)}`, {
        headers: { ...bearer(token), accept: "application/json" },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { rows: Array<{ id: { val: string }; secretNote?: unknown }> };
      return body.rows.map((r) => r.id.val).filter((v) => /^e\d$/.test(v));
    };
    // The member whose library is granted finds the secret; the revoked one gets the same answer
    // for the right guess as for a wrong one: nothing.
    expect(await rest(acme.member.token, 'secretNote == "hunter2"')).toEqual([ids[0]!]);
    expect(await read(acme.member.token, 'secretNote == "hunter2"')).toEqual(["e0"]);
    for (const guess of [
      'secretNote == "hunter2"',
      'secretNote == "wrong"',
      'secretNote > "h"',
      "secretNote",
    ]) {
      expect({ guess, got: await rest(restricted.token, guess) }).toEqual({ guess, got: [] });
      expect({ guess, got: await read(restricted.token, guess) }).toEqual({ guess, got: [] });
    }
    // `not secretNote` holds for every record the caller reads without it.
    expect(await rest(restricted.token, "not secretNote")).toEqual(ids);
    // A tag with no library: hidden from members, not from application admins.
    expect(await rest(acme.member.token, "orphanTag == 7")).toEqual([]);
    expect(await rest(admin.token, "orphanTag == 7")).toEqual([ids[2]!]);
  });
});
