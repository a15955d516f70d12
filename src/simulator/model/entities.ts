/**
 * Building description → Haystack entities (sites, weather stations, floors, equipment, points), tagged
 * per Haystack 4 / phIoT. Pure and deterministic: the same building always gives the same list in the
 * same order, so creating the entities is idempotent when keyed by local id.
 */
import {
  airHandlerOfFloor,
  elecSubs,
  gasSubs,
  hasChwPlant,
  hasHwPlant,
  hasVavs,
  ids,
  pointId,
  waterSubs,
} from "./ids.ts";
import { haystackTz } from "./time.ts";
import type { Building, Entity, SiteSpec, TagValue } from "./types.ts";

/** Definition of one point of an equipment. `markers` are space-separated tag names. */
export interface PointDef {
  suffix: string;
  dis: string;
  markers: string;
  kind: "Number" | "Bool";
  unit?: string;
  writable?: boolean;
  totalized?: boolean;
}

const M: TagValue = { kind: "Marker" };
const str = (val: string): TagValue => ({ kind: "Str", val });
const num = (val: number, unit?: string): TagValue =>
  unit === undefined ? { kind: "Number", val } : { kind: "Number", val, unit };
const ref = (localId: string): TagValue => ({ kind: "Ref", localId });

function markers(list: string): Record<string, TagValue> {
  const out: Record<string, TagValue> = {};
  for (const m of list.split(" ")) if (m) out[m] = M;
  return out;
}

const F = "°F";
const n = (
  suffix: string,
  dis: string,
  tags: string,
  unit?: string,
  extra: Partial<PointDef> = {},
): PointDef => ({
  suffix,
  dis,
  markers: tags,
  kind: "Number",
  ...(unit === undefined ? {} : { unit }),
  ...extra,
});
const b = (suffix: string, dis: string, tags: string, extra: Partial<PointDef> = {}): PointDef => ({
  suffix,
  dis,
  markers: tags,
  kind: "Bool",
  ...extra,
});
const W = { writable: true };
const T = { totalized: true };

/** Points of a weather station. */
export const WEATHER_POINTS: PointDef[] = [
  n("oat", "Outside Air Temp", "outside air temp sensor", F),
  n("rh", "Outside Air Humidity", "outside air humidity sensor", "%RH"),
  n("dew", "Outside Air Dew Point", "outside air dewPoint temp sensor", F),
  n("wbt", "Outside Air Wet Bulb", "outside air wetBulb temp sensor", F),
  n("solar", "Solar Irradiance", "solar irradiance sensor", "W/m²"),
];

export const CHW_PLANT_POINTS: PointDef[] = [
  n("chwst", "CHW Supply Temp", "chilled water leaving temp sensor", F),
  n("chwrt", "CHW Return Temp", "chilled water entering temp sensor", F),
  n("chwsp", "CHW Supply Temp Setpoint", "chilled water leaving temp sp", F, W),
  n("flow", "CHW Flow", "chilled water flow sensor", "gal/min"),
  n("load", "Cooling Load", "chilled water cool load sensor", "tonref"),
];

export const CHILLER_POINTS: PointDef[] = [
  b("enable", "Enable Command", "enable cmd", W),
  b("run", "Run Status", "run sensor"),
  n("chwlt", "CHW Leaving Temp", "chilled water leaving temp sensor", F),
  n("chwet", "CHW Entering Temp", "chilled water entering temp sensor", F),
  n("chwf", "CHW Flow", "chilled water flow sensor", "gal/min"),
  n("cwet", "Condenser Water Entering Temp", "condenser water entering temp sensor", F),
  n("load", "Cooling Load", "cool load sensor", "tonref"),
  n("power", "Power", "elec power sensor", "kW"),
  n("energy", "Energy", "elec energy sensor", "kWh", T),
  n("efficiency", "Efficiency", "efficiency sensor", "kW/ton"),
];

