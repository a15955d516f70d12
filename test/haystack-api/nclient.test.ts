// Interoperability: an independent Haystack client, the npm `haystack-nclient` package (J2
// Innovations, on `haystack-core`), drives a real listening server (the app on a loopback port
// over a fresh PostgreSQL database). Its data comes from a simulator: a `retail-rtu` building at
// 15-minute intervals, backfilled two days with the simulator runtime on an injected clock (so a
// further interval can be produced on demand). The client is configured only with its documented
// options: base URL `/api/{org key}` (its default op URL layout is `{origin}/api/{project}/{op}`),
// a bearer token, and the platform `fetch` (its default fetch asks a FIN server for a CSRF key),
// plus `getHaystackServiceUrl` so its `loadDefs` asks our `defs` op. A second org holds one
// simulator of every template (no history), for the checks over every point of every template:
// a unit on every Number point, and nav reaching every point.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HDateTime, type HDict, type HGrid, HNum, type HRef, type HSymbol } from "haystack-core";
import { Client, HisRange } from "haystack-nclient";
import { systemActor } from "../../src/access/actor.ts";
import { parseHisRange, tzToIana } from "../../src/haystack/index.ts";
import { findUnit } from "../../src/haystack/units.ts";
import { createSimulatorRuntime, type SimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator, type SimulatorView } from "../../src/simulator/service.ts";
import { TEMPLATES } from "../../src/simulator/templates/index.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg } from "../harness/auth.ts";

const Q = 15 * 60_000;

const idOf = (d: HDict): string => (d.get("id") as HRef).value;
const rowsOf = (g: HGrid): HDict[] => g.getRows();

