import { describe, expect, test } from "bun:test";
import { templateBuilding } from "../config.ts";
import { buildEntities } from "./entities.ts";
import { type GenerateInput, generateInterval, initialState } from "./generate.ts";
import { intervalsBetween } from "./time.ts";
import type { Building, Fault, ModelState, Quality, Row } from "./types.ts";

const office = templateBuilding("office-tower");
const officeEntities = buildEntities(office);
const SEED = 42;

interface Step {
  ts: Date;
  rows: Row[];
  values: Map<string, number | boolean>;
  state: ModelState;
}

function run(
  building: Building,
  from: string,
  hours: number,
  opts: { interval?: number; quality?: Quality; faults?: Fault[]; state?: ModelState } = {},
): Step[] {
  const entities = building === office ? officeEntities : buildEntities(building);
  const interval = opts.interval ?? 15;
  let state = opts.state ?? initialState({ building, entities, seed: SEED });
  const start = new Date(from);
  const out: Step[] = [];
  for (const ts of intervalsBetween(start, new Date(start.getTime() + hours * 3_600_000), interval)) {
    const r = generateInterval({
      building,
      entities,
      seed: SEED,
      ts,
      intervalMinutes: interval,
      state,
      ...(opts.quality ? { quality: opts.quality } : {}),
      ...(opts.faults ? { faults: opts.faults } : {}),
    });
    state = r.state;
    out.push({ ts, rows: r.rows, values: valuesOf(r.rows), state });
  }
  return out;
}

function valuesOf(rows: Row[]): Map<string, number | boolean> {
  return new Map(rows.map((r) => [r.localId, (r.value_n ?? r.value_b)!]));
}

const num = (s: Step, id: string): number => {
  const v = s.values.get(id);
  if (typeof v !== "number") throw new Error(`${id} is not a number: ${v}`);
  return v;
};
const bool = (s: Step, id: string): boolean => s.values.get(id) === true;

// A warm-up day then the days under test, so zone temperatures have settled.
const summer = run(office, "2025-07-14T04:00:00Z", 24 * 3);
const winter = run(office, "2025-01-13T05:00:00Z", 24 * 3);

describe("determinism", () => {
  const entities = officeEntities;
  const base = initialState({ building: office, entities, seed: SEED });
  const input: GenerateInput = {
    building: office,
    entities,
    seed: SEED,
    ts: new Date("2025-07-15T18:00:00Z"),
    intervalMinutes: 15,
    state: base,
    quality: { stalePercent: 3, faultPercent: 2 },
  };

  test("the same interval generated twice is identical (rows and state)", () => {
    expect(generateInterval(input)).toEqual(generateInterval(structuredClone(input)));
  });

  test("state survives a JSON round trip with identical results", () => {
    const first = generateInterval(input);
    const revived = JSON.parse(JSON.stringify(first.state)) as ModelState;
    const nextTs = new Date("2025-07-15T18:15:00Z");
    expect(generateInterval({ ...input, ts: nextTs, state: revived })).toEqual(
      generateInterval({ ...input, ts: nextTs, state: first.state }),
    );
  });

  test("adjacent intervals differ in their noise", () => {
    const a = generateInterval(input);
    const b = generateInterval({ ...input, ts: new Date("2025-07-15T18:15:00Z") });
    const changed = a.rows.filter(
      (r, i) => r.value_n !== undefined && r.value_n !== b.rows[i]!.value_n,
    ).length;
    expect(changed).toBeGreaterThan(a.rows.length / 3);
  });

  test("another seed gives other values", () => {
    const a = generateInterval(input);
    const b = generateInterval({ ...input, seed: SEED + 1 });
    expect(a.rows).not.toEqual(b.rows);
  });
});