export const HW_PLANT_POINTS: PointDef[] = [
  n("hwst", "HW Supply Temp", "hot water leaving temp sensor", F),
  n("hwrt", "HW Return Temp", "hot water entering temp sensor", F),
  n("hwsp", "HW Supply Temp Setpoint", "hot water leaving temp sp", F, W),
];

export const BOILER_POINTS: PointDef[] = [
  b("enable", "Enable Command", "enable cmd", W),
  b("run", "Run Status", "run sensor"),
  n("hwlt", "HW Leaving Temp", "hot water leaving temp sensor", F),
  n("fire", "Firing Rate", "heat cmd", "%", W),
  n("gas", "Gas Flow", "naturalGas flow sensor", "cfh"),
];

/** Points of an air handler or rooftop unit, depending on its cooling/heating sources. */
export function airHandlerPoints(s: SiteSpec): PointDef[] {
  const ah = s.airHandlers;
  const out: PointDef[] = [
    b("fanCmd", "Supply Fan Command", "discharge fan run cmd", W),
    b("fanSts", "Supply Fan Status", "discharge fan run sensor"),
    n("fanSpeed", "Supply Fan Speed", "discharge fan speed cmd", "%", W),
    n("dat", "Discharge Air Temp", "discharge air temp sensor", F),
    n("datsp", "Discharge Air Temp Setpoint", "discharge air temp sp", F, W),
    n("mat", "Mixed Air Temp", "mixed air temp sensor", F),
    n("rat", "Return Air Temp", "return air temp sensor", F),
    n("oad", "Outside Air Damper", "outside air damper cmd", "%", W),
    n("flow", "Discharge Air Flow", "discharge air flow sensor", "cfm"),
    ah.cooling === "chw"
      ? n("cool", "CHW Valve", "chilled water cool valve cmd", "%", W)
      : n("cool", "DX Cooling", "dx cool cmd", "%", W),
  ];
  if (ah.heating === "hw") out.push(n("heat", "HW Valve", "hot water heat valve cmd", "%", W));
  if (ah.heating === "gas") out.push(n("heat", "Gas Heat", "naturalGas heat cmd", "%", W));
  if (ah.outsideAir === "full") {
    out.push(n("oaFlow", "Outside Air Flow", "outside air flow sensor", "cfm"));
    out.push(n("efl", "Exhaust Air Flow", "exhaust air flow sensor", "cfm"));
    out.push(b("efanCmd", "Exhaust Fan Command", "exhaust fan run cmd", W));
    out.push(n("efanPower", "Exhaust Fan Power", "exhaust fan elec power sensor", "kW"));
  }
  if (ah.kind === "ahu") {
    out.push(n("dsp", "Duct Static Pressure", "discharge air pressure sensor", "inH₂O"));
    out.push(n("dspsp", "Duct Static Pressure Setpoint", "discharge air pressure sp", "inH₂O", W));
  } else {
    out.push(...ZONE_POINTS);
  }
  out.push(n("power", "Power", "elec power sensor", "kW"));
  return out;
}

/** Zone points shared by VAV boxes and single-zone rooftop units. */
export const ZONE_POINTS: PointDef[] = [
  n("zat", "Zone Air Temp", "zone air temp sensor", F),
  n("zatsp", "Zone Air Temp Effective Setpoint", "zone air temp effective sp", F),
  n("clgsp", "Occupied Cooling Setpoint", "zone air temp occ cooling sp", F, W),
  n("htgsp", "Occupied Heating Setpoint", "zone air temp occ heating sp", F, W),
  b("occ", "Occupied", "occupied sensor"),
];

