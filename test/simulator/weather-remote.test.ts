// A remote runner (`haystack-sim simulate`) takes a site's weather file from the server: an upload
// while it runs is a new configuration version, so its next interval reloads and writes the file's
// outside air (at the whole hour, within sensor noise), as the server's own engine would.
import { expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { createSimulator, uploadWeatherFile } from "../../src/simulator/service.ts";
import { epwAt, epwHour, epwSubHourlyLines, epwText } from "./epw.ts";
import { clock, HOUR, historyOf, inProcessRunner, simEnv } from "./helpers.ts";

const cToF = (c: number) => (c * 9) / 5 + 32;
const rowAt = (ts: Date) => Math.round((ts.getTime() - Date.UTC(ts.getUTCFullYear(), 0, 1, 5)) / HOUR) - 1;

test("a running remote runner reloads after an upload and writes the file's hours", async () => {
  const env = await simEnv("postgres");
  const c = clock(new Date(Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR + 7 * 60_000).toISOString());
  const v = await createSimulator({
    deps: env.deps,
    actor: systemActor,
    orgId: env.seeded.org.id,
    input: { key: "shop1", template: "retail-rtu", interval_minutes: 60, backfill_days: 0 },
  });
  const runner = inProcessRunner(env, v.id, c.now);
  expect((await runner.step()).intervals).toBe(1);
  await uploadWeatherFile({ deps: env.deps, actor: systemActor, id: v.id, text: epwText() });
  for (let h = 0; h < 3; h++) {
    c.advance(HOUR);
    expect((await runner.step()).intervals).toBe(1);
  }
  const oat = (await historyOf(env.deps, "acme", "shop1")).filter((r) => r.id === "shop1.weather.oat");
  expect(oat.length).toBe(4);
  const err = oat.map((r) => Math.abs(r.value_n! - cToF(epwHour(rowAt(r.ts)).dryBulb)));
  // The first hour was synthetic (Phoenix); the three after the upload are the file's.
  expect(err.slice(1).every((e) => e < 0.6)).toBe(true);
  expect(err[0]).toBeGreaterThan(1);
});

test("a remote runner reads every record of a 15-minute file, not its hourly summary", async () => {
  const env = await simEnv("postgres");
  const Q = 15 * 60_000;
  const c = clock(new Date(Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR + 60_000).toISOString());
  const v = await createSimulator({
    deps: env.deps,
    actor: systemActor,
    orgId: env.seeded.org.id,
    input: { key: "shop1", template: "retail-rtu", interval_minutes: 15, backfill_days: 0 },
  });
  // The quarter records between the hours 3 °C above the hour's end: interpolating hourly records
  // would miss them by several °F.
  const lines = epwSubHourlyLines(4).map((line, i) => {
    if (i < 8 || (i - 8) % 4 === 3) return line;
    const cells = line.split(",");
    cells[6] = (Number(cells[6]) + 3).toFixed(1);
    return cells.join(",");
  });
  await uploadWeatherFile({ deps: env.deps, actor: systemActor, id: v.id, text: epwText(lines) });
  const runner = inProcessRunner(env, v.id, c.now);
  for (let q = 0; q < 8; q++) {
    expect((await runner.step()).intervals).toBe(1);
    c.advance(Q);
  }
  const oat = (await historyOf(env.deps, "acme", "shop1")).filter((r) => r.id === "shop1.weather.oat");
  expect(oat.length).toBe(8);
  const want = (ts: Date) => {
    const t = (ts.getTime() - Date.UTC(ts.getUTCFullYear(), 0, 1, 5)) / HOUR;
    const j = Math.round(t * 4) - 1;
    return cToF(epwAt(t).dryBulb + (j % 4 === 3 ? 0 : 3));
  };
  const off = oat.filter((r) => Math.abs(r.value_n! - want(r.ts)) > 0.6);
  expect(off).toEqual([]);
  expect(oat.filter((r) => r.ts.getTime() % HOUR !== 0).length).toBeGreaterThan(4);
});