describe("every his point gets one value every interval", () => {
  test.each(["office-tower", "retail-rtu", "campus"])("%s", (name) => {
    const building = name === "office-tower" ? office : templateBuilding(name);
    const his = buildEntities(building)
      .filter((e) => e.tags.his)
      .map((e) => e.localId);
    for (const step of run(building, "2025-03-08T00:00:00Z", 24, {
      interval: 60,
      quality: { stalePercent: 5, faultPercent: 5 },
    })) {
      expect(step.rows.map((r) => r.localId)).toEqual(his);
      for (const r of step.rows) {
        const set = [r.value_n, r.value_b, r.value_s].filter((v) => v !== undefined);
        expect(set.length).toBe(1);
        expect(Number.isFinite(r.value_n ?? 0)).toBe(true);
      }
    }
  });
});

describe("totalizers", () => {
  test("never decrease over 14 days across the spring DST change, with data-quality episodes and a comm outage", () => {
    const totalizers = officeEntities.filter((e) => e.tags.hisTotalized).map((e) => e.localId);
    expect(totalizers.length).toBe(2 + 4 + 3 + 3);
    const steps = run(office, "2025-03-02T00:00:00Z", 24 * 14, {
      interval: 60,
      quality: { stalePercent: 5, faultPercent: 5 },
      faults: [
        {
          type: "comm_outage",
          target: "elec-meter",
          start: "2025-03-09T05:00:00Z",
          end: "2025-03-09T09:00:00Z",
        },
      ],
    });
    for (const id of totalizers) {
      let prev = Number.NEGATIVE_INFINITY;
      let decreases = 0;
      for (const s of steps) {
        const v = num(s, id);
        if (v < prev) decreases++;
        prev = v;
      }
      expect({ id, decreases }).toEqual({ id, decreases: 0 });
    }
    const first = steps[0]!;
    const last = steps[steps.length - 1]!;
    expect(num(last, "elec-meter.energy")).toBeGreaterThan(num(first, "elec-meter.energy") + 14 * 24 * 50);
    expect(num(last, "gas-meter.volume")).toBeGreaterThan(num(first, "gas-meter.volume"));
    expect(num(last, "water-meter.volume")).toBeGreaterThan(num(first, "water-meter.volume"));
  });

  test("a restart from the checkpoint continues the registers", () => {
    const a = run(office, "2025-07-14T04:00:00Z", 6);
    const checkpoint = JSON.parse(JSON.stringify(a[a.length - 1]!.state)) as ModelState;
    const b = run(office, "2025-07-14T10:00:00Z", 6, { state: checkpoint });
    const continuous = run(office, "2025-07-14T04:00:00Z", 12);
    expect(b.map((s) => s.rows)).toEqual(continuous.slice(24).map((s) => s.rows));
  });

  // The old model made each main register exactly the sum of its sub-meters (a defect: real
  // buildings have unmetered load); the main now stays above the sum and gains faster.
  test("main registers stay above the sum of their sub-meter registers, by the unmetered load", () => {
    const first = summer[0]!;
    const last = summer[summer.length - 1]!;
    const groups: Array<[string, string[]]> = [
      ["elec-meter.energy", ["elec-hvac.energy", "elec-lighting.energy", "elec-plug.energy"]],
      ["gas-meter.volume", ["gas-heating.volume", "gas-dhw.volume"]],
      ["water-meter.volume", ["water-domestic.volume", "water-tower.volume"]],
    ];
    for (const [main, subs] of groups) {
      const sum = (s: Step) => subs.reduce((a, id) => a + s.state.totals[id]!, 0);
      for (const s of summer)
        expect({ main, above: s.state.totals[main]! >= sum(s) }).toEqual({ main, above: true });
      expect(last.state.totals[main]! - first.state.totals[main]!).toBeGreaterThan(sum(last) - sum(first));
    }
    const dMain = last.state.totals["elec-meter.energy"]! - first.state.totals["elec-meter.energy"]!;
    const dSubs = ["elec-hvac.energy", "elec-lighting.energy", "elec-plug.energy"].reduce(
      (a, id) => a + last.state.totals[id]! - first.state.totals[id]!,
      0,
    );
    const unmetered = 1 - dSubs / dMain;
    expect(unmetered).toBeGreaterThan(0.05);
    expect(unmetered).toBeLessThan(0.15);
  });
});

