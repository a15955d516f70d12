// The value routes over both engines: happy paths, last-wins dedupe, forward-only current values,
// every validation error (422 FastAPI shape), 403 naming foreign or unknown entities with nothing
// written, 413 above the bulk limit, and an org created while the app runs.
import { beforeAll, describe, expect, test } from "bun:test";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";
import { makePoints, type TestPoint } from "./fixtures.ts";

const T0 = "2025-03-01T00:00:00.000Z";
const T1 = "2025-03-01T00:15:00.000Z";
const T2 = "2025-03-01T00:30:00.000Z";

describe.each(ENGINES)("value routes on %s", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let other: SeededOrg;
  let pts: TestPoint[];
  let foreign: TestPoint[];

  const post = (path: string, body: unknown, token = acme.member.token) =>
    t.app.request(path, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const get = (path: string, token = acme.member.token) => t.app.request(path, { headers: bearer(token) });
  const count = async (table = "values_acme") =>
    (await t.dbs.primary.query<{ n: number }>(`SELECT count(*)::int AS n FROM core.${table}`))[0]!.n;

  beforeAll(async () => {
    t = await testApp(engine, { env: { BULK_MAX_VALUES: "50" } });
    acme = await seedOrg(t.deps, { key: "acme" });
    other = await seedOrg(t.deps, { key: "other" });
    pts = await makePoints(t.deps, acme.org.id, 4, { prefix: "acme" });
    foreign = await makePoints(t.deps, other.org.id, 1, { prefix: "other" });
  });

  test("POST /value stores one value and echoes it; GET /value reads it back", async () => {
    const p = pts[0]!.id;
    const res = await post("/value", {
      org_id: acme.org.id,
      entity_id: p,
      ts: "2025-03-01 00:00:00",
      value_n: 21.5,
      status: "ok",
    });
    expect(res.status).toBe(200);
    const echoed = {
      ts: T0,
      time: null,
      entity_id: p,
      value_n: 21.5,
      value_b: null,
      value_s: null,
      value_ts: null,
      value_dict: null,
      status: "ok",
    };
    expect(await json(res)).toEqual(echoed);
    const read = await get(`/value/${p}?org_id=${acme.org.id}`);
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual([echoed]);
    const cur = await post("/point/current", { org_id: acme.org.id, points: [p] });
    // /point/current is ours; it answers the original's ValueBaseResponse (no `time`).
    const { time: _, ...response } = echoed;
    expect(await json(cur)).toEqual([response]);
  });

  test("POST /bulk/value answers [] and keeps the last of duplicate (entity_id, ts)", async () => {
    const p = pts[1]!.id;
    const res = await post("/bulk/value", {
      org_id: acme.org.id,
      values: [
        { entity_id: p, ts: T0, value_n: 1 },
        { entity_id: p, ts: "2025-03-01T01:00:00+01:00", value_n: 2 },
        { entity_id: p, ts: "2025-03-01T00:15:00", value_n: 3 },
        { entity_id: p, ts: T0, value_n: 4, status: "stale" },
      ],
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual([]);
    const rows = await json(await get(`/value/${p}?org_id=${acme.org.id}`));
    expect(
      rows.map((r: { ts: string; value_n: number; status: string | null }) => [r.ts, r.value_n, r.status]),
    ).toEqual([
      [T1, 3, null],
      [T0, 4, "stale"],
    ]);
  });

  test("the current value never moves backwards; an equal timestamp overwrites it", async () => {
    const p = pts[2]!.id;
    const cur = async () =>
      (await json(await post("/point/current", { org_id: acme.org.id, points: [p] })))[0];
    expect(
      (await post("/bulk/value", { org_id: acme.org.id, values: [{ entity_id: p, ts: T2, value_n: 30 }] }))
        .status,
    ).toBe(200);
    expect(
      (await post("/bulk/value", { org_id: acme.org.id, values: [{ entity_id: p, ts: T1, value_n: 10 }] }))
        .status,
    ).toBe(200);
    expect(await cur()).toMatchObject({ ts: T2, value_n: 30 });
    expect((await post("/value", { org_id: acme.org.id, entity_id: p, ts: T2, value_n: 31 })).status).toBe(
      200,
    );
    expect(await cur()).toMatchObject({ ts: T2, value_n: 31 });
    expect(await count()).toBeGreaterThanOrEqual(2);
  });

  test("every value kind round-trips", async () => {
    const p = pts[3]!.id;
    const values = [
      { entity_id: p, ts: "2025-03-02T00:00:00Z", value_b: false },
      { entity_id: p, ts: "2025-03-02T00:01:00Z", value_s: 'on "auto" \\ mode' },
      { entity_id: p, ts: "2025-03-02T00:02:00Z", value_ts: "2025-01-01T12:00:00.250Z" },
      { entity_id: p, ts: "2025-03-02T00:03:00Z", value_dict: { a: 1, b: ["x"] } },
      { entity_id: p, ts: "2025-03-02T00:04:00Z", value_dict: '{"c":true}', value_n: null },
    ];
    expect((await post("/bulk/value", { org_id: acme.org.id, values })).status).toBe(200);
    const rows = await json(await get(`/value/${p}?org_id=${acme.org.id}&limit=5`));
    expect(
      rows.map((r: Record<string, unknown>) => [r.value_b, r.value_s, r.value_ts, r.value_dict]),
    ).toEqual([
      [null, null, null, { c: true }],
      [null, null, null, { a: 1, b: ["x"] }],
      [null, null, "2025-01-01T12:00:00.250Z", null],
      [null, 'on "auto" \\ mode', null, null],
      [false, null, null, null],
    ]);
  });

  test("a rewrite of a key replaces the whole row: fields the new value leaves out become null", async () => {
    const p = pts[3]!.id;
    const ts = "2025-03-03T00:00:00.000Z";
    const write = async (v: Record<string, unknown>) =>
      (await post("/bulk/value", { org_id: acme.org.id, values: [{ entity_id: p, ts, ...v }] })).status;
    expect(await write({ value_n: 5, status: "ok" })).toBe(200);
    expect(await write({ value_s: "auto" })).toBe(200);
    const row = {
      ts,
      entity_id: p,
      value_n: null,
      value_b: null,
      value_s: "auto",
      value_ts: null,
      value_dict: null,
      status: null,
    };
    expect((await json(await get(`/value/${p}?org_id=${acme.org.id}&limit=1`)))[0]).toEqual({
      ...row,
      time: null,
    });
    expect((await json(await post("/point/current", { org_id: acme.org.id, points: [p] })))[0]).toEqual(row);
  });

  test.each([
    ["no value field", { ts: T0 }, ["body", "values", 0, "value_n"], "value_error"],
    [
      "two value fields",
      { ts: T0, value_n: 1, value_b: true },
      ["body", "values", 0, "value_b"],
      "value_error",
    ],
    [
      "a timestamp that is not one",
      { ts: "yesterday", value_n: 1 },
      ["body", "values", 0, "ts"],
      "datetime_parsing",
    ],
    ["a missing timestamp", { value_n: 1 }, ["body", "values", 0, "ts"], "missing"],
    [
      "a timestamp before 1970",
      { ts: "1969-12-31T23:59:59Z", value_n: 1 },
      ["body", "values", 0, "ts"],
      "value_error",
    ],
    [
      "a timestamp days ahead",
      { ts: new Date(Date.now() + 3 * 86_400_000).toISOString(), value_n: 1 },
      ["body", "values", 0, "ts"],
      "value_error",
    ],
    [
      "an infinite number",
      '{"ts":"2025-03-01T00:00:00Z","value_n":1e999}',
      ["body", "values", 0, "value_n"],
      "finite_number",
    ],
    ["a number that is text", { ts: T0, value_n: "warm" }, ["body", "values", 0, "value_n"], "finite_number"],
    ["a list as dict", { ts: T0, value_dict: [1] }, ["body", "values", 0, "value_dict"], "dict_type"],
  ])("bulk 422 for %s, nothing written", async (_name, value, loc, type) => {
    const before = await count();
    const item =
      typeof value === "string"
        ? value.replace("{", `{"entity_id":${pts[0]!.id},`)
        : JSON.stringify({ entity_id: pts[0]!.id, ...value });
    const good = JSON.stringify({ entity_id: pts[0]!.id, ts: "2025-04-01T00:00:00Z", value_n: 1 });
    const res = await post("/bulk/value", `{"org_id":${acme.org.id},"values":[${item},${good}]}`);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.detail[0]).toMatchObject({ loc, type });
    expect(typeof body.detail[0].msg).toBe("string");
    expect(await count()).toBe(before);
  });

  test.each([
    ["malformed JSON", "{", ["body"]],
    ["values not a list", { org_id: 1, values: {} }, ["body", "values"]],
    ["org_id missing", { values: [] }, ["body", "org_id"]],
  ])("bulk 422 for %s", async (_name, body, loc) => {
    const res = await post("/bulk/value", body);
    expect(res.status).toBe(422);
    expect((await json(res)).detail[0].loc).toEqual(loc);
  });

  test("an id beyond int4 is out of range in the same words as GET /value/<too big>", async () => {
    const path = await json(await get("/value/99999999999999999999"));
    const want = path.detail[0].msg;
    expect(want).toBe("ensure this value is less than or equal to 2147483647");
    const before = await count();
    const bulk = await post("/bulk/value", {
      org_id: acme.org.id,
      values: [{ entity_id: 2147483648, ts: T0, value_n: 1 }],
    });
    expect(bulk.status).toBe(422);
    expect((await json(bulk)).detail).toEqual([
      { loc: ["body", "values", 0, "entity_id"], msg: want, type: "less_than_equal" },
    ]);
    const single = await post("/value", { org_id: 2147483648, entity_id: pts[0]!.id, ts: T0, value_n: 1 });
    expect(single.status).toBe(422);
    expect((await json(single)).detail).toEqual([
      { loc: ["body", "org_id"], msg: want, type: "less_than_equal" },
    ]);
    expect(await count()).toBe(before);
  });

  test("403 names entities of another org and unknown ones; nothing is written", async () => {
    const before = await count();
    const res = await post("/bulk/value", {
      org_id: acme.org.id,
      values: [
        { entity_id: pts[0]!.id, ts: "2025-05-01T00:00:00Z", value_n: 1 },
        { entity_id: foreign[0]!.id, ts: "2025-05-01T00:00:00Z", value_n: 1 },
        { entity_id: 999_999, ts: "2025-05-01T00:00:00Z", value_n: 1 },
      ],
    });
    expect(res.status).toBe(403);
    expect(await json(res)).toEqual({
      detail: `not allowed to write to entities: ${foreign[0]!.id}, 999999`,
    });
    expect(await count()).toBe(before);
    expect(await count("values_other")).toBe(0);
    const single = await post("/value", {
      org_id: acme.org.id,
      entity_id: foreign[0]!.id,
      ts: T0,
      value_n: 1,
    });
    expect(single.status).toBe(403);
  });

  test("403 for a non-member and for an org that does not exist; 401 without credentials", async () => {
    const body = { org_id: acme.org.id, values: [{ entity_id: pts[0]!.id, ts: T0, value_n: 1 }] };
    expect((await post("/bulk/value", body, other.member.token)).status).toBe(403);
    expect((await post("/bulk/value", { ...body, org_id: 424242 })).status).toBe(403);
    const anon = await t.app.request("/bulk/value", { method: "POST", body: JSON.stringify(body) });
    expect(anon.status).toBe(401);
    expect((await get(`/value/${pts[0]!.id}?org_id=${acme.org.id}`, other.member.token)).status).toBe(403);
  });

  test("413 above the bulk size limit", async () => {
    const values = Array.from({ length: 51 }, (_, i) => ({
      entity_id: pts[0]!.id,
      ts: new Date(Date.parse("2025-06-01T00:00:00Z") + i * 60_000).toISOString(),
      value_n: i,
    }));
    const res = await post("/bulk/value", { org_id: acme.org.id, values });
    expect(res.status).toBe(413);
    expect(await json(res)).toEqual({ detail: "at most 50 values per request" });
  });

  test("an empty bulk request writes nothing and answers []", async () => {
    const res = await post("/bulk/value", { org_id: acme.org.id, values: [] });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual([]);
  });

  test("GET /value pages newest first and validates its query", async () => {
    const p = pts[1]!.id;
    const page = await json(await get(`/value/${p}?org_id=${acme.org.id}&skip=1&limit=1`));
    expect(page.map((r: { ts: string }) => r.ts)).toEqual([T0]);
    expect((await get(`/value/${p}?org_id=${acme.org.id}&limit=1001`)).status).toBe(422);
    expect((await get(`/value/${p}`)).status).toBe(422);
    const notNumber = await get(`/value/abc?org_id=${acme.org.id}`);
    expect(notNumber.status).toBe(422);
    expect((await json(notNumber)).detail[0].loc).toEqual(["path", "entity_id"]);
    expect((await get(`/value/999999?org_id=${acme.org.id}`)).status).toBe(403);
  });

  test("POST /point/value: date_from <= ts < date_to, newest first, paged, limit up to 10000", async () => {
    const ids = [pts[1]!.id, pts[2]!.id];
    const res = await post("/point/value", { org_id: acme.org.id, points: ids, date_from: T0, date_to: T2 });
    expect(res.status).toBe(200);
    const rows = await json(res);
    expect(rows.map((r: { entity_id: number; ts: string }) => [r.entity_id, r.ts])).toEqual([
      [ids[0], T1],
      [ids[1], T1],
      [ids[0], T0],
    ]);
    const paged = await json(
      await post("/point/value", {
        org_id: acme.org.id,
        points: ids,
        date_from: T0,
        date_to: T2,
        skip: 1,
        limit: 1,
      }),
    );
    expect(paged).toEqual([rows[1]]);
    expect(
      (
        await post("/point/value", {
          org_id: acme.org.id,
          points: ids,
          date_from: T0,
          date_to: T2,
          limit: 10_001,
        })
      ).status,
    ).toBe(422);
    expect(
      (await post("/point/value", { org_id: acme.org.id, points: ids, date_from: T2, date_to: T0 })).status,
    ).toBe(422);
    expect(
      (await post("/point/value", { org_id: acme.org.id, points: ids, date_from: "x", date_to: T0 })).status,
    ).toBe(422);
    expect(
      (
        await post("/point/value", {
          org_id: acme.org.id,
          points: [foreign[0]!.id],
          date_from: T0,
          date_to: T2,
        })
      ).status,
    ).toBe(403);
  });

  test("POST /point/current answers the points that have a value, by id", async () => {
    const ids = [pts[0]!.id, pts[2]!.id];
    const rows = await json(
      await post("/point/current", { org_id: acme.org.id, points: [...ids].reverse() }),
    );
    expect(rows.map((r: { entity_id: number }) => r.entity_id)).toEqual(ids);
    expect((await post("/point/current", { org_id: acme.org.id, points: [foreign[0]!.id] })).status).toBe(
      403,
    );
    expect((await post("/point/current", { org_id: acme.org.id, points: "1" })).status).toBe(422);
  });

  test("POST /values: raw series per entity, and aggregates per bucket", async () => {
    const p = pts[0]!.id;
    const base = Date.parse("2025-07-01T00:00:00Z");
    const values = [0, 1, 2, 3, 4, 5].map((i) => ({
      entity_id: p,
      ts: new Date(base + i * 600_000).toISOString(),
      value_n: i + 1,
    }));
    expect((await post("/bulk/value", { org_id: acme.org.id, values })).status).toBe(200);
    const range = { date_from: "2025-07-01T00:00:00Z", date_to: "2025-07-01T01:00:00Z" };
    const raw = await json(
      await post("/values", { filter: "id == @acme.p1", org_id: acme.org.id, ...range }),
    );
    expect(raw).toHaveLength(1);
    expect(raw[0]).toMatchObject({ entity_id: p, entity_name: "Point 1", kind: "Number" });
    expect(raw[0].values.map((v: { value_n: number }) => v.value_n)).toEqual([1, 2, 3, 4, 5, 6]);
    const agg = async (aggregation: string) =>
      (
        await json(
          await post("/values", {
            filter: "point and his",
            org_id: acme.org.id,
            ...range,
            operation: { aggregation, timeInSeconds: 1800 },
          }),
        )
      ).find((s: { entity_id: number }) => s.entity_id === p).values;
    expect(await agg("avg")).toEqual([
      { ts: "2025-07-01T00:00:00.000Z", value_n: 2 },
      { ts: "2025-07-01T00:30:00.000Z", value_n: 5 },
    ]);
    expect((await agg("sum")).map((v: { value_n: number }) => v.value_n)).toEqual([6, 15]);
    expect((await agg("min")).map((v: { value_n: number }) => v.value_n)).toEqual([1, 4]);
    expect((await agg("max")).map((v: { value_n: number }) => v.value_n)).toEqual([3, 6]);
    expect((await agg("count")).map((v: { value_n: number }) => v.value_n)).toEqual([3, 3]);
    expect((await agg("first")).map((v: { value_n: number }) => v.value_n)).toEqual([1, 4]);
    expect((await agg("last")).map((v: { value_n: number }) => v.value_n)).toEqual([3, 6]);
    const none = await post("/values", { filter: "site", org_id: acme.org.id, ...range });
    expect(await json(none)).toEqual([]);
    // ^symbol terms are answered in the org's def namespace: a point is an entity, not a site.
    const bySymbol = await post("/values", {
      filter: "^entity and id == @acme.p1",
      org_id: acme.org.id,
      ...range,
    });
    expect((await json(bySymbol)).map((r: { entity_id: number }) => r.entity_id)).toEqual([p]);
    expect(await json(await post("/values", { filter: "^site", org_id: acme.org.id, ...range }))).toEqual([]);
    const bad = await post("/values", { filter: "point and (", org_id: acme.org.id, ...range });
    expect(bad.status).toBe(400);
    expect((await json(bad)).detail).toMatch(/^\d+:\d+ /);
    const badAgg = await post("/values", {
      filter: "point",
      org_id: acme.org.id,
      ...range,
      operation: { aggregation: "median", timeInSeconds: 60 },
    });
    expect(badAgg.status).toBe(422);
    const foreignOnly = await json(
      await post("/values", { filter: "id == @other.p1", org_id: acme.org.id, ...range }),
    );
    expect(foreignOnly).toEqual([]);
  });

  test("an org created while the app runs is writable at once", async () => {
    const late = await seedOrg(t.deps, { key: `late_${engine}` });
    const [p] = await makePoints(t.deps, late.org.id, 1, { prefix: "late" });
    const res = await post(
      "/bulk/value",
      { org_id: late.org.id, values: [{ entity_id: p!.id, ts: T0, value_n: 7 }] },
      late.member.token,
    );
    expect(res.status).toBe(200);
    expect(await count(`values_late_${engine}`)).toBe(1);
  });
});