export function vavPoints(s: SiteSpec): PointDef[] {
  const out: PointDef[] = [
    ...ZONE_POINTS,
    n("flow", "Discharge Air Flow", "discharge air flow sensor", "cfm"),
    n("flowsp", "Discharge Air Flow Setpoint", "discharge air flow sp", "cfm", W),
    n("dmp", "Damper", "damper cmd", "%", W),
    n("dat", "Discharge Air Temp", "discharge air temp sensor", F),
  ];
  if (s.vavs.reheat === "hw") out.push(n("rhv", "Reheat Valve", "hot water reheat valve cmd", "%", W));
  if (s.vavs.reheat === "elec") out.push(n("rhv", "Electric Reheat", "elec reheat cmd", "%", W));
  if (s.vavs.fumeHoods > 0)
    out.push(n("hood", "Fume Hood Exhaust Flow", "fumeHood exhaust air flow sensor", "cfm"));
  return out;
}

export const ELEC_METER_POINTS: PointDef[] = [
  n("power", "Power", "elec power sensor", "kW"),
  n("energy", "Energy", "elec energy sensor", "kWh", T),
];
export const ELEC_MAIN_EXTRA: PointDef[] = [n("pf", "Power Factor", "elec pf sensor", "pf")];
export const GAS_METER_POINTS: PointDef[] = [
  n("flow", "Gas Flow", "naturalGas flow sensor", "cfh"),
  n("volume", "Gas Volume", "naturalGas volume sensor", "ft³", T),
];
export const WATER_METER_POINTS: PointDef[] = [
  n("flow", "Water Flow", "water flow sensor", "gal/min"),
  n("volume", "Water Volume", "water volume sensor", "gal", T),
];

const SUB_DIS: Record<string, string> = {
  hvac: "HVAC",
  lighting: "Lighting",
  plug: "Plug Loads",
  heating: "Space Heating",
  dhw: "Domestic Hot Water",
  domestic: "Domestic",
  tower: "Cooling Tower Makeup",
};

interface Ctx {
  site: SiteSpec;
  siteId: string;
  tz: string;
  out: Entity[];
}

function addPoints(ctx: Ctx, equip: Entity, defs: PointDef[], refs: Record<string, TagValue>): void {
  for (const d of defs) {
    const tags: Record<string, TagValue> = {
      point: M,
      his: M,
      cur: M,
      ...markers(d.markers),
      kind: str(d.kind),
      tz: str(ctx.tz),
      ...refs,
    };
    if (d.unit !== undefined) tags.unit = str(d.unit);
    if (d.writable) tags.writable = M;
    if (d.totalized) {
      tags.hisMode = str("totalized");
      tags.hisTotalized = M;
    }
    ctx.out.push({ localId: pointId(equip.localId, d.suffix), dis: `${equip.dis} ${d.dis}`, tags });
  }
}

function equip(
  ctx: Ctx,
  localId: string,
  dis: string,
  tags: Record<string, TagValue>,
  defs: PointDef[],
): Entity {
  const e: Entity = { localId, dis, tags: { equip: M, siteRef: ref(ctx.siteId), ...tags } };
  ctx.out.push(e);
  addPoints(ctx, e, defs, { siteRef: ref(ctx.siteId), equipRef: ref(localId) });
  return e;
}