describe("physics", () => {
  const all = [...summer.slice(96), ...winter.slice(96)];

  test("chillers stage with load: a hot afternoon runs more chillers than a mild night", () => {
    const running = (s: Step) => [1, 2].filter((i) => bool(s, `chiller-${i}.run`)).length;
    const afternoon = summer.filter((s) => {
      const h = s.ts.getUTCHours();
      return h >= 18 && h <= 21 && s.ts.getUTCDate() >= 15;
    });
    const night = summer.filter((s) => s.ts.getUTCHours() >= 5 && s.ts.getUTCHours() <= 8);
    const avg = (xs: Step[]) => xs.reduce((a, s) => a + running(s), 0) / xs.length;
    expect(avg(afternoon)).toBeGreaterThanOrEqual(1);
    expect(avg(afternoon)).toBeGreaterThan(avg(night));
    for (const s of winter.filter((x) => num(x, "weather.oat") < 40)) expect(running(s)).toBe(0);
    for (const s of all) {
      const load = num(s, "chw-plant.load");
      if (load > 0.95 * 300) expect(running(s)).toBe(2);
    }
  });

  test("electric meter above the sum of its sub-meters (unmetered load) and HVAC at least chillers + fans", () => {
    for (const s of all) {
      const main = num(s, "elec-meter.power");
      const parts = num(s, "elec-hvac.power") + num(s, "elec-lighting.power") + num(s, "elec-plug.power");
      expect(main).toBeGreaterThan(parts);
      expect((main - parts) / main).toBeLessThan(0.25);
      const measured =
        num(s, "chiller-1.power") +
        num(s, "chiller-2.power") +
        [1, 2, 3, 4].reduce((a, i) => a + num(s, `ahu-${i}.power`), 0);
      expect(num(s, "elec-hvac.power")).toBeGreaterThanOrEqual(measured * 0.98);
    }
  });

  test("flows, powers and gas are never negative; heating gas only with a heating load", () => {
    for (const s of all) {
      for (const r of s.rows) {
        if (/\.(flow|power|gas|volume|energy|load|chwf)$/.test(r.localId))
          expect(r.value_n!).toBeGreaterThanOrEqual(0);
      }
      const boilersOn = bool(s, "boiler-1.run") || bool(s, "boiler-2.run");
      if (num(s, "gas-heating.flow") > 0) expect(boilersOn).toBe(true);
    }
    expect(winter.some((s) => num(s, "gas-heating.flow") > 100)).toBe(true);
  });

  test("chilled water return above supply whenever a chiller runs", () => {
    for (const s of all) {
      for (const i of [1, 2]) {
        if (bool(s, `chiller-${i}.run`))
          expect(num(s, `chiller-${i}.chwet`)).toBeGreaterThan(num(s, `chiller-${i}.chwlt`));
      }
    }
  });

  test("mixed air lies between outside and return air while the AHU runs", () => {
    for (const s of all) {
      for (const i of [1, 2, 3, 4]) {
        if (!bool(s, `ahu-${i}.fanCmd`)) continue;
        const oat = num(s, "weather.oat");
        const rat = num(s, `ahu-${i}.rat`);
        const mat = num(s, `ahu-${i}.mat`);
        expect(mat).toBeGreaterThanOrEqual(Math.min(oat, rat) - 0.6);
        expect(mat).toBeLessThanOrEqual(Math.max(oat, rat) + 0.6);
      }
    }
  });

  test("VAV airflow stays within the box limits; off equipment writes explicit off values", () => {
    for (const s of all) {
      for (const [id, v] of s.values) {
        if (/^vav-.*\.flow$/.test(id)) expect((v as number) <= 2600 * 1.05).toBe(true);
      }
      for (const i of [1, 2, 3, 4]) {
        if (bool(s, `ahu-${i}.fanCmd`)) continue;
        expect([num(s, `ahu-${i}.flow`), num(s, `ahu-${i}.power`), num(s, `ahu-${i}.fanSpeed`)]).toEqual([
          0, 0, 0,
        ]);
        expect(bool(s, `ahu-${i}.fanSts`)).toBe(false);
      }
    }
  });

  test("zones are held near setpoint during occupied hours", () => {
    for (const s of all) {
      if (!bool(s, "ahu-2.fanCmd") || s.ts.getUTCHours() < 15 || s.ts.getUTCHours() > 21) continue;
      for (let z = 1; z <= 4; z++) {
        const t = num(s, `vav-5-${z}.zat`);
        expect(t).toBeGreaterThan(66);
        expect(t).toBeLessThan(77);
      }
    }
  });

  test("humidity is consistent with temperature and dew point", () => {
    for (const s of all) {
      const t = num(s, "weather.oat");
      expect(num(s, "weather.dew")).toBeLessThanOrEqual(t + 0.5);
      expect(num(s, "weather.wbt")).toBeLessThanOrEqual(t + 0.5);
      expect(num(s, "weather.rh")).toBeGreaterThan(0);
      expect(num(s, "weather.rh")).toBeLessThanOrEqual(100);
    }
  });
});

