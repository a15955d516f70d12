// A user's EPW weather file end to end over REST: a malformed file is a 422 naming the line and field
// and stores nothing; members and other orgs cannot upload; a valid file becomes the site's weather,
// so the stored outside air at every whole hour is the file's record for the hour ending then (in
// local standard time, through daylight saving), within sensor noise; a multi-site building needs
// the site; removing the file brings synthetic weather back.
import { describe, expect, test } from "bun:test";
import { readActivity } from "../../src/simulator/activity.ts";
import { MAX_EPW_BYTES } from "../../src/simulator/service.ts";
import { bearer, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { epwAt, epwHour, epwLines, epwSubHourlyLines, epwText } from "./epw.ts";
import { HOUR, historyOf, simEnv } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const cToF = (c: number) => (c * 9) / 5 + 32;
/** Row of the fixture for the hour ending at `ts` (the file's standard time is UTC−5). */
const rowAt = (ts: Date) => Math.round((ts.getTime() - Date.UTC(ts.getUTCFullYear(), 0, 1, 5)) / HOUR) - 1;

describe.each(ENGINES)("weather file upload on %s", (engine) => {
  test("422 for a bad file, 403 for others, the file's hours as the stored outside air, removal", async () => {
    const env = await simEnv(engine, "acme", "2025-07-01T12:07:00Z");
    const rt = env.runtime();
    const other = await seedOrg(env.deps, { key: "other" });
    const { org, admin, member } = env.seeded;
    const created = await env.app.request("/simulator", {
      method: "POST",
      headers: { ...bearer(admin.token), "content-type": "application/json" },
      body: JSON.stringify({
        org_id: org.id,
        key: "tower",
        template: "office-tower",
        interval_minutes: 60,
        backfill_days: 0,
        status: "stopped",
      }),
    });
    expect(created.status).toBe(201);
    const sim = (await created.json()) as Json;
    const upload = (token: string, text: string, query = "") =>
      env.app.request(`/simulator/weather/${sim.id}${query}`, {
        method: "POST",
        headers: { ...bearer(token), "content-type": "text/plain" },
        body: text,
      });
    const list = async () =>
      (await (
        await env.app.request(`/simulator/weather/${sim.id}`, { headers: bearer(member.token) })
      ).json()) as Json[];

    const lines = epwLines();
    const cells = lines[19]!.split(",");
    cells[6] = "warm";
    const bad = await upload(
      admin.token,
      epwText([...lines.slice(0, 19), cells.join(","), ...lines.slice(20)]),
    );
    expect(bad.status).toBe(422);
    const detail = ((await bad.json()) as Json).detail;
    expect(detail[0]).toEqual({
      loc: ["body", "file", "line 20", "Dry Bulb Temperature"],
      msg: 'line 20, Dry Bulb Temperature: not a number: "warm"',
      type: "value_error",
    });
    expect((await upload(admin.token, "LOCATION,only")).status).toBe(422);
    expect(await list()).toEqual([]);

    const good = epwText(lines);
    expect((await upload(member.token, good)).status).toBe(403);
    expect((await upload(other.admin.token, good)).status).toBe(403);
    const nosite = await upload(admin.token, good, "?site=east");
    expect(nosite.status).toBe(422);
    expect(((await nosite.json()) as Json).detail[0].loc).toEqual(["query", "site"]);

    const ok = await upload(admin.token, good, "?name=USA_MA_Boston-Logan.Intl.AP.725090_TMY3.epw");
    expect(ok.status).toBe(200);
    const view = (await ok.json()) as Json;
    expect(view).toMatchObject({
      simulator_id: sim.id,
      site: "",
      name: "USA_MA_Boston-Logan.Intl.AP.725090_TMY3.epw",
      location: { city: "Boston Logan Intl Arpt", wmo: "725090", lat: 42.37, lng: -71.02, tzHours: -5 },
    });
    expect(view.sha256).toMatch(/^[0-9a-f]{64}$/);
    // New York (the tower) to Boston Logan: about 300 km.
    expect(view.distance_km).toBeGreaterThan(280);
    expect(view.distance_km).toBeLessThan(320);
    expect(await list()).toEqual([view]);
    // A bad replacement changes nothing: the stored file stays.
    expect((await upload(admin.token, epwText(lines.slice(0, 100)))).status).toBe(422);
    expect(await list()).toEqual([view]);
    const events = await readActivity(env.deps, { simulatorId: sim.id, skip: 0, limit: 10 });
    expect(events.map((e) => e.message)).toContain(
      "Weather file USA_MA_Boston-Logan.Intl.AP.725090_TMY3.epw uploaded for Downtown Office Tower",
    );

    const hourly = await env.app.request(`/simulator/weather/${sim.id}/hourly`, {
      headers: bearer(admin.token),
    });
    expect(hourly.status).toBe(200);
    expect(((await hourly.json()) as Json)[""].dryBulb.length).toBe(8760);
    expect(
      (await env.app.request(`/simulator/weather/${sim.id}/hourly`, { headers: bearer(member.token) }))
        .status,
    ).toBe(403);

    const started = await env.app.request(`/simulator/${sim.id}/start`, {
      method: "POST",
      headers: bearer(admin.token),
    });
    expect(started.status).toBe(200);
    // Six live hours of a summer day in New York (EDT): rows are the file's standard-time hours.
    for (let h = 0; h < 6; h++) {
      expect((await rt.tick(sim.id)).intervals).toBe(1);
      env.clock.advance(HOUR);
    }
    const rows = await historyOf(env.deps, "acme", "tower");
    const series = (suffix: string) => rows.filter((r) => r.id === `tower.weather.${suffix}`);
    const oat = series("oat");
    expect(oat.length).toBe(6);
    const off = oat
      .map((r) => ({ ts: r.ts.toISOString(), got: r.value_n!, want: cToF(epwHour(rowAt(r.ts)).dryBulb) }))
      .filter((x) => Math.abs(x.got - x.want) > 0.6);
    expect(off).toEqual([]);
    const dew = series("dew").map((r) => Math.abs(r.value_n! - cToF(epwHour(rowAt(r.ts)).dewPoint)));
    expect(Math.max(...dew)).toBeLessThan(0.6);

    // Removal: the next intervals are synthetic again (the file's value no longer holds at the hour).
    const del = () =>
      env.app.request(`/simulator/weather/${sim.id}`, { method: "DELETE", headers: bearer(admin.token) });
    expect((await del()).status).toBe(200);
    expect((await del()).status).toBe(404);
    expect(await list()).toEqual([]);
    env.clock.advance(3 * HOUR);
    expect((await rt.tick(sim.id)).intervals).toBe(4);
    const later = (await historyOf(env.deps, "acme", "tower")).filter(
      (r) => r.id === "tower.weather.oat" && r.ts.getTime() > oat.at(-1)!.ts.getTime(),
    );
    expect(later.length).toBe(4);
    expect(later.some((r) => Math.abs(r.value_n! - cToF(epwHour(rowAt(r.ts)).dryBulb)) > 1)).toBe(true);
    await rt.stop();
  });

  test("a 15-minute file: its records are the stored outside air of a 15-minute simulator; a bad minute is a 422", async () => {
    const env = await simEnv(engine, "acme", "2025-07-01T12:07:00Z");
    const rt = env.runtime();
    const { org, admin } = env.seeded;
    const created = await env.app.request("/simulator", {
      method: "POST",
      headers: { ...bearer(admin.token), "content-type": "application/json" },
      body: JSON.stringify({
        org_id: org.id,
        key: "tower",
        template: "office-tower",
        interval_minutes: 15,
        backfill_days: 0,
        status: "stopped",
      }),
    });
    const sim = (await created.json()) as Json;
    const upload = (text: string) =>
      env.app.request(`/simulator/weather/${sim.id}`, {
        method: "POST",
        headers: { ...bearer(admin.token), "content-type": "text/plain" },
        body: text,
      });
    const lines = epwSubHourlyLines(4);
    const cells = lines[9]!.split(",");
    cells[4] = "25";
    const bad = await upload(epwText([...lines.slice(0, 9), cells.join(","), ...lines.slice(10)]));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as Json).detail[0]).toEqual({
      loc: ["body", "file", "line 10", "Minute"],
      msg: 'line 10, Minute: expected minute 30 (record 2 of 4 of hour 1), found "25"',
      type: "value_error",
    });
    expect((await upload(epwText(lines))).status).toBe(200);
    const read = async (query: string) => {
      const res = await env.app.request(`/simulator/weather/${sim.id}/hourly${query}`, {
        headers: bearer(admin.token),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const stored = (await read("?records=all")).body;
    expect(stored[""].recordsPerHour).toBe(4);
    expect(stored[""].dryBulb.length).toBe(4 * 8760);
    // Without `records=all` (a remote runner of an older version): hourly records of the same weather.
    const hourly = (await read("")).body[""];
    expect(hourly.recordsPerHour).toBe(1);
    expect(hourly.dryBulb.length).toBe(8760);
    expect(hourly.dryBulb[4000]).toBe(stored[""].dryBulb[4000 * 4 + 3]);
    const g = stored[""].ghi.slice(4000 * 4, 4000 * 4 + 4);
    expect(hourly.ghi[4000]).toBeCloseTo(g.reduce((a: number, b: number) => a + b, 0) / 4, 9);
    expect((await read("?records=some")).status).toBe(422);
    const events = await readActivity(env.deps, { simulatorId: sim.id, skip: 0, limit: 10 });
    expect(events.find((e) => e.event_type === "config_change")?.details).toMatchObject({
      records_per_hour: 4,
    });

    expect(
      (await env.app.request(`/simulator/${sim.id}/start`, { method: "POST", headers: bearer(admin.token) }))
        .status,
    ).toBe(200);
    for (let q = 0; q < 8; q++) {
      expect((await rt.tick(sim.id)).intervals).toBe(1);
      env.clock.advance(15 * 60_000);
    }
    const oat = (await historyOf(env.deps, "acme", "tower")).filter((r) => r.id === "tower.weather.oat");
    expect(oat.length).toBe(8);
    // The record ending at each interval's end (standard time, UTC−5), within sensor noise.
    const t = (ts: Date) => (ts.getTime() - Date.UTC(2025, 0, 1, 5)) / HOUR;
    const off = oat
      .map((r) => ({ ts: r.ts.toISOString(), got: r.value_n!, want: cToF(epwAt(t(r.ts)).dryBulb) }))
      .filter((x) => Math.abs(x.got - x.want) > 0.6);
    expect(off).toEqual([]);
    await rt.stop();
  });

  test("a multi-site building needs the site; a multipart form upload names it", async () => {
    const env = await simEnv(engine);
    const { org, admin } = env.seeded;
    const created = await env.app.request("/simulator", {
      method: "POST",
      headers: { ...bearer(admin.token), "content-type": "application/json" },
      body: JSON.stringify({ org_id: org.id, key: "campus", template: "campus", status: "stopped" }),
    });
    const sim = (await created.json()) as Json;
    const raw = await env.app.request(`/simulator/weather/${sim.id}`, {
      method: "POST",
      headers: { ...bearer(admin.token), "content-type": "text/plain" },
      body: epwText(),
    });
    expect(raw.status).toBe(422);
    const huge = await env.app.request(`/simulator/weather/${sim.id}?site=east`, {
      method: "POST",
      headers: { ...bearer(admin.token), "content-type": "text/plain" },
      body: "x".repeat(MAX_EPW_BYTES + 1),
    });
    expect(huge.status).toBe(413);
    expect(((await raw.json()) as Json).detail[0].msg).toContain('"east", "central", "west"');
    const form = new FormData();
    form.set("site", "east");
    form.set("file", new File([epwText()], "boston.epw", { type: "application/octet-stream" }));
    const res = await env.app.request(`/simulator/weather/${sim.id}`, {
      method: "POST",
      headers: bearer(admin.token),
      body: form,
    });
    expect(res.status).toBe(200);
    expect((await res.json()) as Json).toMatchObject({
      site: "east",
      site_dis: "Meridian East Lab",
      name: "boston.epw",
    });
  });
});
