// The Haystack HTTP API at /api/{org}/{op}: status codes, formats, read, nav, hisRead (every range
// form, a DST day in New_York), hisWrite, watches, pointWrite and effectiveWrites, writeVal and
// writeLevel on writable points, SCRAM login.
import { beforeAll, describe, expect, test } from "bun:test";
import {
  Grid,
  type HDate,
  HDateTime,
  HNum,
  HSymbol,
  type HVal,
  MARKER,
  parseHisRange,
  Ref,
  readJsonGrid,
  readZincGrid,
} from "../../src/haystack/index.ts";
import { effectiveWrites } from "../../src/points/point-write.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { callOp, scramLogin } from "./client.ts";
import { insertEntities, insertHistory } from "./fixture.ts";

const ENTITIES = [
  `{id:@s1 dis:"HQ" site tz:"New_York"}`,
  `{id:@ahu1 dis:"AHU-1" equip ahu siteRef:@s1}`,
  `{id:@p1 dis:"Zone Temp" point sensor temp his kind:"Number" unit:"°F" tz:"New_York" equipRef:@ahu1 siteRef:@s1}`,
  `{id:@p2 dis:"Supply Temp" point sensor his kind:"Number" unit:"°F" tz:"New_York" equipRef:@ahu1 siteRef:@s1}`,
  `{id:@sp1 dis:"Setpoint" point sp writable kind:"Number" unit:"°F" tz:"New_York" equipRef:@ahu1 siteRef:@s1}`,
  `{id:@m1 dis:"Site power" point sensor elec power his kind:"Number" unit:"kW" tz:"New_York" siteRef:@s1}`,
  `{id:@ws1 dis:"Weather" weatherStation tz:"New_York"}`,
  `{id:@w1 dis:"Outside temp" point sensor air temp weather his kind:"Number" unit:"°F" tz:"New_York" weatherStationRef:@ws1}`,
];
const FOREIGN = [
  `{id:@f1 dis:"Foreign" site tz:"UTC"}`,
  `{id:@f2 dis:"Foreign pt" point his kind:"Number" siteRef:@f1}`,
];

const Q = 15 * 60_000;
const NY_DST_START = Date.parse("2024-03-09T05:00:00Z"); // 2024-03-09 00:00 EST
const NY_DST_END = Date.parse("2024-03-12T04:00:00Z"); // 2024-03-12 00:00 EDT

const series = (from: number, to: number, f: (ms: number) => number): [number, number][] => {
  const out: [number, number][] = [];
  for (let t = from; t < to; t += Q) out.push([t, f(t)]);
  return out;
};