// The old model drew `stale`/`fault` independently for every point and interval (a defect: episodes
// lasted one interval and contradicted the physics); they are now episodes of devices and sensors.
describe("data quality", () => {
  const steps = run(office, "2025-05-05T00:00:00Z", 24 * 30, {
    interval: 60,
    quality: { stalePercent: 2, faultPercent: 1 },
  });
  const byId = new Map(officeEntities.map((e) => [e.localId, e]));
  const equipOf = (id: string): string => {
    const t = byId.get(id)?.tags;
    const r = t?.equipRef ?? t?.weatherStationRef;
    const eq = r?.kind === "Ref" ? r.localId : id;
    const sub = byId.get(eq)?.tags.submeterOf;
    return sub?.kind === "Ref" ? sub.localId : eq;
  };

  test("a device goes offline as a whole: all its points stale together, values held from before", () => {
    let staleRows = 0;
    let rows = 0;
    for (const [k, s] of steps.entries()) {
      const byDevice = new Map<string, Set<string>>();
      for (const r of s.rows) {
        rows++;
        const d = equipOf(r.localId);
        if (!byDevice.has(d)) byDevice.set(d, new Set());
        byDevice.get(d)!.add(r.status === "fault" ? "ok" : r.status);
        if (r.status !== "stale") continue;
        staleRows++;
        if (k > 0) {
          const prev = steps[k - 1]!.rows.find((x) => x.localId === r.localId)!;
          expect({ id: r.localId, v: r.value_n ?? r.value_b }).toEqual({
            id: r.localId,
            v: prev.value_n ?? prev.value_b,
          });
        }
      }
      for (const [d, statuses] of byDevice)
        expect({ d, statuses: [...statuses] }).toEqual({ d, statuses: [...statuses].slice(0, 1) });
    }
    const share = (100 * staleRows) / rows;
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(3.5);
  });

  test("a failed sensor stays failed for hours, flatlining or dropping out, flagged fault", () => {
    const runs: number[] = [];
    const ids = [...new Set(steps[0]!.rows.map((r) => r.localId))];
    for (const id of ids) {
      let len = 0;
      for (const s of steps) {
        const r = s.rows.find((x) => x.localId === id)!;
        if (r.status === "fault") len++;
        else if (len > 0) {
          runs.push(len);
          len = 0;
        }
      }
    }
    expect(runs.length).toBeGreaterThan(3);
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    expect(mean).toBeGreaterThan(6);
    for (const s of steps)
      for (const r of s.rows)
        if (r.status === "fault") expect(byId.get(r.localId)!.tags.sensor).toBeDefined();
  });

  // A failed sensor that a loop controls on misleads the loop (physics, not only the data path).
  describe("a failed control sensor misleads its loop", () => {
    const hot = run(office, "2025-07-14T04:00:00Z", 24 * 6, {
      interval: 15,
      quality: { stalePercent: 0, faultPercent: 25, sensorFailureHours: 4 },
    });
    const rowsOf = (s: Step) => new Map(s.rows.map((r) => [r.localId, r]));

    test("a discharge air sensor dropped out (−40 °F): the cooling valve shuts while the fan runs", () => {
      let seen = 0;
      for (const s of hot) {
        const r = rowsOf(s);
        for (let a = 1; a <= 4; a++) {
          const dat = r.get(`ahu-${a}.dat`)!;
          if (dat.status !== "fault" || dat.value_n !== -40 || r.get(`ahu-${a}.fanSts`)!.value_b !== true)
            continue;
          seen++;
          expect(r.get(`ahu-${a}.cool`)!.value_n).toBe(0);
        }
      }
      expect(seen).toBeGreaterThan(0);
    });

    test("an airflow sensor dropped out (0 cfm): the box opens its damper fully while the fan runs", () => {
      let seen = 0;
      for (const s of hot) {
        const r = rowsOf(s);
        for (const [id, row] of r) {
          const m = /^(vav-\d+-\d+)\.flow$/.exec(id);
          if (!m || row.status !== "fault" || row.value_n !== 0) continue;
          const ahu = `ahu-${Math.ceil(Number(m[1]!.split("-")[1]) / 3)}`;
          if (r.get(`${ahu}.fanSts`)!.value_b !== true || (r.get(`${m[1]}.flowsp`)!.value_n ?? 0) <= 0)
            continue;
          seen++;
          expect(r.get(`${m[1]}.dmp`)!.value_n).toBe(100);
        }
      }
      expect(seen).toBeGreaterThan(0);
    });
  });

  test("off by default: no quality argument, every row ok", () => {
    expect(summer.every((s) => s.rows.every((r) => r.status === "ok"))).toBe(true);
  });
});

