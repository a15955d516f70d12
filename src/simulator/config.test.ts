import { describe, expect, test } from "bun:test";
import { parseSimulatorConfig, templateBuilding } from "./config.ts";
import { buildEntities } from "./model/entities.ts";

/** The original simulator's `config/building_config.yaml`, with its committed defaults. */
const ORIGINAL_YAML = `
site:
  id: "site-downtown-tower"
  name: "Downtown Office Tower"
  area: 150000
  area_unit: "ft²"
  address: "123 Business St, Metro City, State 12345"
  timezone: "America/New_York"
  year_built: 2018
  primary_function: "office"
  occupancy_type: "commercial"
  floors: 12
  weather_station: "weather-metro-city"
equipment:
  chillers: { count: 2, capacity: 400, manufacturer: "Carrier", model: "30XA0404" }
  ahus: { count: 4, floors_per_ahu: 3, manufacturer: "Trane", model: "Voyager" }
  vav_boxes: { per_floor: 4, zones: ["North", "South", "East", "West"] }
  meters:
    electric: { id: "meter-main-electric", name: "Main Electric Meter" }
    gas: { id: "meter-main-gas", name: "Main Gas Meter" }
    water: { id: "meter-main-water", name: "Main Water Meter" }
generation:
  days_history: 30
  data_interval_minutes: 15
  good_data_percentage: 95
  stale_data_percentage: 3
  fault_data_percentage: 2
  temperature_noise_range: 1.5
  flow_noise_percentage: 2
  power_noise_percentage: 3
schedules:
  weekday: { "06:00": 0.05, "07:00": 0.15, "08:00": 0.60, "09:00": 0.85, "12:00": 0.70, "13:00": 0.85, "17:00": 0.70, "18:00": 0.20, "23:00": 0.02 }
  weekend: { default: 0.05 }
setpoints:
  occupied: { cooling: 72, heating: 70 }
  unoccupied: { cooling: 78, heating: 65 }
weather:
  seasons:
    winter: { min: 20, max: 45, typical: 35 }
    spring: { min: 40, max: 70, typical: 55 }
    summer: { min: 65, max: 95, typical: 80 }
    fall: { min: 35, max: 65, typical: 50 }
performance:
  chiller:
    cop_curve: { 0.2: 0.3, 0.4: 0.7, 0.6: 0.95, 0.8: 0.95, 1.0: 0.9 }
    base_cop: 6.2
  vav: { min_flow_ratio: 0.3, max_flow_cfm: 800 }
`;