describe.each(ENGINES)("Haystack API (%s)", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let other: SeededOrg;
  let ids: Map<string, number>;
  let auth: string;
  const now = Date.now();
  const recentFrom = Math.floor((now - 3 * 86_400_000) / Q) * Q;

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme", password: TEST_PASSWORD });
    other = await seedOrg(t.deps, { key: "other" });
    ids = await insertEntities(t.dbs.primary, acme.org.id, ENTITIES);
    const foreign = await insertEntities(t.dbs.primary, other.org.id, FOREIGN);
    await insertHistory(t.dbs.primary, "acme", ids.get("p1")!, [
      ...series(NY_DST_START, NY_DST_END, (ms) => (ms - NY_DST_START) / Q),
      ...series(recentFrom, now, () => 70),
    ]);
    await insertHistory(
      t.dbs.primary,
      "acme",
      ids.get("p2")!,
      series(NY_DST_START, NY_DST_END, () => 55),
    );
    await insertHistory(
      t.dbs.primary,
      "other",
      foreign.get("f2")!,
      series(NY_DST_START, NY_DST_END, () => 1),
    );
    auth = `Bearer ${acme.member.token}`;
  });

  describe("status codes", () => {
    test("401 without credentials, with a SCRAM challenge", async () => {
      const r = await callOp(t.app, "acme", "about");
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toContain("SCRAM");
      const bad = await callOp(t.app, "acme", "about", { auth: "Bearer nope" });
      expect(bad.status).toBe(401);
      expect(bad.headers.get("www-authenticate")).toContain("SCRAM");
      expect((await callOp(t.app, "acme", "about", { auth: "Basic eDp5" })).status).toBe(401);
    });

    test.each([
      ["another org", "other", "about", {}, 403],
      ["unknown org", "nope", "about", {}, 403],
      ["unknown op", "acme", "frobnicate", {}, 404],
      ["GET of an op with side effects", "acme", "hisWrite", {}, 405],
      ["PUT", "acme", "read", { method: "PUT" }, 405],
      ["unsupported Accept", "acme", "about", { accept: "image/png" }, 406],
      [
        "unsupported request type",
        "acme",
        "read",
        { body: 'filter\n"site"\n', contentType: "text/csv" },
        415,
      ],
      ["malformed Zinc", "acme", "read", { body: 'ver:"3.0"\nfilter\n"unterminated\n' }, 400],
    ] as const)("%s → %i", async (_n, org, op, opts, status) => {
      const r = await callOp(t.app, org, op, { auth, ...opts });
      expect(r.status).toBe(status);
    });

    test("a failure after the request grid was read is a 200 error grid", async () => {
      const r = await callOp(t.app, "acme", "read", { auth, query: { filter: "site and and" } });
      expect(r.status).toBe(200);
      expect(r.grid!.meta.err).toBe(MARKER);
      expect(String(r.grid!.meta.dis)).toMatch(/^1:\d+ /);
      expect(typeof r.grid!.meta.errTrace).toBe("string");
    });
  });

  describe("formats and the small ops", () => {
    test("about in Zinc by default and JSON on request", async () => {
      const z = await callOp(t.app, "acme", "about", { auth });
      expect(z.headers.get("content-type")).toStartWith("text/zinc");
      expect(z.grid!.rows[0]!.haystackVersion).toBe("4.0");
      expect(z.grid!.rows[0]!.whoami).toBe(acme.member.email);
      const j = await callOp(t.app, "acme", "about", { auth, accept: "application/json" });
      expect(j.headers.get("content-type")).toStartWith("application/json");
      expect(JSON.parse(j.text).rows[0].haystackVersion).toBe("4.0");
    });

    test("invokeAction: error grids (no actions are defined), GET refused", async () => {
      const call = (meta: Record<string, HVal>) =>
        callOp(t.app, "acme", "invokeAction", {
          auth,
          body: new Grid(meta, [{ name: "empty", meta: {} }], []),
        });
      const cases: [meta: Record<string, HVal>, dis: string][] = [
        [{ id: new Ref("ahu1"), action: "reset" }, "@ahu1 has no action reset (no actions are defined)"],
        [{ id: new Ref("nope"), action: "reset" }, "unknown id @nope"],
        [{ id: new Ref("f1"), action: "reset" }, "unknown id @f1"],
        [{ action: "reset" }, "invokeAction needs meta id (a Ref)"],
        [{ id: new Ref("ahu1") }, "invokeAction needs meta action (a Str)"],
      ];
      for (const [meta, dis] of cases) {
        const r = await call(meta);
        expect(r.status).toBe(200);
        expect(r.grid!.meta.err).toBe(MARKER);
        expect(r.grid!.meta.dis).toBe(dis);
      }
      expect((await callOp(t.app, "acme", "invokeAction", { auth })).status).toBe(405);
    });

    test("defs and libs: the seeded namespace with the entity taxonomy", async () => {
      const defs = await callOp(t.app, "acme", "defs", { auth });
      expect(defs.status).toBe(200);
      const byDef = new Map(defs.grid!.rows.map((d) => [(d.def as HSymbol).val, d]));
      expect(defs.grid!.cols[0]!.name).toBe("def");
      expect(byDef.get("ahu")).toMatchObject({
        is: [new HSymbol("airHandlingEquip")],
        lib: new HSymbol("lib:phIoT"),
      });
      expect(byDef.get("airHandlingEquip")).toMatchObject({ is: [new HSymbol("equip")] });
      expect(byDef.get("dis")).toMatchObject({ is: [new HSymbol("str")], lib: new HSymbol("lib:ph") });
      expect(byDef.get("siteRef")).toMatchObject({ is: [new HSymbol("ref")] });
      const ahu = await callOp(t.app, "acme", "defs", { auth, query: { filter: "def == ^ahu" } });
      expect(ahu.grid!.rows.map((d) => (d.def as HSymbol).val)).toEqual(["ahu"]);
      const two = await callOp(t.app, "acme", "defs", {
        auth,
        query: { filter: "lib == ^lib:phIoT", limit: "2" },
      });
      expect(two.grid!.rows.length).toBe(2);
      const libs = await callOp(t.app, "acme", "libs", { auth, accept: "application/json" });
      // `custom` is listed once it holds a tag (none is defined on the fly here).
      expect(libs.grid!.rows.map((d) => (d.def as HSymbol).val)).toEqual([
        "lib:ph",
        "lib:phIoT",
        "lib:phScience",
      ]);
      const bad = await callOp(t.app, "acme", "defs", { auth, query: { filter: "and and" } });
      expect(bad.grid!.meta.err).toBe(MARKER);
    });

    test("the media type asked for is the one answered", async () => {
      const cases: [accept: string, contentType: string][] = [
        ["application/vnd.haystack+json", "application/vnd.haystack+json; charset=utf-8"],
        ["application/json", "application/json; charset=utf-8"],
        ["text/zinc", "text/zinc; charset=utf-8"],
        ["*/*", "text/zinc; charset=utf-8"],
        ["text/zinc;q=0.5, application/vnd.haystack+json", "application/vnd.haystack+json; charset=utf-8"],
      ];
      for (const [accept, contentType] of cases) {
        const r = await callOp(t.app, "acme", "read", { auth, accept, query: { filter: "site" } });
        expect(r.status).toBe(200);
        expect(r.headers.get("content-type")).toBe(contentType);
        expect(r.grid!.rows.length).toBe(1);
      }
    });

    test("ops, formats, filetypes", async () => {
      const ops = await callOp(t.app, "acme", "ops", { auth });
      expect(ops.grid!.rows.map((r) => r.name)).toEqual([
        "about",
        "close",
        "ops",
        "formats",
        "filetypes",
        "defs",
        "libs",
        "read",
        "nav",
        "hisRead",
        "hisWrite",
        "watchSub",
        "watchUnsub",
        "watchPoll",
        "pointWrite",
        "invokeAction",
      ]);
      const formats = await callOp(t.app, "acme", "formats", { auth });
      expect(formats.grid!.rows.map((r) => r.mime)).toEqual([
        "text/zinc",
        "application/json",
        "application/vnd.haystack+json",
      ]);
      const ft = await callOp(t.app, "acme", "filetypes", { auth });
      expect(ft.grid!.rows.map((r) => r.mime)).toEqual(["text/zinc", "application/json"]);
    });
  });

  describe("read and nav", () => {
    test("read by filter (GET) with Refs carrying dis, curVal from current values", async () => {
      const r = await callOp(t.app, "acme", "read", {
        auth,
        query: { filter: "point and his and equipRef" },
      });
      expect(r.grid!.rows.map((d) => (d.id as Ref).id)).toEqual(["p1", "p2"]);
      const p1 = r.grid!.rows[0]!;
      expect((p1.id as Ref).dis).toBe("Zone Temp");
      expect((p1.siteRef as Ref).dis).toBe("HQ");
      expect(p1.curVal).toEqual(new HNum(70, "°F"));
      expect(p1.curStatus).toBe("ok");
    });

    test("read by filter with limit, as a Zinc POST round trip", async () => {
      const req = Grid.fromRows([{ filter: "point", limit: new HNum(2) }]);
      const r = await callOp(t.app, "acme", "read", { auth, body: req });
      expect(r.grid!.rows.length).toBe(2);
      expect(readZincGrid(r.text).rows.map((d) => (d.id as Ref).id)).toEqual(["p1", "p2"]);
    });

    test("read by ids: unknown and foreign ids give rows of nulls", async () => {
      const req = Grid.fromRows([{ id: new Ref("s1") }, { id: new Ref("nope") }, { id: new Ref("f1") }]);
      const r = await callOp(t.app, "acme", "read", { auth, body: req, accept: "application/json" });
      const g = readJsonGrid(r.text);
      expect(g.rows.length).toBe(3);
      expect((g.rows[0]!.id as Ref).id).toBe("s1");
      expect(g.rows[1]).toEqual({});
      expect(g.rows[2]).toEqual({});
    });

    test("nav: sites and weather stations, then equips and site points, then points", async () => {
      const roots = await callOp(t.app, "acme", "nav", { auth });
      expect(roots.grid!.rows.map((d) => (d.navId as Ref).id)).toEqual(["s1", "ws1"]);
      const equips = await callOp(t.app, "acme", "nav", { auth, query: { navId: "@s1" } });
      expect(equips.grid!.rows.map((d) => (d.id as Ref).id)).toEqual(["ahu1", "m1"]);
      expect(equips.grid!.rows.map((d) => (d.navId as Ref | undefined)?.id)).toEqual(["ahu1", undefined]);
      const weather = await callOp(t.app, "acme", "nav", { auth, query: { navId: "@ws1" } });
      expect(weather.grid!.rows.map((d) => (d.id as Ref).id)).toEqual(["w1"]);
      expect(weather.grid!.rows[0]!.navId).toBeUndefined();
      const points = await callOp(t.app, "acme", "nav", { auth, query: { navId: "@ahu1" } });
      expect(points.grid!.rows.map((d) => (d.id as Ref).id)).toEqual(["p1", "p2", "sp1"]);
      expect(points.grid!.rows.every((d) => d.navId === undefined)).toBe(true);
    });
  });

  describe("hisRead", () => {
    const read = (range: string, id = "@p1") =>
      callOp(t.app, "acme", "hisRead", { auth, query: { id, range } });

    test("a DST day in New_York has 92 rows, in the point's zone, with hisStart/hisEnd", async () => {
      const r = await read("2024-03-10");
      const g = r.grid!;
      expect(g.rows.length).toBe(92);
      expect(g.meta.hisStart).toEqual(HDateTime.parse("2024-03-10T00:00:00-05:00", "New_York"));
      expect(g.meta.hisEnd).toEqual(HDateTime.parse("2024-03-11T00:00:00-04:00", "New_York"));
      expect((g.meta.id as Ref).id).toBe("p1");
      const first = g.rows[0]!.ts as HDateTime;
      const last = g.rows[91]!.ts as HDateTime;
      expect(first.toString()).toBe("2024-03-10T00:00:00-05:00 New_York");
      expect(last.toString()).toBe("2024-03-10T23:45:00-04:00 New_York");
      expect(g.rows[0]!.val).toEqual(new HNum(96, "°F"));
      expect(r.text).toContain("2024-03-10T03:00:00-04:00 New_York");
      expect(r.text).not.toContain("2024-03-10T02:");
    });

    test.each([
      ["two dates", "2024-03-09,2024-03-10", 96 + 92],
      ["two date-times", "2024-03-10T00:00:00-05:00 New_York,2024-03-10T06:00:00-04:00 New_York", 20],
      ["quoted", `"2024-03-11"`, 96],
    ])("range form: %s", async (_n, range, rows) => {
      expect((await read(range)).grid!.rows.length).toBe(rows);
    });

    test("one date-time reads until now", async () => {
      const start = recentFrom + 10 * Q;
      const iso = HDateTime.fromInstant(start, "New_York").toString();
      const g = (await read(iso)).grid!;
      expect(g.rows.length).toBe(Math.ceil((now - start) / Q));
    });

    test.each(["today", "yesterday"])("%s, in New_York", async (range) => {
      const { start, end } = parseHisRange(range, "America/New_York", Date.now());
      const g = (await read(range)).grid!;
      const expected = Math.ceil((Math.min(end.epochMs, now) - Math.max(start.epochMs, recentFrom)) / Q);
      expect(g.rows.length).toBe(expected);
      const day = range === "today" ? start.date() : (start.date() as HDate);
      for (const row of g.rows) expect((row.ts as HDateTime).date()).toEqual(day);
    });

    test("batch form: meta range, one column per point", async () => {
      const req = new Grid(
        { range: "2024-03-10" },
        [{ name: "id", meta: {} }],
        [{ id: new Ref("p1") }, { id: new Ref("p2") }],
      );
      const g = (await callOp(t.app, "acme", "hisRead", { auth, body: req })).grid!;
      expect(g.cols.map((c) => c.name)).toEqual(["ts", "v0", "v1"]);
      expect(g.cols.map((c) => (c.meta.id as Ref | undefined)?.id)).toEqual([undefined, "p1", "p2"]);
      expect(g.rows.length).toBe(92);
      expect(g.rows[5]).toMatchObject({ v1: new HNum(55, "°F") });
    });

    test("errors: a bad range, an unknown id, a foreign id, an entity without his", async () => {
      for (const [range, id] of [
        ["next week", "@p1"],
        ["2024-03-10", "@nope"],
        ["2024-03-10", "@f2"],
        ["2024-03-10", "@sp1"],
        ["2024-03-10", "@ahu1"],
      ]) {
        const r = await read(range!, id);
        expect(r.status).toBe(200);
        expect(r.grid!.meta.err).toBe(MARKER);
        expect(r.grid!.rows.length).toBe(0);
      }
      const noHis = await read("2024-03-10", "@sp1");
      expect(noHis.grid!.meta.dis).toBe("@sp1 has no history (not a his point)");
    });
  });

  test("hisWrite through the ingest path, then hisRead sees it", async () => {
    const base = Date.parse("2024-05-01T12:00:00Z");
    const req = new Grid(
      { id: new Ref("p2") },
      [
        { name: "ts", meta: {} },
        { name: "val", meta: {} },
      ],
      [0, 1, 2].map((i) => ({
        ts: HDateTime.fromInstant(base + i * Q, "New_York"),
        val: new HNum(60 + i, "°F"),
      })),
    );
    const w = await callOp(t.app, "acme", "hisWrite", { auth, body: req });
    expect(w.grid!.meta.err).toBeUndefined();
    const g = (await callOp(t.app, "acme", "hisRead", { auth, query: { id: "@p2", range: "2024-05-01" } }))
      .grid!;
    expect(g.rows.map((r) => (r.val as HNum).val)).toEqual([60, 61, 62]);
    const wrongUnit = new Grid(req.meta, req.cols, [
      { ts: HDateTime.fromInstant(base, "UTC"), val: new HNum(1, "kW") },
    ]);
    expect((await callOp(t.app, "acme", "hisWrite", { auth, body: wrongUnit })).grid!.meta.err).toBe(MARKER);
  });

  test("watch: sub, poll only changes, refresh, unsub", async () => {
    const sub = new Grid(
      { watchDis: "test", lease: new HNum(1, "min") },
      [{ name: "id", meta: {} }],
      [{ id: new Ref("p1") }, { id: new Ref("p2") }, { id: new Ref("nope") }],
    );
    const s = (await callOp(t.app, "acme", "watchSub", { auth, body: sub })).grid!;
    const watchId = s.meta.watchId as string;
    expect(typeof watchId).toBe("string");
    expect(s.meta.lease).toEqual(new HNum(1, "min"));
    expect(s.rows.length).toBe(3);
    expect(s.rows[2]).toEqual({});
    const poll = (refresh = false) =>
      callOp(t.app, "acme", "watchPoll", {
        auth,
        body: Grid.empty(refresh ? { watchId, refresh: MARKER } : { watchId }),
      });
    expect((await poll()).grid!.rows.length).toBe(0);
    await insertHistory(t.dbs.primary, "acme", ids.get("p2")!, [[now, 99]]);
    const changed = (await poll()).grid!;
    expect(changed.rows.map((r) => [(r.id as Ref).id, r.curVal])).toEqual([["p2", new HNum(99, "°F")]]);
    expect((await poll()).grid!.rows.length).toBe(0);
    expect((await poll(true)).grid!.rows.length).toBe(2);
    const otherCaller = await callOp(t.app, "acme", "watchPoll", {
      auth: `Bearer ${acme.admin.token}`,
      body: Grid.empty({ watchId }),
    });
    expect(otherCaller.grid!.meta.err).toBe(MARKER);
    await callOp(t.app, "acme", "watchUnsub", { auth, body: Grid.empty({ watchId, close: MARKER }) });
    expect((await poll()).grid!.meta.err).toBe(MARKER);
  });

  test("pointWrite: levels, the read form, effectiveWrites", async () => {
    const write = (id: string, level: number, val: HNum | null, extra = {}) =>
      callOp(t.app, "acme", "pointWrite", {
        auth,
        body: Grid.fromRows([
          { id: new Ref(id), level: new HNum(level), ...(val ? { val } : {}), who: "tester", ...extra },
        ]),
      });
    expect((await write("p1", 8, new HNum(70, "°F"))).grid!.meta.err).toBe(MARKER);
    expect((await write("sp1", 18, new HNum(70, "°F"))).grid!.meta.err).toBe(MARKER);
    await write("sp1", 10, new HNum(68, "°F"));
    const arr = (await write("sp1", 8, new HNum(72, "°F"))).grid!;
    expect(arr.rows.length).toBe(17);
    expect(arr.rows[7]).toEqual({
      level: new HNum(8),
      levelDis: "manual",
      val: new HNum(72, "°F"),
      who: "tester",
    });
    expect(arr.rows[9]!.val).toEqual(new HNum(68, "°F"));
    expect((await effectiveWrites({ deps: t.deps, orgId: acme.org.id })).get(ids.get("sp1")!)).toBe(72);
    expect((await effectiveWrites({ deps: t.deps, orgId: other.org.id })).size).toBe(0);
    await write("sp1", 8, null);
    const readForm = (
      await callOp(t.app, "acme", "pointWrite", { auth, body: Grid.fromRows([{ id: new Ref("sp1") }]) })
    ).grid!;
    expect(readForm.rows[7]!.val).toBeUndefined();
    expect((await effectiveWrites({ deps: t.deps, orgId: acme.org.id })).get(ids.get("sp1")!)).toBe(68);
    await write("sp1", 1, new HNum(50, "°F"), { duration: new HNum(1, "ms") });
    const eff = await effectiveWrites({ deps: t.deps, orgId: acme.org.id });
    expect(eff.get(ids.get("sp1")!)).toBe(68);
  });

  test("pointWrite refuses a Number in another unit than the point's; unitless and aliases are the point's unit", async () => {
    const zinc = (val: string) =>
      callOp(t.app, "acme", "pointWrite", {
        auth,
        body: `ver:"3.0"\nid,level,val\n@sp1,9,${val}\n`,
        accept: "text/zinc",
      });
    const kw = await zinc("42kW");
    expect(kw.status).toBe(200);
    expect(kw.grid!.meta.err).toBe(MARKER);
    expect(kw.grid!.meta.dis).toContain("the point's unit is °F, not kW");
    // Convertible units are refused too (no silent conversion of a setpoint).
    expect((await zinc("20°C")).grid!.meta.dis).toContain("the point's unit is °F, not °C");
    const arr = (
      await callOp(t.app, "acme", "pointWrite", { auth, body: Grid.fromRows([{ id: new Ref("sp1") }]) })
    ).grid!;
    expect(arr.rows[8]!.val).toBeUndefined();
    expect((await zinc("71")).grid!.rows[8]!.val).toEqual(new HNum(71));
    expect((await zinc("72fahrenheit")).grid!.rows[8]!.val).toEqual(new HNum(72, "°F"));
    await zinc("N");
  });

  test("writable points carry writeVal/writeLevel (the effective level) in read, nav, watchSub and watchPoll", async () => {
    const write = (level: number, val: string) =>
      callOp(t.app, "acme", "pointWrite", {
        auth,
        body: `ver:"3.0"\nid,level,val\n@sp1,${level},${val}\n`,
      });
    // The tests before leave level 10 set: release every level.
    for (let level = 1; level <= 17; level++) await write(level, "N");
    const readSp = async (accept?: string) => {
      const r = await callOp(t.app, "acme", "read", {
        auth,
        query: { filter: "point and equipRef" },
        accept,
      });
      return Object.fromEntries(r.grid!.rows.map((d) => [(d.id as Ref).id, d]));
    };
    let rows = await readSp();
    expect(rows.sp1!.writeVal).toBeUndefined();
    expect(rows.sp1!.writeLevel).toBeUndefined();

    const sub = new Grid({ watchDis: "writes" }, [{ name: "id", meta: {} }], [{ id: new Ref("sp1") }]);
    const s = (await callOp(t.app, "acme", "watchSub", { auth, body: sub })).grid!;
    const watchId = s.meta.watchId as string;
    expect(s.rows[0]!.writeVal).toBeUndefined();
    const poll = async () =>
      (await callOp(t.app, "acme", "watchPoll", { auth, body: Grid.empty({ watchId }) })).grid!.rows.map(
        (r) => [(r.id as Ref).id, r.writeVal, r.writeLevel],
      );
    expect(await poll()).toEqual([]);

    // A unitless write is in the point's unit.
    await write(10, "68");
    expect(await poll()).toEqual([["sp1", new HNum(68, "°F"), new HNum(10)]]);
    expect(await poll()).toEqual([]);
    await write(8, "72°F");
    expect(await poll()).toEqual([["sp1", new HNum(72, "°F"), new HNum(8)]]);
    for (const accept of ["text/zinc", "application/json"]) {
      rows = await readSp(accept);
      expect([rows.sp1!.writeVal, rows.sp1!.writeLevel]).toEqual([new HNum(72, "°F"), new HNum(8)]);
      // Points that are not writable have neither.
      expect([rows.p1!.writeVal, rows.p1!.writeLevel]).toEqual([undefined, undefined]);
    }
    const byId = await callOp(t.app, "acme", "read", {
      auth,
      body: Grid.fromRows([{ id: new Ref("sp1") }, { id: new Ref("p1") }]),
    });
    expect(byId.grid!.rows.map((r) => r.writeLevel)).toEqual([new HNum(8), undefined]);
    const navAhu = await callOp(t.app, "acme", "nav", {
      auth,
      body: Grid.fromRows([{ navId: new Ref("ahu1") }]),
    });
    const navSp = navAhu.grid!.rows.find((r) => (r.id as Ref).id === "sp1")!;
    expect(navSp.writeVal).toEqual(new HNum(72, "°F"));

    // Released, the next level wins; all released, neither tag is there.
    await write(8, "N");
    expect(await poll()).toEqual([["sp1", new HNum(68, "°F"), new HNum(10)]]);
    await write(10, "N");
    expect(await poll()).toEqual([["sp1", undefined, undefined]]);
    rows = await readSp();
    expect([rows.sp1!.writeVal, rows.sp1!.writeLevel]).toEqual([undefined, undefined]);
    await callOp(t.app, "acme", "watchUnsub", { auth, body: Grid.empty({ watchId, close: MARKER }) });
  });

  test("SCRAM login: right password works, wrong refused, close ends the token", async () => {
    const bad = await scramLogin(t.app, "acme", acme.member.email, "wrong password!");
    expect(bad).toEqual({ failedStatus: 403 });
    const ghost = await scramLogin(t.app, "acme", "ghost@nowhere.test", TEST_PASSWORD);
    expect(ghost).toEqual({ failedStatus: 403 });
    const ok = await scramLogin(t.app, "acme", acme.member.email.toUpperCase(), TEST_PASSWORD);
    if (!("token" in ok)) throw new Error(`login failed: ${ok.failedStatus}`);
    const bearerForm = `BEARER authToken=${ok.token}`;
    const about = await callOp(t.app, "acme", "about", { auth: bearerForm });
    expect(about.status).toBe(200);
    expect(about.grid!.rows[0]!.whoami).toBe(acme.member.email);
    expect((await callOp(t.app, "other", "about", { auth: bearerForm })).status).toBe(403);
    expect((await callOp(t.app, "acme", "close", { auth: bearerForm, method: "POST" })).status).toBe(200);
    expect((await callOp(t.app, "acme", "about", { auth: bearerForm })).status).toBe(401);
  });

  test("SCRAM failures are rate limited per account (429 at HELLO)", async () => {
    // Ten failures a minute lock the account; the client address has its own limit of ten, to
    // which this file's earlier wrong logins (same in-process address) already count, so the lock
    // may come before the tenth attempt but never after it.
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await scramLogin(t.app, "acme", acme.admin.email, "wrong password!");
      answers.push("failedStatus" in r ? r.failedStatus : 200);
    }
    const locked = answers.indexOf(429);
    expect(answers.slice(0, locked === -1 ? 10 : locked).every((s) => s === 403)).toBe(true);
    expect(answers.slice(locked === -1 ? 10 : locked).every((s) => s === 429)).toBe(true);
    expect(await scramLogin(t.app, "acme", acme.admin.email, TEST_PASSWORD)).toEqual({ failedStatus: 429 });
  });
});