describe("faults and overrides", () => {
  const window = { start: "2025-07-15T16:00:00Z", end: "2025-07-15T20:00:00Z" };

  test("a tripped chiller stops while commanded on", () => {
    const steps = run(office, "2025-07-14T04:00:00Z", 44, {
      faults: [{ type: "chiller_trip", target: "chiller-1", ...window }],
    });
    const during = steps.filter((s) => s.ts >= new Date(window.start) && s.ts < new Date(window.end));
    for (const s of during) {
      expect(bool(s, "chiller-1.run")).toBe(false);
      expect(bool(s, "chiller-1.enable")).toBe(true);
      expect(num(s, "chiller-1.power")).toBe(0);
    }
    expect(during.some((s) => bool(s, "chiller-2.run"))).toBe(true);
  });

  // The old stuck damper dragged its flow setpoint and command along (a defect: command-versus-
  // feedback rules could not see it); the box controller now keeps its setpoint and winds up its command.
  test("a stuck damper pins the box airflow while its controller keeps its setpoint and saturates its command", () => {
    const faults: Fault[] = [{ type: "stuck_damper", target: "vav-6-2", position: 100, ...window }];
    const faulty = run(office, "2025-07-15T12:00:00Z", 6, { faults });
    const k = faulty.findIndex((s) => s.ts.toISOString() === "2025-07-15T18:00:00.000Z");
    const s = faulty[k]!;
    expect(num(s, "vav-6-2.flow")).toBeGreaterThan(2500);
    if (num(s, "vav-6-2.flowsp") < 2400) expect(num(s, "vav-6-2.dmp")).toBe(0);
  });

  test("a bias shifts a sensor's reading; a biased control sensor moves the true value instead", () => {
    const faults: Fault[] = [
      { type: "sensor_bias", target: "ahu-1.mat", bias: 6, ...window },
      { type: "sensor_bias", target: "ahu-2.dat", bias: 3, ...window },
    ];
    const faulty = run(office, "2025-07-15T12:00:00Z", 6, { faults });
    const clean = run(office, "2025-07-15T12:00:00Z", 6);
    const k = faulty.findIndex((s) => s.ts.toISOString() === "2025-07-15T18:00:00.000Z");
    expect(num(faulty[k]!, "ahu-1.mat") - num(clean[k]!, "ahu-1.mat")).toBeCloseTo(6, 0);
    // The discharge loop holds the (biased) reading at setpoint: the air is 3 °F colder than it reads.
    expect(Math.abs(num(faulty[k]!, "ahu-2.dat") - num(faulty[k]!, "ahu-2.datsp"))).toBeLessThan(0.6);
    expect(num(faulty[k]!, "chw-plant.load")).toBeGreaterThan(num(clean[k]!, "chw-plant.load"));
  });

  test("a comm outage holds its target's values as stale", () => {
    const steps = run(office, "2025-07-15T12:00:00Z", 6, {
      faults: [{ type: "comm_outage", target: "ahu-3", ...window }],
    });
    const during = steps.filter((s) => s.ts >= new Date(window.start) && s.ts < new Date(window.end));
    for (const s of during) {
      for (const r of s.rows.filter((x) => x.localId.startsWith("ahu-3."))) expect(r.status).toBe("stale");
    }
    expect(num(during[0]!, "ahu-3.dat")).toBe(num(during[during.length - 1]!, "ahu-3.dat"));
  });

  test("operator overrides apply from their interval on and can be released", () => {
    const entities = officeEntities;
    let state = run(office, "2025-07-15T04:00:00Z", 10).at(-1)!.state;
    const ts = (h: number) => new Date(Date.UTC(2025, 6, 15, h));
    let r = generateInterval({
      building: office,
      entities,
      seed: SEED,
      ts: ts(15),
      intervalMinutes: 60,
      state,
      overrides: { "ahu-1.fanCmd": false, "vav-7-1.clgsp": 68, "chiller-1.enable": false, "ahu-2.datsp": 58 },
    });
    const v1 = valuesOf(r.rows);
    expect([v1.get("ahu-1.fanCmd"), v1.get("ahu-1.flow"), v1.get("vav-1-1.flow")]).toEqual([false, 0, 0]);
    expect([v1.get("vav-7-1.clgsp"), v1.get("ahu-2.datsp"), v1.get("chiller-1.run")]).toEqual([
      68,
      58,
      false,
    ]);
    state = r.state;
    r = generateInterval({ building: office, entities, seed: SEED, ts: ts(16), intervalMinutes: 60, state });
    expect(valuesOf(r.rows).get("ahu-1.fanCmd")).toBe(false);
    r = generateInterval({
      building: office,
      entities,
      seed: SEED,
      ts: ts(17),
      intervalMinutes: 60,
      state: r.state,
      overrides: { "ahu-1.fanCmd": null },
    });
    expect(valuesOf(r.rows).get("ahu-1.fanCmd")).toBe(true);
  });

  test.each([
    ["unknown point", { "ahu-9.fanCmd": true }],
    ["read-only point", { "ahu-1.dat": 55 }],
    ["wrong kind", { "ahu-1.fanCmd": 1 }],
  ])("rejects an override of a %s", (_name, overrides) => {
    const state = initialState({ building: office, entities: officeEntities, seed: SEED });
    expect(() =>
      generateInterval({
        building: office,
        entities: officeEntities,
        seed: SEED,
        ts: new Date("2025-07-15T15:00:00Z"),
        intervalMinutes: 15,
        state,
        overrides,
      }),
    ).toThrow();
  });
});
