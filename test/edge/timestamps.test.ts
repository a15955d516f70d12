// Timestamps from outside stay within 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z (CONTRACT.md,
// input hygiene: "timestamps outside PostgreSQL's range are 422", the range documented in
// src/haystack/instants.ts), on both engines: REST bodies (422 naming the field), console chart
// ranges (an explorer range at the limits of JavaScript dates was a 503), Haystack hisRead ranges
// and hisWrite dateTimes (an error grid / 400). Years below 100 are stored as those years.
import { beforeAll, describe, expect, test } from "bun:test";
import { parseTimestamp } from "../../src/ingest/timestamps.ts";
import { testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { callOp } from "../haystack-api/client.ts";
import { insertEntities } from "../haystack-api/fixture.ts";

const JS_MAX = "+275760-09-13T00:00:00.000Z";
const PAST_9999 = "9999-12-31T23:00:00-05:00"; // 10000-01-01T04:00Z
const BEFORE_0001 = "0001-01-01T00:30:00+01:00"; // year 0

describe("parseTimestamp (REST wire timestamps)", () => {
  test.each([
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
    ["0050-06-01 12:00:00", "0050-06-01T12:00:00.000Z"],
    ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"],
    ["9999-12-31T23:59:59-00:00", "9999-12-31T23:59:59.000Z"],
  ])("%s is %s", (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });
  test.each([PAST_9999, BEFORE_0001, "0000-01-01T00:00:00Z", JS_MAX, "275760-09-13T00:00:00Z"])(
    "%s is not a timestamp",
    (text) => {
      expect(parseTimestamp(text)).toBeNull();
    },
  );
});

describe.each(ENGINES)("timestamps at the edges of the range on %s", (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let s: SeededOrg;
  let pointId: number;
  const auth = () => bearer(s.admin.token);
  const post = (path: string, body: unknown) =>
    t.app.request(path, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const detail = async (res: Response) => ({
    status: res.status,
    locs: ((await res.json()) as { detail: { loc: unknown[] }[] }).detail.map((d) => d.loc),
  });

  beforeAll(async () => {
    t = await testApp(engine);
    s = await seedOrg(t.deps, { key: "edgets" });
    const ids = await insertEntities(t.dbs.primary, s.org.id, [
      `{id:@p1 dis:"Zone temp" point his kind:"Number" unit:"°F" tz:"New_York"}`,
    ]);
    pointId = ids.get("p1")!;
  });

  test("a tag's value_ts in year 50 is stored as year 50; past 9999 it is a 422 naming the field", async () => {
    const ok = await post("/entity", {
      org_id: s.org.id,
      tags: [
        { tag_name: "dis", value_s: "old" },
        { tag_name: "mod", value_ts: "0050-06-01T00:00:00Z" },
      ],
    });
    const body = (await ok.json()) as { tags: { tag_name: string; value_ts: string | null }[] };
    expect({ status: ok.status, ts: body.tags?.find((x) => x.tag_name === "mod")?.value_ts }).toEqual({
      status: 200,
      ts: "0050-06-01T00:00:00.000Z",
    });
    for (const ts of [PAST_9999, BEFORE_0001, JS_MAX])
      expect(
        await detail(await post("/entity", { org_id: s.org.id, tags: [{ tag_name: "mod", value_ts: ts }] })),
      ).toEqual({ status: 422, locs: [["body", "tags", 0, "value_ts"]] });
  });

  test.each([
    [
      "/point/value date_to",
      "/point/value",
      () => ({ org_id: s.org.id, points: [pointId], date_from: "2026-01-01T00:00:00Z", date_to: JS_MAX }),
      ["body", "date_to"],
    ],
    [
      "/point/value date_from",
      "/point/value",
      () => ({
        org_id: s.org.id,
        points: [pointId],
        date_from: BEFORE_0001,
        date_to: "2026-01-01T00:00:00Z",
      }),
      ["body", "date_from"],
    ],
    [
      "/values date_to",
      "/values",
      () => ({ org_id: s.org.id, filter: "point", date_from: "2026-01-01T00:00:00Z", date_to: PAST_9999 }),
      ["body", "date_to"],
    ],
    [
      "/bulk/value ts",
      "/bulk/value",
      () => ({ org_id: s.org.id, values: [{ entity_id: pointId, ts: JS_MAX, value_n: 1 }] }),
      ["body", "values", 0, "ts"],
    ],
    [
      "/token expires_at",
      "/token",
      () => ({ org_id: s.org.id, name: "far", expires_at: PAST_9999 }),
      ["body", "expires_at"],
    ],
  ] as const)("%s beyond the range → 422 naming it", async (_name, path, body, loc) => {
    expect(await detail(await post(path, body()))).toEqual({
      status: 422,
      locs: [loc as unknown as unknown[]],
    });
  });

  test("the whole range is a valid /point/value query", async () => {
    const res = await post("/point/value", {
      org_id: s.org.id,
      points: [pointId],
      date_from: "0001-01-01T00:00:00Z",
      date_to: "9999-12-31T23:59:59.999Z",
    });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 200, body: [] });
  });

  test.each([
    [
      "chart.csv",
      () =>
        `/explorer/chart.csv?points=${pointId}&from=2026-01-01T00:00:00Z&to=${encodeURIComponent(JS_MAX)}`,
    ],
    [
      "chart, custom range",
      () =>
        `/explorer/chart?points=${pointId}&range=custom&from=2026-01-01T00:00&to=${encodeURIComponent(JS_MAX)}`,
    ],
    [
      "point page, custom range",
      () => `/explorer/point/${pointId}?range=custom&from=${encodeURIComponent(JS_MAX)}&to=`,
    ],
  ])(
    "explorer %s at the limit of JavaScript dates → 4xx or the form's message, never 5xx",
    async (_n, url) => {
      const res = await t.app.request(url(), { headers: auth() });
      const text = await res.text();
      expect(res.status).toBeLessThan(500);
      if (res.status === 200) expect(text).toContain("YYYY-MM-DDTHH:MM");
    },
  );

  test("hisRead of a range crossing 9999 in the point's zone → an error grid naming the range", async () => {
    const r = await callOp(t.app, "edgets", "hisRead", {
      auth: auth().authorization,
      body: `ver:"3.0"\nid,range\n@p1,"9999-12-31"\n`,
    });
    expect(r.status).toBe(200);
    expect(r.grid?.meta).toMatchObject({
      err: expect.anything(),
      dis: expect.stringContaining("outside 0001-01-01"),
    });
  });

  test("hisWrite of a dateTime past 9999 → 400, nothing written", async () => {
    const r = await callOp(t.app, "edgets", "hisWrite", {
      auth: auth().authorization,
      body: `ver:"3.0" id:@p1\nts,val\n${PAST_9999} New_York,1\n`,
    });
    expect({ status: r.status, text: r.text }).toEqual({
      status: 400,
      text: expect.stringContaining("outside"),
    });
    expect(await t.dbs.primary.query("SELECT 1 FROM core.values_edgets")).toEqual([]);
  });
});
