// Interoperability: an independent Haystack client, the npm `haystack-nclient` package (J2
// Innovations, on `haystack-core`), drives a real listening server (the app on a loopback port
// over a fresh PostgreSQL database). Its data comes from a simulator: a `retail-rtu` building at
// 15-minute intervals, backfilled two days with the simulator runtime on an injected clock (so a
// further interval can be produced on demand). The client is configured only with its documented
// options: base URL `/api/{org key}` (its default op URL layout is `{origin}/api/{project}/{op}`),
// a bearer token, and the platform `fetch` (its default fetch asks a FIN server for a CSRF key).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type HDateTime, type HDict, type HGrid, HNum, type HRef } from "haystack-core";
import { Client, HisRange } from "haystack-nclient";
import { systemActor } from "../../src/access/actor.ts";
import { parseHisRange, tzToIana } from "../../src/haystack/index.ts";
import { createSimulatorRuntime, type SimulatorRuntime } from "../../src/simulator/engine.ts";
import { createSimulator, type SimulatorView } from "../../src/simulator/service.ts";
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
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
    client = new Client({
      base: new URL(`http://127.0.0.1:${server.port}/api/acme`),
      authBearer: acme.member.token,
      fetch: (resource, options) => fetch(resource, options),
    });
  });

  afterAll(async () => {
    await client?.close();
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

  test("nav from the root down to a point", async () => {
    const sites = await client.ops.nav();
    expect(sites.length).toBe(1);
    const site = rowsOf(sites)[0]!;
    expect(site.has("site")).toBe(true);
    const equips = await client.ops.nav(site.get("navId") as HRef);
    expect(equips.length).toBeGreaterThan(0);
    let point: HDict | undefined;
    for (const equip of rowsOf(equips)) {
      expect(equip.has("equip")).toBe(true);
      expect((equip.get("siteRef") as HRef).value).toBe(idOf(site));
      const points = await client.ops.nav((equip.get("navId") as HRef).value);
      if (points.length === 0) continue;
      point = rowsOf(points)[0]!;
      expect((point.get("equipRef") as HRef).value).toBe(idOf(equip));
      break;
    }
    expect(point?.has("point")).toBe(true);
    expect(point?.has("navId")).toBe(false);
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