function siteEntities(s: SiteSpec, out: Entity[]): void {
  const siteId = ids.site(s);
  const weatherId = ids.weather(s);
  const tz = haystackTz(s.tz);
  const ctx: Ctx = { site: s, siteId, tz, out };
  const siteTags: Record<string, TagValue> = {
    site: M,
    tz: str(tz),
    area: num(s.area, "ft²"),
    geoCoord: { kind: "Coord", lat: s.geo.lat, lng: s.geo.lng },
    primaryFunction: str(s.primaryFunction),
    weatherStationRef: ref(weatherId),
  };
  if (s.geo.addr) siteTags.geoAddr = str(s.geo.addr);
  if (s.geo.city) siteTags.geoCity = str(s.geo.city);
  if (s.geo.state) siteTags.geoState = str(s.geo.state);
  if (s.geo.country) siteTags.geoCountry = str(s.geo.country);
  if (s.yearBuilt !== undefined) siteTags.yearBuilt = num(s.yearBuilt);
  out.push({ localId: siteId, dis: s.dis, tags: siteTags });

  const ws: Entity = {
    localId: weatherId,
    dis: s.weatherStation.dis,
    tags: {
      weatherStation: M,
      tz: str(tz),
      geoCoord: { kind: "Coord", lat: s.geo.lat, lng: s.geo.lng },
    },
  };
  out.push(ws);
  addPoints(ctx, ws, WEATHER_POINTS, { weatherStationRef: ref(weatherId) });

  for (let f = 1; f <= s.floors; f++) {
    out.push({
      localId: ids.floor(s, f),
      dis: `${s.dis} Floor ${f}`,
      tags: { space: M, floor: M, floorNum: num(f), siteRef: ref(siteId) },
    });
  }

  const chw = hasChwPlant(s);
  const hw = hasHwPlant(s);
  if (chw) {
    const plant = equip(
      ctx,
      ids.chwPlant(s),
      `${s.dis} Chilled Water Plant`,
      markers("chilled water plant"),
      CHW_PLANT_POINTS,
    );
    for (let i = 1; i <= s.chillers.count; i++) {
      const tags: Record<string, TagValue> = {
        ...markers(s.chillers.condenser === "air" ? "chiller airCooled" : "chiller waterCooled"),
        equipRef: ref(plant.localId),
        chilledWaterRef: ref(plant.localId),
        coolingCapacity: num(s.chillers.capacityTons, "tonref"),
      };
      if (s.chillers.manufacturer) tags.manufacturer = str(s.chillers.manufacturer);
      if (s.chillers.model) tags.model = str(s.chillers.model);
      // An air-cooled chiller has condenser fans, no condenser water.
      const points =
        s.chillers.condenser === "air" ? CHILLER_POINTS.filter((p) => p.suffix !== "cwet") : CHILLER_POINTS;
      equip(ctx, ids.chiller(s, i), `${s.dis} Chiller ${i}`, tags, points);
    }
  }
  if (hw) {
    const plant = equip(
      ctx,
      ids.hwPlant(s),
      `${s.dis} Hot Water Plant`,
      markers("hot water plant"),
      HW_PLANT_POINTS,
    );
    for (let i = 1; i <= s.boilers.count; i++) {
      equip(
        ctx,
        ids.boiler(s, i),
        `${s.dis} Boiler ${i}`,
        {
          ...markers("boiler naturalGas"),
          equipRef: ref(plant.localId),
          hotWaterRef: ref(plant.localId),
          heatingCapacity: num(s.boilers.capacityMbh * 1000, "BTU/h"),
        },
        BOILER_POINTS,
      );
    }
  }

  const ah = s.airHandlers;
  const ahPoints = airHandlerPoints(s);
  for (let i = 1; i <= ah.count; i++) {
    const tags: Record<string, TagValue> = markers(ah.kind === "rtu" ? "ahu rtu singleZone" : "ahu");
    if (ah.cooling === "chw") Object.assign(tags, markers("chilledWaterCool"));
    else Object.assign(tags, markers("dxCool"));
    if (ah.heating === "hw") Object.assign(tags, markers("hotWaterHeat"));
    if (ah.heating === "gas") Object.assign(tags, markers("gasHeat"));
    if (ah.economizer) Object.assign(tags, markers("economizer"));
    if (chw && ah.cooling === "chw") tags.chilledWaterRef = ref(ids.chwPlant(s));
    if (hw && ah.heating === "hw") tags.hotWaterRef = ref(ids.hwPlant(s));
    if (ah.manufacturer) tags.manufacturer = str(ah.manufacturer);
    if (ah.model) tags.model = str(ah.model);
    let dis: string;
    if (ah.kind === "ahu") {
      const floors = floorsOf(s, i);
      dis = `${s.dis} AHU-${i} Floors ${floors[0]}-${floors[floors.length - 1]}`;
    } else {
      dis = `${s.dis} RTU-${i}`;
    }
    equip(ctx, ids.airHandler(s, i), dis, tags, ahPoints);
  }

  if (hasVavs(s)) {
    const vp = vavPoints(s);
    for (let f = 1; f <= s.floors; f++) {
      s.vavs.zones.forEach((zone, zi) => {
        const ahuId = ids.airHandler(s, airHandlerOfFloor(s, f));
        const tags: Record<string, TagValue> = {
          vav: M,
          ahuRef: ref(ahuId),
          airRef: ref(ahuId),
          spaceRef: ref(ids.floor(s, f)),
          maxAirFlow: num(s.vavs.maxFlowCfm, "cfm"),
          minAirFlow: num(Math.round(s.vavs.maxFlowCfm * s.vavs.minFlowRatio), "cfm"),
        };
        if (s.vavs.reheat === "hw") {
          Object.assign(tags, markers("hotWaterReheat"));
          if (hw) tags.hotWaterRef = ref(ids.hwPlant(s));
        }
        if (s.vavs.reheat === "elec") Object.assign(tags, markers("elecReheat"));
        equip(ctx, ids.vav(s, f, zi + 1), `${s.dis} VAV-${f}-${zi + 1} ${zone}`, tags, vp);
      });
    }
  }

  const elecMain = equip(ctx, ids.elecMeter(s), s.meters.electric.dis, markers("elec meter siteMeter"), [
    ...ELEC_METER_POINTS,
    ...ELEC_MAIN_EXTRA,
  ]);
  for (const sub of elecSubs()) {
    equip(
      ctx,
      ids.elecSub(s, sub),
      `${s.meters.electric.dis} ${SUB_DIS[sub]}`,
      { ...markers("elec meter"), submeterOf: ref(elecMain.localId) },
      ELEC_METER_POINTS,
    );
  }
  if (s.meters.gas) {
    const main = equip(
      ctx,
      ids.gasMeter(s),
      s.meters.gas.dis,
      markers("naturalGas meter siteMeter"),
      GAS_METER_POINTS,
    );
    for (const sub of gasSubs(s)) {
      equip(
        ctx,
        ids.gasSub(s, sub),
        `${s.meters.gas.dis} ${SUB_DIS[sub]}`,
        { ...markers("naturalGas meter"), submeterOf: ref(main.localId) },
        GAS_METER_POINTS,
      );
    }
  }
  if (s.meters.water) {
    const main = equip(
      ctx,
      ids.waterMeter(s),
      s.meters.water.dis,
      markers("water meter siteMeter"),
      WATER_METER_POINTS,
    );
    for (const sub of waterSubs(s)) {
      equip(
        ctx,
        ids.waterSub(s, sub),
        `${s.meters.water.dis} ${SUB_DIS[sub]}`,
        { ...markers("water meter"), submeterOf: ref(main.localId) },
        WATER_METER_POINTS,
      );
    }
  }
}

/** The floors (1-based) served by air handler `i` of a VAV site. */
export function floorsOf(s: SiteSpec, i: number): number[] {
  const out: number[] = [];
  for (let f = 1; f <= s.floors; f++) if (airHandlerOfFloor(s, f) === i) out.push(f);
  return out;
}

/**
 * The entities of a building, sites first, each site followed by its weather station, floors,
 * plants, air handlers, terminal units and meters, each equipment followed by its points. Local ids
 * are unique and every Ref names an entity of the list. Throws Error when two sites share a key.
 */
export function buildEntities(building: Building): Entity[] {
  const keys = new Set<string>();
  const out: Entity[] = [];
  for (const s of building.sites) {
    if (keys.has(s.key)) throw new Error(`duplicate site key "${s.key}"`);
    keys.add(s.key);
    siteEntities(s, out);
  }
  return out;
}
