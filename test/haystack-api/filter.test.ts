// POST /filter on both engines: the original contract, org scoping, paging, tag selection, errors.
import { beforeAll, describe, expect, test } from "bun:test";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";
import { insertEntities } from "./fixture.ts";

const ACME = [
  `{id:@s1 dis:"HQ" site area:35000ft² tz:"New_York"}`,
  `{id:@s2 dis:"Annex" site area:5000ft² tz:"Chicago"}`,
  `{id:@ahu1 dis:"AHU-1" equip ahu siteRef:@s1}`,
  `{id:@vav1 dis:"VAV-1" equip vav siteRef:@s1 ahuRef:@ahu1}`,
  `{id:@p1 dis:"Zone Temp" point sensor temp his kind:"Number" unit:"°F" equipRef:@vav1 siteRef:@s1}`,
  `{id:@p2 dis:"Fan" point cmd his kind:"Bool" equipRef:@ahu1 siteRef:@s1 enabled:T}`,
  `{id:@p3 dis:"it's \\"odd\\"" point sp kind:"Number" unit:"°F" curVal:72°F equipRef:@vav1 siteRef:@s1 mode:"auto"}`,
];
// Another org holds look-alikes of everything: none of it may ever appear for acme's callers.
const OTHER = [
  `{id:@x1 dis:"HQ" site area:35000ft² tz:"New_York"}`,
  `{id:@x2 dis:"AHU-1" equip ahu siteRef:@x1}`,
  `{id:@x3 dis:"Zone Temp" point sensor temp his kind:"Number" unit:"°F" equipRef:@x2 siteRef:@x1 mode:"auto"}`,
];

// [name, filter, expected Haystack ids in entity-id order]
const CASES: [string, string, string[]][] = [
  ["has", "site", ["s1", "s2"]],
  ["and", "point and sensor", ["p1"]],
  ["or", "ahu or vav", ["ahu1", "vav1"]],
  ["upper-case keywords", "point AND (sensor OR cmd)", ["p1", "p2"]],
  ["missing", "point and not sensor", ["p2", "p3"]],
  ["NOT", "equip AND NOT ahu", ["vav1"]],
  ["number with unit", "area > 10000ft²", ["s1"]],
  ["number unit mismatch never matches", "area > 10000m²", []],
  ["str ==", `dis == "AHU-1"`, ["ahu1"]],
  ["str !=", `dis != "AHU-1" and equip`, ["vav1"]],
  ["quotes inside str (no injection)", `dis == "it's \\"odd\\""`, ["p3"]],
  ["injection text is a value", `dis == "x' OR 1=1 --"`, []],
  ["ref ==", "siteRef == @s1 and equip", ["ahu1", "vav1"]],
  ["ref to another org's id", "siteRef == @x1", []],
  ["path", "equipRef->ahuRef", ["p1", "p3"]],
  ["path compare", `equipRef->siteRef->dis == "HQ"`, ["p1", "p2", "p3"]],
  ["bool TRUE", "enabled == TRUE", ["p2"]],
  ["bool true", "enabled == true", ["p2"]],
  ["IN list", `dis IN ('HQ', 'Annex')`, ["s1", "s2"]],
  ["number ==", "curVal == 72°F", ["p3"]],
  ["everything of the org", "id", ["s1", "s2", "ahu1", "vav1", "p1", "p2", "p3"]],
];