describe("parseSimulatorConfig", () => {
  test("accepts the original building_config.yaml and maps its keys", () => {
    const r = parseSimulatorConfig(ORIGINAL_YAML);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const c = r.config;
    const s = c.building.sites[0]!;
    expect({
      interval: c.intervalMinutes,
      backfill: c.backfillDays,
      quality: c.quality,
      noise: c.noise,
      dis: s.dis,
      tz: s.tz,
      floors: s.floors,
      chillers: [s.chillers.count, s.chillers.capacityTons, s.chillers.baseCop, s.chillers.copCurve],
      ahus: [s.airHandlers.count, s.airHandlers.floorsPerUnit, s.airHandlers.manufacturer],
      vavs: [s.vavs.zones, s.vavs.maxFlowCfm, s.vavs.minFlowRatio],
      meters: s.meters,
      weekend: [s.occupancy.saturday, s.occupancy.sunday],
      climate: [s.climate.meanTemp, s.climate.annualAmplitude],
    }).toEqual({
      interval: 15,
      backfill: 30,
      quality: { stalePercent: 3, faultPercent: 2 },
      noise: { tempStd: 0.5, flowRel: 0.01, powerRel: 0.01 },
      dis: "Downtown Office Tower",
      tz: "America/New_York",
      floors: 12,
      chillers: [
        2,
        400,
        6.2,
        [
          [0.2, 0.3],
          [0.4, 0.7],
          [0.6, 0.95],
          [0.8, 0.95],
          [1, 0.9],
        ],
      ],
      ahus: [4, 3, "Trane"],
      vavs: [["North", "South", "East", "West"], 800, 0.3],
      meters: {
        electric: { dis: "Main Electric Meter" },
        gas: { dis: "Main Gas Meter" },
        water: { dis: "Main Water Meter" },
      },
      weekend: [{ default: 0.05 }, { default: 0.05 }],
      climate: [55, 22.5],
    });
    expect(buildEntities(c.building).filter((e) => e.tags.vav && e.tags.equip).length).toBe(48);
  });

  test("an empty document is the office tower with every default", () => {
    const r = parseSimulatorConfig({});
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config).toMatchObject({
      name: "Downtown Office Tower",
      template: "office-tower",
      intervalMinutes: 15,
      seed: 1,
      backfillDays: 7,
      maxGapDays: 30,
      // Data-quality episodes are rare by default (issue 14; the old 3 % / 2 % per row was the defect).
      quality: { stalePercent: 0.5, faultPercent: 0.2 },
      faults: [],
      faultScenario: null,
    });
    expect(r.config.building).toEqual(templateBuilding("office-tower"));
  });

  test("JSON text, templates and our own keys", () => {
    const r = parseSimulatorConfig(
      JSON.stringify({
        name: "Store 12",
        template: "retail-rtu",
        intervalMinutes: 5,
        seed: 9,
        backfillDays: 2,
        maxGapDays: 10,
        quality: { stalePercent: 1, faultPercent: 0.5 },
        faults: [
          {
            type: "comm_outage",
            target: "rtu-2",
            start: "2025-06-01T00:00:00Z",
            end: "2025-06-01T06:00:00-04:00",
            label: "modem",
          },
        ],
      }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config).toMatchObject({
      name: "Store 12",
      template: "retail-rtu",
      intervalMinutes: 5,
      seed: 9,
      backfillDays: 2,
      maxGapDays: 10,
      quality: { stalePercent: 1, faultPercent: 0.5 },
      faults: [
        {
          type: "comm_outage",
          target: "rtu-2",
          start: "2025-06-01T00:00:00.000Z",
          end: "2025-06-01T10:00:00.000Z",
          label: "modem",
        },
      ],
    });
    expect(r.config.building.sites[0]!.tz).toBe("America/Phoenix");
  });

  test("an explicit multi-site building", () => {
    const r = parseSimulatorConfig({
      building: {
        name: "Two",
        sites: [
          { key: "a", floors: 3, airHandlers: { count: 1 } },
          { key: "b", tz: "Europe/London" },
        ],
      },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.template).toBeNull();
    expect(r.config.building.sites.map((s) => [s.key, s.tz, s.floors])).toEqual([
      ["a", "America/New_York", 3],
      ["b", "Europe/London", 12],
    ]);
  });

  test.each([
    ["interval not allowed", { intervalMinutes: 7 }, "intervalMinutes"],
    [
      "original interval not allowed",
      { generation: { data_interval_minutes: 10 } },
      "generation.data_interval_minutes",
    ],
    ["negative chiller count", { equipment: { chillers: { count: -1 } } }, "equipment.chillers.count"],
    ["bad time zone", { site: { timezone: "Mars/Olympus" } }, "site.timezone"],
    ["schedule key", { schedules: { weekday: { "25:00": 0.5 } } }, "schedules.weekday.25:00"],
    ["schedule value", { schedules: { weekday: { "08:00": 1.5 } } }, "schedules.weekday.08:00"],
    [
      "setpoints inverted",
      { setpoints: { occupied: { cooling: 68, heating: 70 } } },
      "setpoints.occupied.cooling",
    ],
    ["unknown key (typo)", { seeed: 3 }, ""],
    ["unknown template", { template: "castle" }, "template"],
    [
      "AHUs do not cover the floors",
      { equipment: { ahus: { count: 2, floors_per_ahu: 3 } } },
      "building.sites.0.airHandlers.floorsPerUnit",
    ],
    ["quality over 100", { quality: { stalePercent: 60, faultPercent: 50 } }, "quality"],
    [
      "fault end before start",
      {
        faults: [
          {
            type: "chiller_trip",
            target: "chiller-1",
            start: "2025-01-02T00:00:00Z",
            end: "2025-01-01T00:00:00Z",
          },
        ],
      },
      "faults.0.end",
    ],
    [
      "fault unknown target",
      {
        faults: [
          {
            type: "chiller_trip",
            target: "chiller-7",
            start: "2025-01-01T00:00:00Z",
            end: "2025-01-02T00:00:00Z",
          },
        ],
      },
      "faults.0.target",
    ],
    [
      "fault wrong target type",
      {
        faults: [
          {
            type: "stuck_damper",
            target: "ahu-1",
            start: "2025-01-01T00:00:00Z",
            end: "2025-01-02T00:00:00Z",
          },
        ],
      },
      "faults.0.target",
    ],
    [
      "leaking valve on a DX air handler",
      {
        template: "campus",
        faults: [
          {
            type: "leaking_valve",
            target: "central-ahu-1",
            start: "2025-01-01T00:00:00Z",
            end: "2025-01-02T00:00:00Z",
          },
        ],
      },
      "faults.0.target",
    ],
    [
      "meter dropout on a chiller",
      {
        faults: [
          {
            type: "meter_dropout",
            target: "chiller-1",
            start: "2025-01-01T00:00:00Z",
            end: "2025-01-02T00:00:00Z",
          },
        ],
      },
      "faults.0.target",
    ],
    [
      "fault scenario years inverted",
      { faultScenario: { type: "fdd-benchmark", fromYear: 2026, toYear: 2025 } },
      "faultScenario.toYear",
    ],
    ["quality episode length", { quality: { offlineMinutes: 0 } }, "quality.offlineMinutes"],
    [
      "fault unknown type",
      {
        faults: [
          { type: "fire", target: "site", start: "2025-01-01T00:00:00Z", end: "2025-01-02T00:00:00Z" },
        ],
      },
      "faults.0.type",
    ],
    ["multi-site without keys", { building: { sites: [{}, { key: "b" }] } }, "building.sites.0.key"],
    ["original keys on a campus", { template: "campus", site: { floors: 3 } }, "site"],
  ])("reports %s at its path", (_name, input, path) => {
    const r = parseSimulatorConfig(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(path);
  });

  test("every catalogue fault type parses with its default magnitude; quality episode lengths", () => {
    const w = { start: "2025-01-01T00:00:00Z", end: "2025-01-02T00:00:00Z" };
    const r = parseSimulatorConfig({
      quality: { stalePercent: 1, offlineMinutes: 30, sensorFailureHours: 12, networkPercent: 0.1 },
      faults: [
        { type: "sensor_drift", target: "ahu-1.dat", ...w },
        { type: "leaking_valve", target: "ahu-1", ...w },
        { type: "stuck_valve", target: "ahu-2", ...w },
        { type: "economizer_stuck", target: "ahu-3", ...w },
        { type: "simultaneous_heat_cool", target: "ahu-4", ...w },
        { type: "chiller_short_cycle", target: "chiller-2", ...w },
        { type: "schedule_override", target: "ahu-1", ...w },
        { type: "fan_failure", target: "ahu-2", ...w },
        { type: "meter_dropout", target: "elec-meter", ...w },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.quality).toEqual({
      stalePercent: 1,
      faultPercent: 0.2,
      offlineMinutes: 30,
      sensorFailureHours: 12,
      networkPercent: 0.1,
    });
    expect(r.config.faults.map((f) => f.type)).toEqual([
      "sensor_drift",
      "leaking_valve",
      "stuck_valve",
      "economizer_stuck",
      "simultaneous_heat_cool",
      "chiller_short_cycle",
      "schedule_override",
      "fan_failure",
      "meter_dropout",
    ]);
    expect(r.config.faults.slice(0, 5)).toMatchObject([
      { perDay: 0.2 },
      { fraction: 0.15 },
      { position: 30 },
      { position: 0 },
      { position: 40 },
    ]);
  });

  test("the FDD benchmark scenario adds its labelled faults after the configured ones", () => {
    const r = parseSimulatorConfig({
      template: "retail-rtu",
      seed: 4,
      faultScenario: { type: "fdd-benchmark", fromYear: 2025, toYear: 2026 },
      faults: [
        { type: "fan_failure", target: "rtu-1", start: "2025-01-01T00:00:00Z", end: "2025-01-02T00:00:00Z" },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.faultScenario).toBe("fdd-benchmark");
    const [own, ...rest] = r.config.faults;
    expect(own!.label).toBeUndefined();
    expect(rest.length).toBeGreaterThan(20);
    expect(rest.every((f) => f.label === "fdd-benchmark")).toBe(true);
    const years = new Set(rest.map((f) => new Date(f.start).getUTCFullYear()));
    expect([...years].sort()).toEqual([2025, 2026]);
  });

  test("reports YAML syntax errors without throwing", () => {
    const r = parseSimulatorConfig("site: [unclosed");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]!.path).toBe("");
  });
});