describe("haystack-nclient against a running server (postgres)", () => {
  let t: TestApp;
  let acme: SeededOrg;
  let server: ReturnType<typeof Bun.serve>;
  let runtime: SimulatorRuntime;
  let sim: SimulatorView;
  let client: Client;
  let fleet: Client;
  let fleetPoints = 0;
  /** [Accept sent, Content-Type answered] of every request the clients made. */
  const exchanges: [accept: string | null, contentType: string | null][] = [];
  // 18:00 UTC of the current day: 11:00 in Phoenix, when the store is open (an operator's write
  // to a setpoint shows up in the next interval only while the equipment runs). Three days of
  // backfill before it always cover Phoenix's "yesterday" as the real clock sees it.
  let clockMs = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 18 * 3_600_000;

  beforeAll(async () => {
    t = await testApp("postgres");
    acme = await seedOrg(t.deps, { key: "acme" });
    runtime = createSimulatorRuntime({
      deps: t.deps,
      now: () => new Date(clockMs),
      schedule: false,
      holder: "nclient-test",
    });
    sim = await createSimulator({
      deps: t.deps,
      actor: systemActor,
      orgId: acme.org.id,
      input: { name: "Shop", key: "shop", template: "retail-rtu", interval_minutes: 15, backfill_days: 3 },
    });
    const r = await runtime.tick(sim.id);
    expect(r.status).toBe("running");
    expect(r.intervals).toBeGreaterThanOrEqual(2 * 96);
    const fleetOrg = await seedOrg(t.deps, { key: "fleet" });
    for (const [i, template] of Object.keys(TEMPLATES).entries()) {
      const v = await createSimulator({
        deps: t.deps,
        actor: systemActor,
        orgId: fleetOrg.org.id,
        input: { name: `Fleet ${i}`, key: `f${i}`, template, interval_minutes: 15, backfill_days: 0 },
      });
      fleetPoints += v.point_count;
    }
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    const clientOf = (org: string, token: string) => {
      const base = `http://127.0.0.1:${server.port}/api/${org}`;
      return new Client({
        base: new URL(base),
        authBearer: token,
        getHaystackServiceUrl: ({ path }) => `${base}/${path}`,
        fetch: async (resource, options) => {
          const res = await fetch(resource, options);
          exchanges.push([new Headers(options?.headers).get("accept"), res.headers.get("content-type")]);
          return res;
        },
      });
    };
    client = clientOf("acme", acme.member.token);
    fleet = clientOf("fleet", fleetOrg.member.token);
  });

  afterAll(async () => {
    await client?.close();
    await fleet?.close();
    await server?.stop(true);
    await runtime?.stop();
  });

  test("the client finds the org in the base URL", () => {
    expect(client.project).toBe("acme");
    expect(client.getOpUrl("about")).toBe(`http://127.0.0.1:${server.port}/api/acme/about`);
  });

  test("about", async () => {
    const g = await client.ops.about();
    const about = rowsOf(g)[0]!;
    expect(about.get("haystackVersion")?.toString()).toBe("4.0");
    expect(about.get("productName")?.toString()).toBe("haystack-sim");
    expect(about.get("whoami")?.toString()).toBe(acme.member.email);
    expect(about.has("serverTime")).toBe(true);
  });

  test("read of all points", async () => {
    const g = await client.ops.read("point");
    expect(g.length).toBe(sim.point_count);
    const ids = new Set(rowsOf(g).map(idOf));
    expect(ids.size).toBe(sim.point_count);
    for (const d of rowsOf(g)) {
      expect(idOf(d).startsWith("shop.")).toBe(true);
      expect(d.has("kind")).toBe(true);
      expect(d.has("tz")).toBe(true);
      // Equipment points hang off an equip and a site; weather points off their weather station.
      expect((d.has("siteRef") && d.has("equipRef")) || d.has("weatherStationRef")).toBe(true);
      expect(["sensor", "cmd", "sp"].filter((m) => d.has(m)).length).toBe(1);
    }
    const limited = await client.ops.read("point", 5);
    expect(limited.length).toBe(5);
    const byIds = await client.ops.read([idOf(rowsOf(g)[0]!), "@shop.nope"]);
    expect(byIds.length).toBe(2);
    expect(idOf(rowsOf(byIds)[0]!)).toBe(idOf(rowsOf(g)[0]!));
    expect(rowsOf(byIds)[1]!.has("id")).toBe(false);
  });

  /** Every point nav reaches from the root, by id; each nav level checked on the way. */
  async function navPoints(c: Client): Promise<Set<string>> {
    const out = new Set<string>();
    const queue: (HRef | undefined)[] = [undefined];
    for (let level = 0; queue.length > 0 && level < 10_000; level++) {
      const navId = queue.shift();
      const g = navId === undefined ? await c.ops.nav() : await c.ops.nav(navId);
      for (const d of rowsOf(g)) {
        if (navId === undefined) expect(d.has("site") || d.has("weatherStation")).toBe(true);
        if (d.has("point")) {
          expect(d.has("navId")).toBe(false);
          out.add(idOf(d));
        } else queue.push(d.get("navId") as HRef);
      }
    }
    return out;
  }

  test("nav from the root reaches every point (a site's equips and a weather station's points)", async () => {
    const roots = await client.ops.nav();
    expect(rowsOf(roots).filter((d) => d.has("site")).length).toBe(1);
    expect(rowsOf(roots).filter((d) => d.has("weatherStation")).length).toBe(1);
    const all = new Set(rowsOf(await client.ops.read("point")).map(idOf));
    expect(await navPoints(client)).toEqual(all);
  });

  test("every template: nav reaches every point", async () => {
    const points = rowsOf(await fleet.ops.read("point"));
    expect(points.length).toBe(fleetPoints);
    expect(await navPoints(fleet)).toEqual(new Set(points.map(idOf)));
  });

  // Every Number point of every template carries a unit of the Haystack unit database (units.txt):
  // a chiller's efficiency in `kW/ton` (kilowatt_per_ton), a meter's power factor in `pf`
  // (power_factor, dimensionless), gas flow in `cfh`.
  test("every template: every Number point has a unit of the Haystack unit database", async () => {
    const points = rowsOf(await fleet.ops.read('point and kind == "Number"'));
    expect(points.length).toBeGreaterThan(0);
    expect(points.filter((d) => !d.has("unit")).map(idOf)).toEqual([]);
    const unknown = points.filter((d) => !findUnit(d.get("unit")!.toString())).map(idOf);
    expect(unknown).toEqual([]);
    const units = new Set(points.map((d) => d.get("unit")!.toString()));
    expect(units).toContain("pf");
    expect(units).toContain("kW/ton");
  });

  test("defs: the client loads our namespace and sees the entity taxonomy", async () => {
    await client.loadDefs();
    expect(client.isDefsLoaded()).toBe(true);
    const ns = client.defs;
    expect(ns.has("site")).toBe(true);
    const equips = ns.allSubTypesOf("equip").map((d) => (d.get("def") as HSymbol).value);
    expect(equips).toContain("ahu");
    expect(equips).toContain("rtu");
    expect(equips).toContain("vav");
    expect(ns.libs.map((d) => (d.get("def") as HSymbol).value)).toEqual(
      expect.arrayContaining(["lib:ph", "lib:phIoT", "lib:phScience"]),
    );
    const equipsOfShop = await client.ops.read("^equip");
    expect(equipsOfShop.length).toBe((await client.ops.read("equip")).length);
  });

  test("every answer comes in the media type the client asked for", () => {
    expect(exchanges.length).toBeGreaterThan(0);
    for (const [accept, contentType] of exchanges) {
      if (!accept || !contentType) continue;
      const asked = accept.split(",")[0]!.split(";")[0]!.trim();
      if (asked === "*/*") continue;
      expect(contentType.split(";")[0]).toBe(asked);
    }
  });

  test("hisRead of yesterday: every 15 minutes of the day, in the point's zone and unit", async () => {
    const pts = await client.ops.read('point and his and sensor and kind == "Number" and unit', 1);
    const p = rowsOf(pts)[0]!;
    const tz = p.get("tz")!.toString();
    const unit = p.get("unit")!.toString();
    const { start, end } = parseHisRange("yesterday", tzToIana(tz), Date.now());
    const expected = (end.epochMs - start.epochMs) / Q;
    expect([92, 96, 100]).toContain(expected);

    const g = await client.ops.hisRead(idOf(p), HisRange.Yesterday);
    expect(g.length).toBe(expected);
    expect((g.meta.get("id") as HRef).value).toBe(idOf(p));
    const hisStart = g.meta.get("hisStart") as HDateTime;
    expect(hisStart.date.getTime()).toBe(start.epochMs);
    expect(hisStart.timezone).toBe(tz);
    expect((g.meta.get("hisEnd") as HDateTime).date.getTime()).toBe(end.epochMs);
    const day = start.toString().slice(0, 10);
    rowsOf(g).forEach((row, i) => {
      const ts = row.get("ts") as HDateTime;
      expect(ts.timezone).toBe(tz);
      expect(ts.iso.slice(0, 10)).toBe(day);
      expect(ts.date.getTime()).toBe(start.epochMs + i * Q);
      const val = row.get("val") as HNum;
      expect(val).toBeInstanceOf(HNum);
      expect(val.unit?.symbol).toBe(unit);
      expect(Number.isFinite(val.value)).toBe(true);
    });
  });

  test("pointWrite to a simulated setpoint; a watch sees the simulator apply it", async () => {
    const sps = await client.ops.read('point and sp and writable and kind == "Number"', 1);
    const sp = rowsOf(sps)[0]!;
    const id = idOf(sp);
    const before = (sp.get("curVal") as HNum).value;
    const target = Math.round(before) + 7;

    const watch = await client.ops.watch.make("nclient test", [id]);
    const changes: number[] = [];
    watch.changed({
      callback: (_event, w) => {
        const row = w.grid.getRows().find((d) => idOf(d) === id);
        const v = row?.get("curVal");
        if (v instanceof HNum) changes.push(v.value);
      },
    });
    try {
      expect(watch.grid.length).toBe(1);
      expect((watch.grid.getRows()[0]!.get("curVal") as HNum).value).toBe(before);

      const unit = sp.get("unit")!.toString();
      const arr = await client.ops.pointWrite({ id, level: 8, val: HNum.make(target, unit), who: "nclient" });
      expect(arr.length).toBe(17);
      const level8 = rowsOf(arr)[7]!;
      expect((level8.get("level") as HNum).value).toBe(8);
      expect((level8.get("val") as HNum).value).toBe(target);
      expect(level8.get("who")?.toString()).toBe("nclient");
      const read = await client.ops.pointRead(id);
      expect((rowsOf(read)[7]!.get("val") as HNum).value).toBe(target);

      // The simulator's next interval applies the operator's write; the watch sees the new value.
      clockMs += Q;
      expect((await runtime.tick(sim.id)).intervals).toBe(1);
      await watch.poll();
      const now = watch.grid.getRows().find((d) => idOf(d) === id)!;
      expect((now.get("curVal") as HNum).value).toBe(target);
      expect((now.get("curVal") as HNum).unit?.symbol).toBe(unit);
      expect(changes).toContain(target);
    } finally {
      await watch.close();
    }
  });
});
