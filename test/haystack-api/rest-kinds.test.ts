// Every Haystack kind a tag can hold, written over REST (`POST /entity` with the additive
// `value_kind` and `value_unit`), read back over REST with the same fields, and read through the
// Haystack `read` op in Zinc and in Haystack JSON, decoded by an independent library
// (haystack-core, under haystack-nclient): each tag is the value its hand-written Zinc form names,
// a DateTime in the zone it was written in, a Number with its unit, a ref list as a ref list.
import { beforeAll, describe, expect, test } from "bun:test";
import { type HDict, type HGrid, makeValue, ZincReader } from "haystack-core";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { json } from "../harness/http.ts";
import { callOp } from "./client.ts";

type Wire = Record<string, unknown>;

// [tag, its definition's kind (null: a seeded tag), wire fields, the value in Zinc]
const KINDS: [tag: string, defKind: string | null, wire: Wire, zinc: string][] = [
  ["site", null, { value_kind: "Marker" }, "M"],
  ["tkBool", "bool", { value_kind: "Bool", value_b: false }, "F"],
  ["tkNum", "number", { value_kind: "Number", value_n: 72.5, value_unit: "°F" }, "72.5°F"],
  ["dis", null, { value_kind: "Str", value_s: "Kinds" }, '"Kinds"'],
  ["tkUri", "uri", { value_kind: "Uri", value_s: "http://example.com/a" }, "`http://example.com/a`"],
  ["tkRef", "ref", { value_kind: "Ref", value_s: "@k.target" }, "@k.target"],
  ["tkSym", "symbol", { value_kind: "Symbol", value_s: "^hot-water" }, "^hot-water"],
  ["tkDate", "date", { value_kind: "Date", value_ts: "2024-03-10" }, "2024-03-10"],
  ["tkTime", "time", { value_kind: "Time", value_s: "08:30:15" }, "08:30:15"],
  [
    "tkDt",
    "dateTime",
    { value_kind: "DateTime", value_ts: "2024-03-10T08:30:00-04:00", value_unit: "New_York" },
    "2024-03-10T08:30:00-04:00 New_York",
  ],
  [
    "geoCoord",
    null,
    { value_kind: "Coord", value_dict: { _kind: "coord", lat: 41.88, lng: -87.63 } },
    "C(41.88,-87.63)",
  ],
  [
    "tkX",
    "xstr",
    { value_kind: "XStr", value_dict: { _kind: "xstr", type: "Span", val: "today" } },
    'Span("today")',
  ],
  [
    "tkDict",
    "dict",
    {
      value_kind: "Dict",
      value_dict: { a: 1, b: { _kind: "marker" }, r: { _kind: "ref", val: "k.target" }, n: { c: "x" } },
    },
    '{a:1 b r:@k.target n:{c:"x"}}',
  ],
  ["tkRefs", "list", { value_kind: "List", value_list: ["@k.target", "@k.other"] }, "[@k.target, @k.other]"],
  ["tkList", "list", { value_kind: "List", value_list: ['"s"', "1kW", "plain"] }, '["s", 1kW, "plain"]'],
];

