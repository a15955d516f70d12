import { describe, expect, test } from "bun:test";
import { canonicalUnit, findUnit } from "../../haystack/units.ts";
import { templateBuilding } from "../config.ts";
import { TEMPLATES } from "../templates/index.ts";
import { buildEntities } from "./entities.ts";
import type { Entity } from "./types.ts";

const names = Object.keys(TEMPLATES);

const markerNames = (e: Entity): string[] =>
  Object.entries(e.tags)
    .filter(([, v]) => v.kind === "Marker")
    .map(([k]) => k)
    .sort();

describe.each(names)("entities of template %s", (name) => {
  const building = templateBuilding(name);
  const entities = buildEntities(building);
  const byId = new Map(entities.map((e) => [e.localId, e]));

  test("local ids are unique and readable", () => {
    expect(byId.size).toBe(entities.length);
    for (const e of entities) expect(e.localId).toMatch(/^[a-z0-9][a-z0-9-]*(\.[a-zA-Z0-9]+)?$/);
  });

  test("every ref points at an existing entity", () => {
    for (const e of entities) {
      for (const [tag, v] of Object.entries(e.tags)) {
        if (v.kind === "Ref") expect({ tag, target: byId.has(v.localId) }).toEqual({ tag, target: true });
      }
    }
  });

  test("points carry point, his, cur, kind, tz; every Number point a unit of the Haystack unit database; equips a siteRef", () => {
    for (const e of entities) {
      if (e.tags.point) {
        expect(e.tags.his).toEqual({ kind: "Marker" });
        expect(e.tags.cur).toEqual({ kind: "Marker" });
        expect(e.tags.tz?.kind).toBe("Str");
        const kind = e.tags.kind;
        expect(kind?.kind === "Str" && ["Number", "Bool"].includes(kind.val)).toBe(true);
        const unit = e.tags.unit;
        if (kind?.kind === "Str" && kind.val === "Number") {
          const known = unit?.kind === "Str" && findUnit(unit.val) !== undefined;
          expect({ point: e.localId, unit: unit?.kind === "Str" ? unit.val : null, known }).toMatchObject({
            known: true,
          });
          // Written as the database's canonical spelling, as a Haystack client would compare it.
          if (unit?.kind === "Str") expect(canonicalUnit(unit.val)).toBe(unit.val);
        } else expect(unit).toBeUndefined();
        expect(e.tags.equipRef !== undefined || e.tags.weatherStationRef !== undefined).toBe(true);
        const isCmdOrSp = e.tags.cmd !== undefined || e.tags.sp !== undefined;
        expect(e.tags.writable !== undefined).toBe(isCmdOrSp && e.tags.effective === undefined);
        expect(e.tags.sensor !== undefined || isCmdOrSp).toBe(true);
      }
      if (e.tags.equip) expect(e.tags.siteRef?.kind).toBe("Ref");
      if (e.tags.hisTotalized) expect(e.tags.hisMode).toEqual({ kind: "Str", val: "totalized" });
    }
  });

  test("same building, same entities (idempotent creation)", () => {
    expect(buildEntities(templateBuilding(name))).toEqual(entities);
  });
});

describe("office tower tagging", () => {
  const entities = buildEntities(templateBuilding("office-tower"));
  const byId = new Map(entities.map((e) => [e.localId, e]));
  const count = (pred: (e: Entity) => boolean): number => entities.filter(pred).length;

  test("equipment counts", () => {
    expect({
      sites: count((e) => !!e.tags.site),
      chillers: count((e) => !!e.tags.chiller && !!e.tags.equip),
      boilers: count((e) => !!e.tags.boiler && !!e.tags.equip),
      ahus: count((e) => !!e.tags.ahu && !!e.tags.equip),
      vavs: count((e) => !!e.tags.vav && !!e.tags.equip),
      weatherStations: count((e) => !!e.tags.weatherStation),
      siteMeters: count((e) => !!e.tags.siteMeter),
      subMeters: count((e) => !!e.tags.submeterOf),
      floors: count((e) => !!e.tags.floor),
    }).toEqual({
      sites: 1,
      chillers: 2,
      boilers: 2,
      ahus: 4,
      vavs: 48,
      weatherStations: 1,
      siteMeters: 3,
      subMeters: 7,
      floors: 12,
    });
  });

  test.each([
    [
      "site",
      ["site"],
      { tz: { kind: "Str", val: "New_York" }, weatherStationRef: { kind: "Ref", localId: "weather" } },
    ],
    [
      "ahu-1.dat",
      ["air", "cur", "discharge", "his", "point", "sensor", "temp"],
      { unit: { kind: "Str", val: "°F" } },
    ],
    ["vav-3-2.zatsp", ["air", "cur", "effective", "his", "point", "sp", "temp", "zone"], {}],
    [
      "vav-3-2",
      ["equip", "hotWaterReheat", "vav"],
      { ahuRef: { kind: "Ref", localId: "ahu-1" }, airRef: { kind: "Ref", localId: "ahu-1" } },
    ],
    ["vav-10-1", ["equip", "hotWaterReheat", "vav"], { ahuRef: { kind: "Ref", localId: "ahu-4" } }],
    ["chiller-1.chwlt", ["chilled", "cur", "his", "leaving", "point", "sensor", "temp", "water"], {}],
    [
      "elec-meter.power",
      ["cur", "elec", "his", "point", "power", "sensor"],
      { unit: { kind: "Str", val: "kW" } },
    ],
    [
      "gas-meter.volume",
      ["cur", "his", "hisTotalized", "naturalGas", "point", "sensor", "volume"],
      { unit: { kind: "Str", val: "ft³" }, hisMode: { kind: "Str", val: "totalized" } },
    ],
    ["elec-hvac", ["elec", "equip", "meter"], { submeterOf: { kind: "Ref", localId: "elec-meter" } }],
    [
      "ahu-2.fanCmd",
      ["cmd", "cur", "discharge", "fan", "his", "point", "run", "writable"],
      { kind: { kind: "Str", val: "Bool" } },
    ],
    [
      "ahu-2",
      ["ahu", "chilledWaterCool", "economizer", "equip", "hotWaterHeat"],
      {
        chilledWaterRef: { kind: "Ref", localId: "chw-plant" },
        hotWaterRef: { kind: "Ref", localId: "hw-plant" },
      },
    ],
    [
      "weather.oat",
      ["air", "cur", "his", "outside", "point", "sensor", "temp"],
      { weatherStationRef: { kind: "Ref", localId: "weather" } },
    ],
  ])("%s", (id, expectedMarkers, expectedTags) => {
    const e = byId.get(id)!;
    expect(markerNames(e)).toEqual(expectedMarkers);
    expect(e.tags).toMatchObject(expectedTags);
  });

  test("campus sites are prefixed by their key and keep their own time zone", () => {
    const campus = buildEntities(templateBuilding("campus"));
    const tzOf = (id: string) => campus.find((e) => e.localId === id)?.tags.tz;
    expect([tzOf("east-site"), tzOf("central-site"), tzOf("west-site")]).toEqual([
      { kind: "Str", val: "New_York" },
      { kind: "Str", val: "Chicago" },
      { kind: "Str", val: "Denver" },
    ]);
    expect(tzOf("west-rtu-1.zat")).toEqual({ kind: "Str", val: "Denver" });
  });
});
