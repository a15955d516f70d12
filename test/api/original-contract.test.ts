// The original poller contract (ORIGINAL.md §2), checked as an existing poller or admin script
// would use it, on both engines:
// - numeric strings for int fields ("org_id":"3", "skip":"0") are coerced, as FastAPI/pydantic
//   did (§2.5 bodies and queries are pydantic ints); non-numeric strings are 422 naming the field.
// - POST /user honours visible_entities / invisible_entities / visible_tags / invisible_tags
//   (§2.5 #54, §2.3: entity visible iff (org grant OR user add) AND NOT user revoke; tags by library,
//   granted to the org or added for the user, AND NOT revoked); the user it creates really sees only
//   that over /entity, /filter, the value routes and the Haystack API; GET /user/{id} and GET /user
//   answer the original's `User` with permission objects, not bare ids (§2.4).
// - an application admin naming an org that does not exist gets 403, as the original (its checks
//   were org memberships), not an empty list; a permission body missing the original's required
//   `org_name` / `user_email` (or `entity_id` / `tag_name`) is 422 naming the field, not 403.
// - the original's trailing-slash forms (FastAPI redirected them keeping method and body) answer
//   like the plain ones, without breaking the Haystack API, the console or static assets.
// - value rows: `ValueBase` (GET /value, the POST /value echo) carries `time`, `ValueBaseResponse`
//   (POST /point/value) does not (§2.4); a bulk row with a status and no value field is an
//   unreadable point stored with null values, two value fields are 422 (CONTRACT conventions).
import { beforeAll, describe, expect, test } from "bun:test";
import { type TestApp, testApp } from "../harness/app.ts";
import { appAdmin, bearer, type SeededOrg, type SeededUser, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import type { Json } from "../harness/http.ts";

const PASSWORD = "correct horse battery staple";

const T0 = "2025-03-01T00:00:00.000Z";
const T1 = "2025-03-01T00:15:00.000Z";

describe.each(ENGINES)("the original contract on %s", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let root: SeededUser;
  let pointId: number;
  let stranger: SeededOrg;
  const other = () => stranger.member;

  const call = (method: string, path: string, token: string, body?: unknown) =>
    t.app.request(path, {
      method,
      headers: { ...bearer(token), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  const ok = async (res: Response): Promise<Json> => {
    const body = await res.text();
    if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${body}`);
    return JSON.parse(body);
  };
  /** The `loc`s of a 422 answer. */
  const locs = async (res: Response): Promise<Json[]> => {
    const body = await res.text();
    if (res.status !== 422) throw new Error(`expected 422, got ${res.status}: ${body}`);
    return (JSON.parse(body).detail as { loc: Json[] }[]).map((d) => d.loc);
  };

  let made = 0;
  /** `n` new point entities of acme, made through POST /entity as an admin script would. */
  const points = async (n: number): Promise<number[]> => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const e = await ok(
        await call("POST", "/entity", acme.admin.token, {
          org_id: acme.org.id,
          tags: [{ tag_name: "id", value_s: `acme.q${++made}` }, { tag_name: "point" }, { tag_name: "his" }],
        }),
      );
      ids.push(e.id);
    }
    return ids;
  };

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme" });
    root = await appAdmin(t.deps);
    stranger = await seedOrg(t.deps, { key: "stranger" });
    const e = await ok(
      await call("POST", "/entity", acme.admin.token, {
        org_id: acme.org.id,
        tags: [
          { tag_name: "id", value_s: "acme.p1" },
          { tag_name: "dis", value_s: "Point 1" },
          { tag_name: "point" },
          { tag_name: "his" },
          { tag_name: "kind", value_s: "Number" },
        ],
      }),
    );
    pointId = e.id;
  });

  describe("numeric strings for int fields are coerced (pydantic int)", () => {
    test("entity, entity tag, tag def and tag enum bodies", async () => {
      const org = String(acme.org.id);
      const admin = acme.admin.token;
      const e = await ok(
        await call("POST", "/entity", admin, {
          org_id: org,
          tags: [{ tag_name: "dis", value_s: "by string" }, { tag_name: "equip" }],
        }),
      );
      expect(typeof e.id).toBe("number");
      const et = await ok(
        await call("POST", "/entitytag", admin, {
          org_id: org,
          entity_id: String(e.id),
          tag_name: "ahu",
        }),
      );
      expect(et.entity_id).toBe(e.id);
      const listed = await ok(await call("GET", `/entity?org_id=${org}&skip=0&limit=10`, acme.member.token));
      expect(listed.map((x: { id: number }) => x.id)).toContain(e.id);
      await ok(
        await call("POST", "/tagdef", admin, {
          org_id: org,
          name: "numStrTag",
          min_val: "0",
          max_val: "10",
          metas: [{ attribute: "lib", value: "phIoT" }],
        }),
      ).then((d) => expect([d.min_val, d.max_val]).toEqual([0, 10]));
      await ok(
        await call("POST", "/tagenum/", admin, {
          org_id: org,
          tag_name: "numStrTag",
          value: "a",
          label: "A",
        }),
      );
      await ok(await call("DELETE", `/entity/${e.id}`, admin, { org_id: org }));
    });

    test("value bodies and queries", async () => {
      const org = String(acme.org.id);
      const member = acme.member.token;
      const one = await ok(
        await call("POST", "/value", member, { org_id: org, entity_id: String(pointId), ts: T0, value_n: 1 }),
      );
      expect(one.entity_id).toBe(pointId);
      expect(
        await ok(
          await call("POST", "/bulk/value", member, {
            org_id: org,
            values: [{ entity_id: String(pointId), ts: T1, value_n: 2 }],
          }),
        ),
      ).toEqual([]);
      const rows = await ok(await call("GET", `/value/${pointId}?org_id=${org}&skip=0&limit=10`, member));
      expect(rows.map((r: { value_n: number }) => r.value_n)).toEqual([2, 1]);
      const ranged = await ok(
        await call("POST", "/point/value", member, {
          org_id: org,
          points: [String(pointId)],
          date_from: "2025-02-28 00:00:00",
          date_to: "2025-03-02 00:00:00",
          skip: "0",
          limit: "10",
        }),
      );
      expect(ranged).toHaveLength(2);
      const current = await ok(
        await call("POST", "/point/current", member, { org_id: org, points: [String(pointId)] }),
      );
      expect(current.map((r: { value_n: number }) => r.value_n)).toEqual([2]);
      const series = await ok(
        await call("POST", "/values", member, {
          filter: "point",
          org_id: org,
          date_from: "2025-02-28 00:00:00",
          date_to: "2025-03-02 00:00:00",
          operation: { aggregation: "avg", timeInSeconds: "3600" },
        }),
      );
      expect(series.map((s: { entity_id: number }) => s.entity_id)).toContain(pointId);
    });

    test("filter, user, permission and poller bodies", async () => {
      const org = String(acme.org.id);
      const found = await ok(
        await call("POST", "/filter", acme.member.token, {
          filter: "point",
          org_id: org,
          skip: "0",
          limit: "10",
        }),
      );
      expect(found.map((f: { entity_id: number }) => f.entity_id)).toContain(pointId);
      const u = await ok(
        await call("POST", "/user", acme.admin.token, { email: "numstr@acme.test", org_id: org }),
      );
      const got = await ok(await call("GET", `/user/${u.id}?org_id=${org}`, acme.admin.token));
      expect(got.id).toBe(u.id);
      const grant = await ok(
        await call("POST", "/userentityadd/", acme.admin.token, {
          org_id: org,
          user_email: "numstr@acme.test",
          entity_id: String(pointId),
        }),
      );
      expect(grant).toMatchObject({ user_id: u.id, entity_id: pointId });
      const p = await ok(
        await call("POST", "/poller", root.token, {
          org_id: org,
          poller_type: "bacnet",
          poller_name: "numstr",
          config: "{}",
          status: "active",
        }),
      );
      expect(p.org_id).toBe(acme.org.id);
    });

    test("non-numeric strings are 422 naming the field, and change nothing", async () => {
      const member = acme.member.token;
      const before = await ok(await call("GET", `/value/${pointId}?org_id=${acme.org.id}`, member));
      expect(
        await locs(
          await call("POST", "/bulk/value", member, {
            org_id: "acme",
            values: [{ entity_id: pointId, ts: T0, value_n: 9 }],
          }),
        ),
      ).toContainEqual(["body", "org_id"]);
      expect(
        await locs(
          await call("POST", "/bulk/value", member, {
            org_id: acme.org.id,
            values: [{ entity_id: "p1", ts: T0, value_n: 9 }],
          }),
        ),
      ).toContainEqual(["body", "values", 0, "entity_id"]);
      expect(
        await locs(
          await call("POST", "/value", member, { org_id: "3x", entity_id: pointId, ts: T0, value_n: 9 }),
        ),
      ).toContainEqual(["body", "org_id"]);
      expect(await ok(await call("GET", `/value/${pointId}?org_id=${acme.org.id}`, member))).toEqual(before);
      expect(await locs(await call("GET", `/entity?org_id=${acme.org.id}&skip=zero`, member))).toContainEqual(
        ["query", "skip"],
      );
      expect(await locs(await call("GET", `/entity?org_id=${acme.org.id}&limit=1e2`, member))).toContainEqual(
        ["query", "limit"],
      );
      // One error per field, the route's own bound, in pydantic's words (not zod's defaults).
      const huge = await call("GET", `/entity?org_id=${acme.org.id}&limit=99999999999999999999`, member);
      expect(huge.status).toBe(422);
      expect(((await huge.json()) as Json).detail).toEqual([
        {
          loc: ["query", "limit"],
          msg: "ensure this value is less than or equal to 1000",
          type: "less_than_equal",
        },
      ]);
      const zero = await call("GET", `/entity?org_id=${acme.org.id}&limit=0`, member);
      expect(((await zero.json()) as Json).detail).toEqual([
        {
          loc: ["query", "limit"],
          msg: "ensure this value is greater than or equal to 1",
          type: "greater_than_equal",
        },
      ]);
      const notList = await call("POST", "/point/value", member, {
        org_id: acme.org.id,
        points: "p1",
        date_from: "2025-02-28 00:00:00",
        date_to: "2025-03-02 00:00:00",
      });
      expect(((await notList.json()) as Json).detail).toContainEqual({
        loc: ["body", "points"],
        msg: "value is not a valid list",
        type: "list_type",
      });
      const typed = await call("POST", "/filter", member, { filter: "point", org_id: "one" });
      expect(((await typed.json()) as Json).detail).toContainEqual({
        loc: ["body", "org_id"],
        msg: "value is not a valid integer, received string",
        type: "int_parsing",
      });
      expect(
        await locs(await call("POST", "/entity", acme.admin.token, { org_id: "", tags: [] })),
      ).toContainEqual(["body", "org_id"]);
      expect(
        await locs(await call("POST", "/user", acme.admin.token, { email: "x@acme.test", org_id: "1.5" })),
      ).toContainEqual(["body", "org_id"]);
      const r = await call("POST", "/point/value", member, {
        org_id: acme.org.id,
        points: [pointId],
        date_from: "2025-02-28 00:00:00",
        date_to: "2025-03-02 00:00:00",
        limit: "ten",
      });
      expect(await locs(r)).toContainEqual(["body", "limit"]);
    });
  });

  describe("value rows", () => {
    test("ValueBase carries time (null unless sent); ValueBaseResponse does not", async () => {
      const [p] = await points(1);
      const member = acme.member.token;
      const echo = await ok(
        await call("POST", "/value", member, {
          org_id: acme.org.id,
          entity_id: p,
          ts: T0,
          time: "2025-03-01 00:00:05",
          value_n: 5,
        }),
      );
      expect(echo).toMatchObject({ ts: T0, time: "2025-03-01T00:00:05.000Z", entity_id: p, value_n: 5 });
      const plain = await ok(
        await call("POST", "/value", member, { org_id: acme.org.id, entity_id: p, ts: T1, value_n: 6 }),
      );
      expect(plain).toHaveProperty("time", null);
      const rows = await ok(await call("GET", `/value/${p}?org_id=${acme.org.id}`, member));
      expect(rows).toHaveLength(2);
      for (const r of rows)
        expect(Object.keys(r)).toEqual(
          expect.arrayContaining([
            "ts",
            "time",
            "entity_id",
            "value_n",
            "value_b",
            "value_s",
            "value_ts",
            "value_dict",
          ]),
        );
      const ranged = await ok(
        await call("POST", "/point/value", member, {
          org_id: acme.org.id,
          points: [p],
          date_from: "2025-02-28 00:00:00",
          date_to: "2025-03-02 00:00:00",
          skip: 0,
          limit: 10,
        }),
      );
      expect(ranged).toHaveLength(2);
      for (const r of ranged) expect(r).not.toHaveProperty("time");
      expect(
        await locs(
          await call("POST", "/value", member, {
            org_id: acme.org.id,
            entity_id: p,
            ts: T0,
            time: "soon",
            value_n: 1,
          }),
        ),
      ).toContainEqual(["body", "time"]);
    });

    test("a bulk row with only a status is stored with null values; the batch is not refused", async () => {
      const [a, b] = await points(2);
      const member = acme.member.token;
      const res = await call("POST", "/bulk/value", member, {
        org_id: acme.org.id,
        values: [
          { entity_id: a, ts: T0, value_n: 20.5, status: "ok" },
          { entity_id: b, ts: T0, status: "fault" },
          { entity_id: b, ts: T1, value_n: null, value_b: null, status: "stale" },
        ],
      });
      expect(await ok(res)).toEqual([]);
      expect((await ok(await call("GET", `/value/${a}?org_id=${acme.org.id}`, member)))[0]).toMatchObject({
        value_n: 20.5,
        status: "ok",
      });
      const rows = await ok(await call("GET", `/value/${b}?org_id=${acme.org.id}`, member));
      expect(rows).toEqual([
        {
          ts: T1,
          time: null,
          entity_id: b,
          value_n: null,
          value_b: null,
          value_s: null,
          value_ts: null,
          value_dict: null,
          status: "stale",
        },
        {
          ts: T0,
          time: null,
          entity_id: b,
          value_n: null,
          value_b: null,
          value_s: null,
          value_ts: null,
          value_dict: null,
          status: "fault",
        },
      ]);
      const current = await ok(
        await call("POST", "/point/current", member, { org_id: acme.org.id, points: [b] }),
      );
      expect(current).toMatchObject([{ ts: T1, value_n: null, status: "stale" }]);
    });

    test("two value fields, or neither value nor status, are 422 and store nothing", async () => {
      const [p] = await points(1);
      const member = acme.member.token;
      const two = await call("POST", "/bulk/value", member, {
        org_id: acme.org.id,
        values: [
          { entity_id: p, ts: T0, value_n: 1 },
          { entity_id: p, ts: T1, value_n: 1, value_b: true, status: "ok" },
        ],
      });
      expect(await locs(two)).toContainEqual(["body", "values", 1, "value_b"]);
      const none = await call("POST", "/bulk/value", member, {
        org_id: acme.org.id,
        values: [{ entity_id: p, ts: T0 }],
      });
      expect((await locs(none))[0]!.slice(0, 3)).toEqual(["body", "values", 0]);
      expect(await ok(await call("GET", `/value/${p}?org_id=${acme.org.id}`, member))).toEqual([]);
    });
  });

  describe("POST /user with permission lists: the user sees only what is allowed", () => {
    let pub: number;
    let hidden: number;
    let restricted: { id: number; token: string; user: Json };
    let other: SeededOrg;
    let foreign: number;

    const basic = (email: string, password: string) =>
      `Basic ${Buffer.from(`${email}:${password}`).toString("base64")}`;

    beforeAll(async () => {
      [pub, hidden] = (await points(2)) as [number, number];
      other = await seedOrg(t.deps, { key: "otherorg" });
      const f = await ok(
        await call("POST", "/entity", other.admin.token, {
          org_id: other.org.id,
          tags: [{ tag_name: "id", value_s: "other.secret" }, { tag_name: "point" }, { tag_name: "his" }],
        }),
      );
      foreign = f.id;
      // `temp` is a phScience tag: hidden with that library.
      await ok(
        await call("POST", "/entitytag", acme.admin.token, {
          org_id: acme.org.id,
          entity_id: pub,
          tag_name: "temp",
        }),
      );
      for (const p of [pub, hidden])
        await ok(
          await call("POST", "/value", acme.admin.token, {
            org_id: acme.org.id,
            entity_id: p,
            ts: T0,
            value_n: p,
          }),
        );
      const user = await ok(
        await call("POST", "/user", acme.admin.token, {
          email: "restricted@acme.test",
          org_id: acme.org.id,
          password: PASSWORD,
          visible_entities: [{ entity_id: pub }],
          invisible_entities: [{ entity_id: hidden }],
          visible_tags: [{ tag_name: "phIoT" }],
          invisible_tags: [{ tag_name: "phScience" }],
        }),
      );
      // A poller signs in as the user (POST /authorize/token, Basic email:password).
      const tok = await t.app.request("/authorize/token", {
        method: "POST",
        headers: { authorization: basic("restricted@acme.test", PASSWORD) },
      });
      restricted = { id: user.id, token: (await ok(tok)).access_token, user };
    });

    test("POST /user answers the original's User with permission objects", async () => {
      const u = restricted.user;
      const id = restricted.id;
      expect(u.visible_entities).toEqual([{ id: expect.any(Number), user_id: id, entity_id: pub }]);
      expect(u.invisible_entities).toEqual([{ id: expect.any(Number), user_id: id, entity_id: hidden }]);
      expect(u.visible_tags).toEqual([{ id: expect.any(Number), user_id: id, tag_id: expect.any(Number) }]);
      expect(u.invisible_tags).toEqual([{ id: expect.any(Number), user_id: id, tag_id: expect.any(Number) }]);
      const phScience = await ok(
        await call("GET", `/tagdef/phScience?org_id=${acme.org.id}`, acme.admin.token),
      );
      expect(u.invisible_tags[0].tag_id).toBe(phScience.id);
    });

    test("GET /user/{id} and GET /user answer the same permission objects", async () => {
      const one = await ok(
        await call("GET", `/user/${restricted.id}?org_id=${acme.org.id}`, acme.admin.token),
      );
      for (const k of ["visible_entities", "invisible_entities", "visible_tags", "invisible_tags"])
        expect(one[k]).toEqual(restricted.user[k]);
      const list = await ok(await call("GET", `/user?org_id=${acme.org.id}`, acme.admin.token));
      const mine = list.find((u: { id: number }) => u.id === restricted.id);
      expect(mine.invisible_entities).toEqual(restricted.user.invisible_entities);
      expect(mine).not.toHaveProperty("password");
      // GET /user/org answers the caller's OrgUser rows, the user with the same objects.
      const mineOrgs = await ok(await call("GET", "/user/org", restricted.token));
      expect(mineOrgs).toHaveLength(1);
      expect(mineOrgs[0].org).toMatchObject({ id: acme.org.id, key: "acme" });
      for (const k of ["visible_entities", "invisible_entities", "visible_tags", "invisible_tags"])
        expect(mineOrgs[0].user[k]).toEqual(restricted.user[k]);
      // The rows are the permission tables' rows: the same ids /userentityrev/ lists.
      const revs = await ok(await call("GET", `/userentityrev/?org_id=${acme.org.id}`, acme.admin.token));
      expect(revs).toContainEqual(restricted.user.invisible_entities[0]);
    });

    test("a revoked entity is hidden from /entity, /filter and /values", async () => {
      const tok = restricted.token;
      const listed = (await ok(await call("GET", `/entity?org_id=${acme.org.id}&limit=1000`, tok))).map(
        (e: { id: number }) => e.id,
      );
      expect(listed).toContain(pub);
      expect(listed).not.toContain(hidden);
      expect((await call("GET", `/entity/${hidden}?org_id=${acme.org.id}`, tok)).status).toBe(403);
      const found = (
        await ok(await call("POST", "/filter", tok, { filter: "point", org_id: acme.org.id }))
      ).map((f: { entity_id: number }) => f.entity_id);
      expect(found).toContain(pub);
      expect(found).not.toContain(hidden);
      const series = await ok(
        await call("POST", "/values", tok, {
          filter: "point",
          org_id: acme.org.id,
          date_from: "2025-02-28 00:00:00",
          date_to: "2025-03-02 00:00:00",
        }),
      );
      expect(series.map((s: { entity_id: number }) => s.entity_id)).not.toContain(hidden);
      expect(series.map((s: { entity_id: number }) => s.entity_id)).toContain(pub);
      // The org admin still sees it: the revoke is for that user only.
      expect((await call("GET", `/entity/${hidden}?org_id=${acme.org.id}`, acme.admin.token)).status).toBe(
        200,
      );
    });

    test("a revoked entity's values can be neither read nor written", async () => {
      const tok = restricted.token;
      const org = acme.org.id;
      expect((await call("GET", `/value/${hidden}?org_id=${org}`, tok)).status).toBe(403);
      const range = { org_id: org, date_from: "2025-02-28 00:00:00", date_to: "2025-03-02 00:00:00" };
      expect((await call("POST", "/point/value", tok, { ...range, points: [hidden] })).status).toBe(403);
      expect((await call("POST", "/point/current", tok, { org_id: org, points: [hidden] })).status).toBe(403);
      const w = await call("POST", "/bulk/value", tok, {
        org_id: org,
        values: [
          { entity_id: pub, ts: T1, value_n: 1 },
          { entity_id: hidden, ts: T1, value_n: 666 },
        ],
      });
      expect(w.status).toBe(403);
      expect(
        (await call("POST", "/value", tok, { org_id: org, entity_id: hidden, ts: T1, value_n: 666 })).status,
      ).toBe(403);
      const rows = await ok(await call("GET", `/value/${hidden}?org_id=${org}`, acme.admin.token));
      expect(rows.map((r: { value_n: number }) => r.value_n)).toEqual([hidden]);
      expect(await ok(await call("GET", `/value/${pub}?org_id=${org}`, acme.admin.token))).toHaveLength(1);
    });

    test("the Haystack API read does not show a revoked entity", async () => {
      const read = async (qs: string) => {
        const res = await t.app.request(`/api/acme/read?${qs}`, {
          headers: { ...bearer(restricted.token), accept: "application/json" },
        });
        expect(res.status).toBe(200);
        return res.text();
      };
      const all = await read("filter=point");
      const refOf = async (id: number) =>
        (await ok(await call("GET", `/entity/${id}?org_id=${acme.org.id}`, acme.admin.token))).tags.find(
          (x: { tag_name: string }) => x.tag_name === "id",
        ).value_s as string;
      const pubRef = await refOf(pub);
      const hiddenRef = await refOf(hidden);
      expect(all).toContain(pubRef);
      expect(all).not.toContain(hiddenRef);
      const byId = await read(`id=${encodeURIComponent(`@${hiddenRef}`)}`);
      expect(byId).not.toContain(hiddenRef);
    });

    test("a revoked library's tags are hidden from /tagdef and /filter tag rows", async () => {
      const tok = restricted.token;
      const names = (await ok(await call("GET", `/tagdef?org_id=${acme.org.id}&limit=1000`, tok))).map(
        (d: { name: string }) => d.name,
      );
      const adminNames = (
        await ok(await call("GET", `/tagdef?org_id=${acme.org.id}&limit=1000`, acme.admin.token))
      ).map((d: { name: string }) => d.name);
      expect(adminNames).toContain("temp");
      expect(names).not.toContain("temp");
      expect(names).toContain("point");
      expect((await call("GET", `/tagdef/temp?org_id=${acme.org.id}`, tok)).status).not.toBe(200);
      const rows = async (token: string) =>
        (
          await ok(
            await call("POST", "/filter", token, { filter: "point", org_id: acme.org.id, tags: ["*"] }),
          )
        )
          .find((f: { entity_id: number }) => f.entity_id === pub)
          .tags.map((x: { tag_name: string }) => x.tag_name);
      expect(await rows(acme.admin.token)).toContain("temp");
      expect(await rows(tok)).not.toContain("temp");
      expect(await rows(tok)).toContain("point");
    });

    test("a revoked library's tags are hidden from Haystack read too", async () => {
      const adminRows = await t.app.request(`/api/${acme.org.key}/read?filter=temp`, {
        headers: { authorization: `Bearer ${acme.admin.token}`, accept: "application/json" },
      });
      expect(((await adminRows.json()) as { rows: unknown[] }).rows.length).toBeGreaterThan(0);
      const mine = await t.app.request(`/api/${acme.org.key}/read?filter=point`, {
        headers: { authorization: `Bearer ${restricted.token}`, accept: "application/json" },
      });
      expect(mine.status).toBe(200);
      const rows = ((await mine.json()) as { rows: Array<Record<string, unknown>> }).rows;
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.temp).toBeUndefined();
        expect(r.point).toBeDefined();
      }
    });

    test("an org admin cannot grant or revoke with objects outside the org; nothing is created", async () => {
      const attempt = async (body: Record<string, unknown>) => {
        const res = await call("POST", "/user", acme.admin.token, {
          org_id: acme.org.id,
          email: "sneaky@acme.test",
          ...body,
        });
        expect(res.status).toBe(403);
      };
      await attempt({ visible_entities: [{ entity_id: foreign }] });
      await attempt({ visible_entities: [{ entity_id: 2_000_000_000 }] });
      await attempt({ visible_tags: [{ tag_name: "no-such-library" }] });
      const list = await ok(await call("GET", `/user?org_id=${acme.org.id}&limit=1000`, acme.admin.token));
      expect(list.map((u: { email: string }) => u.email)).not.toContain("sneaky@acme.test");
      // The malformed forms are 422 naming the field.
      const bad = await call("POST", "/user", acme.admin.token, {
        org_id: acme.org.id,
        email: "sneaky@acme.test",
        invisible_entities: [{ entity: 1 }],
      });
      expect(await locs(bad)).toContainEqual(["body", "invisible_entities", 0, "entity_id"]);
    });
  });

  describe("application admins and required names", () => {
    test("an org that does not exist is 403 for an application admin, on every org-scoped route", async () => {
      const none = 2_000_000_000;
      const tok = root.token;
      const checks: [string, string, unknown?][] = [
        ["GET", `/entity?org_id=${none}`],
        ["GET", `/tagdef?org_id=${none}`],
        ["GET", `/entitytag?org_id=${none}`],
        ["GET", `/user?org_id=${none}`],
        ["GET", `/value/${pointId}?org_id=${none}`],
        ["POST", "/filter", { filter: "point", org_id: none }],
        ["POST", "/bulk/value", { org_id: none, values: [{ entity_id: pointId, ts: T0, value_n: 1 }] }],
        ["POST", "/entity", { org_id: none, tags: [{ tag_name: "site" }] }],
        ["POST", "/user", { org_id: none, email: "ghost@none.test" }],
      ];
      for (const [method, path, body] of checks) {
        const res = await call(method, path, tok, body);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      }
      // The same admin in an org that exists: 200.
      expect((await call("GET", `/entity?org_id=${acme.org.id}`, tok)).status).toBe(200);
    });

    test("a disabled org is refused like one that does not exist", async () => {
      const gone = await seedOrg(t.deps, { key: "goneorg" });
      await ok(await call("DELETE", `/org/${gone.org.id}`, root.token));
      expect((await call("GET", `/entity?org_id=${gone.org.id}`, root.token)).status).toBe(403);
    });

    test("a permission body missing org_name or user_email is 422 naming the field", async () => {
      const tok = root.token;
      expect(await locs(await call("POST", "/orgentity/", tok, { entity_id: pointId }))).toEqual([
        ["body", "org_name"],
      ]);
      expect(await locs(await call("POST", "/orgtag/", tok, { tag_name: "phIoT" }))).toEqual([
        ["body", "org_name"],
      ]);
      expect(await locs(await call("POST", "/orgtag/", tok, { org_name: "Org acme" }))).toEqual([
        ["body", "tag_name"],
      ]);
      for (const kind of ["userentityadd", "userentityrev"])
        expect(
          await locs(
            await call("POST", `/${kind}/`, acme.admin.token, { org_id: acme.org.id, entity_id: pointId }),
          ),
        ).toEqual([["body", "user_email"]]);
      for (const kind of ["usertagadd", "usertagrev"])
        expect(
          await locs(
            await call("POST", `/${kind}/`, acme.admin.token, { org_id: acme.org.id, tag_name: "phIoT" }),
          ),
        ).toEqual([["body", "user_email"]]);
      expect(
        await locs(
          await call("POST", "/userentityadd/", acme.admin.token, { user_email: acme.member.email }),
        ),
      ).toEqual([
        ["body", "org_id"],
        ["body", "entity_id"],
      ]);
      expect(await locs(await call("POST", "/appuser", tok, {}))).toEqual([["body", "user_email"]]);
      // A member (not an admin) sending a complete body is still refused: 403, nothing created.
      const res = await call("POST", "/userentityrev/", acme.member.token, {
        org_id: acme.org.id,
        user_email: acme.member.email,
        entity_id: pointId,
      });
      expect(res.status).toBe(403);
    });
  });

  describe("trailing-slash forms answer like the plain form", () => {
    test("value, entity, tag and permission routes", async () => {
      const [p] = await points(1);
      const member = acme.member.token;
      const org = acme.org.id;
      expect(
        await ok(
          await call("POST", "/bulk/value/", member, {
            org_id: org,
            values: [{ entity_id: p, ts: T0, value_n: 7 }],
          }),
        ),
      ).toEqual([]);
      await ok(await call("POST", "/value/", member, { org_id: org, entity_id: p, ts: T1, value_n: 8 }));
      const rows = await ok(await call("GET", `/value/${p}/?org_id=${org}`, member));
      expect(rows.map((r: { value_n: number }) => r.value_n)).toEqual([8, 7]);
      const plain = await ok(await call("GET", `/entity?org_id=${org}&limit=1000`, member));
      expect(await ok(await call("GET", `/entity/?org_id=${org}&limit=1000`, member))).toEqual(plain);
      expect(await ok(await call("GET", `/tagenum/?org_id=${org}`, member))).toEqual(
        await ok(await call("GET", `/tagenum?org_id=${org}`, member)),
      );
      expect(await ok(await call("POST", "/filter/", member, { filter: "point", org_id: org }))).toEqual(
        await ok(await call("POST", "/filter", member, { filter: "point", org_id: org })),
      );
      const grant = await ok(
        await call("POST", "/orgtag/", root.token, { org_name: "Org acme", tag_name: "phIoT" }),
      );
      expect(
        await ok(await call("POST", "/orgtag", root.token, { org_name: "Org acme", tag_name: "phIoT" })),
      ).toEqual(grant);
      expect(await ok(await call("GET", `/user/?org_id=${org}`, acme.admin.token))).toEqual(
        await ok(await call("GET", `/user?org_id=${org}`, acme.admin.token)),
      );
      // Validation and access are the same too.
      expect(
        await locs(await call("POST", "/bulk/value/", member, { org_id: "x", values: [] })),
      ).toContainEqual(["body", "org_id"]);
      expect((await call("POST", "/bulk/value/", other().token, { org_id: org, values: [] })).status).toBe(
        403,
      );
      expect((await t.app.request("/bulk/value/", { method: "POST", body: "{}" })).status).toBe(401);
    });

    test("public routes stay public; Haystack ops, console and assets still answer", async () => {
      expect(await ok(await t.app.request("/health/"))).toEqual({ status: "ok" });
      expect((await t.app.request("/health/databases/")).status).toBe(200);
      const hs = await t.app.request("/api/acme/about/", {
        headers: { ...bearer(acme.member.token), accept: "application/json" },
      });
      expect(hs.status).toBe(200);
      expect(await hs.text()).toContain("serverName");
      const read = await t.app.request("/api/acme/read?filter=point", {
        headers: { ...bearer(acme.member.token), accept: "application/json" },
      });
      expect(read.status).toBe(200);
      const login = await t.app.request("/login/");
      expect(login.status).toBe(200);
      expect(login.headers.get("content-type")).toContain("text/html");
      // A browser without a session is sent to the sign-in page, with or without the slash.
      for (const path of ["/simulators", "/simulators/"]) {
        const page = await t.app.request(path, { headers: { accept: "text/html" } });
        expect({ path, status: page.status }).toEqual({ path, status: 303 });
        expect(page.headers.get("location")).toStartWith("/login");
      }
      const css = await t.app.request("/static/app.css");
      expect(css.status).toBe(200);
      expect(css.headers.get("content-type")).toContain("css");
      expect((await call("GET", "/no/such/route/", acme.member.token)).status).toBe(404);
    });
  });
});