const send = (method: string, body: unknown, token: string) => ({
  method,
  headers: { ...bearer(token), "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe.each(ENGINES)("every kind from REST to Haystack (%s)", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let written: { id: number; tags: (Wire & { tag_name: string })[] };

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme" });
    const admin = acme.admin.token;
    for (const [name, kind] of KINDS) {
      if (kind === null) continue;
      const metas = [
        { attribute: "lib", value: "custom" },
        { attribute: "is", value: kind },
      ];
      const r = await t.app.request("/tagdef", send("POST", { org_id: acme.org.id, name, metas }, admin));
      expect(r.status).toBe(200);
    }
    for (const id of ["k.target", "k.other"]) {
      const r = await t.app.request(
        "/entity",
        send("POST", { org_id: acme.org.id, tags: [{ tag_name: "id", value_s: id }] }, admin),
      );
      expect(r.status).toBe(200);
    }
    const tags = [
      { tag_name: "id", value_kind: "Ref", value_s: "@k.kinds" },
      ...KINDS.map(([tag_name, , wire]) => ({ tag_name, ...wire })),
    ];
    const res = await t.app.request("/entity", send("POST", { org_id: acme.org.id, tags }, admin));
    expect(res.status).toBe(200);
    written = (await json(res)) as typeof written;
  });

  test("REST answers, on write and on read, the kind and fields written", async () => {
    const res = await t.app.request(`/entity/${written.id}?org_id=${acme.org.id}`, {
      headers: bearer(acme.member.token),
    });
    expect(res.status).toBe(200);
    const read = (await json(res)) as typeof written;
    for (const body of [written, read]) {
      const byName = new Map(body.tags.map((tag) => [tag.tag_name, tag]));
      for (const [tag, , wire] of KINDS) {
        const got = byName.get(tag);
        expect(got?.value_kind).toBe(wire.value_kind);
        if (wire.value_unit !== undefined) expect(got?.value_unit).toBe(wire.value_unit);
        if (wire.value_list !== undefined) expect(got?.value_list).toEqual(wire.value_list);
        if (wire.value_n !== undefined) expect(got?.value_n).toBe(wire.value_n);
        if (wire.value_b !== undefined) expect(got?.value_b).toBe(wire.value_b);
      }
      expect(byName.get("tkDt")?.value_ts).toBe("2024-03-10T12:30:00.000Z");
      expect(byName.get("tkDate")?.value_ts).toBe("2024-03-10T00:00:00.000Z");
      expect(byName.get("tkTime")?.value_s).toBe("08:30:15");
      expect(byName.get("tkSym")?.value_s).toBe("hot-water");
      expect(byName.get("tkRef")?.value_s).toBe("k.target");
    }
  });

  test.each(["text/zinc", "application/json"])("read as %s, decoded by haystack-core", async (accept) => {
    const r = await callOp(t.app, "acme", "read", {
      auth: `Bearer ${acme.member.token}`,
      query: { filter: "id == @k.kinds" },
      accept,
    });
    expect(r.status).toBe(200);
    const grid = (
      accept === "text/zinc" ? ZincReader.readValue(r.text) : makeValue(JSON.parse(r.text))
    ) as HGrid;
    expect(grid.length).toBe(1);
    const row = grid.get(0) as HDict;
    for (const [tag, , , zinc] of KINDS) {
      const expected = ZincReader.readValue(zinc);
      const got = row.get(tag);
      // Dict tags compare as dicts (the store does not keep their key order).
      expect([tag, got?.equals(expected) ? "equal" : got?.toZinc()]).toEqual([tag, "equal"]);
    }
  });

  test("fields that do not make the kind named are a 422 naming the field", async () => {
    const cases: [Wire, string][] = [
      [{ tag_name: "tkDate", value_kind: "Date", value_ts: "2024-02-30" }, "value_ts"],
      [
        {
          tag_name: "tkDt",
          value_kind: "DateTime",
          value_ts: "2024-03-10T08:30:00Z",
          value_unit: "Atlantis",
        },
        "value_unit",
      ],
      [{ tag_name: "tkBool", value_kind: "Bool", value_s: "true" }, "value_s"],
      [{ tag_name: "tkDict", value_kind: "Dict", value_dict: "[1]" }, "value_dict"],
      [{ tag_name: "tkNum", value_kind: "Number", value_ref: written.id }, "value_ref"],
    ];
    for (const [tag, field] of cases) {
      const res = await t.app.request(
        "/entity",
        send("POST", { org_id: acme.org.id, tags: [tag] }, acme.admin.token),
      );
      expect(res.status).toBe(422);
      const body = (await json(res)) as { detail: { loc: unknown[] }[] };
      expect(body.detail[0]?.loc).toEqual(["body", "tags", 0, field]);
    }
    const bad = await t.app.request(
      "/entity",
      send(
        "POST",
        { org_id: acme.org.id, tags: [{ tag_name: "dis", value_kind: "Text", value_s: "x" }] },
        acme.admin.token,
      ),
    );
    expect(bad.status).toBe(422);
  });
});