describe.each(ENGINES)("POST /filter (%s)", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let other: SeededOrg;
  let ids: Map<string, number>;
  let otherIds: Map<string, number>;

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme" });
    other = await seedOrg(t.deps, { key: "other" });
    ids = await insertEntities(t.dbs.primary, acme.org.id, ACME);
    otherIds = await insertEntities(t.dbs.primary, other.org.id, OTHER);
  });

  const post = (token: string, body: unknown, query = "") =>
    t.app.request(`/filter${query}`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  test.each(CASES)("%s: %s", async (_name, filter, expected) => {
    const res = await post(acme.member.token, { filter, org_id: acme.org.id });
    expect(res.status).toBe(200);
    const body = (await json(res)) as { entity_id: number; tags: unknown[] }[];
    expect(body).toEqual(expected.map((id) => ({ entity_id: ids.get(id)!, tags: [] })));
    const foreign = new Set(otherIds.values());
    expect(body.some((r) => foreign.has(r.entity_id))).toBe(false);
  });

  test("the other org sees only its own entities", async () => {
    const res = await post(other.member.token, { filter: "point or site or equip", org_id: other.org.id });
    expect((await json(res)).map((r: { entity_id: number }) => r.entity_id)).toEqual([...otherIds.values()]);
  });

  test("tags: named tags, every tag with *, columns as the original", async () => {
    const res = await post(acme.member.token, {
      filter: "point and sp",
      org_id: acme.org.id,
      tags: ["dis", "curVal", "siteRef"],
    });
    const [row] = await json(res);
    expect(row.entity_id).toBe(ids.get("p3"));
    expect(row.tags.map((t: { tag_name: string }) => t.tag_name)).toEqual(["dis", "curVal", "siteRef"]);
    const cur = row.tags.find((t: { tag_name: string }) => t.tag_name === "curVal");
    expect(cur).toEqual({
      entity_id: ids.get("p3"),
      tag_id: expect.any(Number),
      tag_name: "curVal",
      value_n: 72,
      value_b: null,
      value_s: null,
      value_ts: null,
      value_ref: null,
      value_enum: null,
    });
    expect(row.tags.find((t: { tag_name: string }) => t.tag_name === "siteRef").value_ref).toBe(
      ids.get("s1"),
    );
    const all = await json(
      await post(acme.member.token, { filter: "id == @p3", org_id: acme.org.id, tags: ["*"] }),
    );
    expect(all[0].tags.map((t: { tag_name: string }) => t.tag_name)).toEqual([
      "id",
      "dis",
      "point",
      "sp",
      "kind",
      "unit",
      "curVal",
      "equipRef",
      "siteRef",
      "mode",
    ]);
  });

  test("paging: skip and limit, in the body or the query", async () => {
    const body = async (r: Response) => (await json(r)).map((x: { entity_id: number }) => x.entity_id);
    const all = [...ids.values()];
    expect(
      await body(await post(acme.member.token, { filter: "id", org_id: acme.org.id, skip: 2, limit: 3 })),
    ).toEqual(all.slice(2, 5));
    expect(
      await body(await post(acme.member.token, { filter: "id", org_id: acme.org.id }, "?skip=5&limit=1")),
    ).toEqual(all.slice(5, 6));
    expect((await post(acme.member.token, { filter: "id", org_id: acme.org.id, limit: 1001 })).status).toBe(
      422,
    );
  });

  test.each([
    ["site and and equip", "1:10"],
    ["x == ", "1:6"],
    ["(site", "1:6"],
    ["site\nor ==", "2:4"],
    ["area > 1e400", "1:8"],
  ])("syntax error %j → 400 line:col", async (filter, pos) => {
    const res = await post(acme.member.token, { filter, org_id: acme.org.id });
    expect(res.status).toBe(400);
    const { detail } = await json(res);
    expect(typeof detail).toBe("string");
    expect(detail.startsWith(`${pos} `)).toBe(true);
  });

  test("another org's id is 403; no token is 401; a bad body is 422", async () => {
    expect((await post(acme.member.token, { filter: "site", org_id: other.org.id })).status).toBe(403);
    expect((await post(acme.member.token, { filter: "site", org_id: 99_999 })).status).toBe(403);
    const anon = await t.app.request("/filter", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ filter: "site", org_id: acme.org.id }),
    });
    expect(anon.status).toBe(401);
    const bad = await post(acme.member.token, { filter: 5, org_id: acme.org.id });
    expect(bad.status).toBe(422);
    expect((await json(bad)).detail[0].loc).toEqual(["body", "filter"]);
  });

  test("a path through too many Refs is refused as 422 naming the filter, not compiled into a huge query", async () => {
    // ten steps compiled to 15 MB of SQL, which crashed the embedded engine's backend (a 500)
    const ten = `${Array(10).fill("equipRef").join("->")}->dis`;
    // within the step cost but 3 MB of SQL: 1,100 terms of one step each (took PGlite down after a minute)
    const many = Array(1100).fill("e->d").join(" or ");
    for (const filter of [ten, `site or ${Array(7).fill("siteRef").join("->")}`, many]) {
      const res = await post(acme.member.token, { filter, org_id: acme.org.id });
      expect(res.status).toBe(422);
      const { detail } = await json(res);
      expect(detail[0].loc).toEqual(["body", "filter"]);
      expect(detail[0].msg).toContain("at most 6 steps");
    }
    const hs = await t.app.request(`/api/acme/read?filter=${encodeURIComponent(ten)}`, {
      headers: bearer(acme.member.token),
    });
    expect(await hs.text()).toContain("at most 6 steps");
    // six steps are answered
    const six = await post(acme.member.token, {
      filter: `${Array(6).fill("equipRef").join("->")}->dis`,
      org_id: acme.org.id,
    });
    expect(six.status).toBe(200);
  });

  test("disabled entities never match", async () => {
    await t.dbs.primary.query("UPDATE core.entity SET disabled_ts = now() WHERE id = $1", [ids.get("s2")]);
    const res = await post(acme.member.token, { filter: "site", org_id: acme.org.id });
    expect((await json(res)).map((r: { entity_id: number }) => r.entity_id)).toEqual([ids.get("s1")]);
    await t.dbs.primary.query("UPDATE core.entity SET disabled_ts = NULL WHERE id = $1", [ids.get("s2")]);
  });
});
