/**
 * One interval of a simulated building: weather and occupancy drive zone loads, VAV boxes and
 * air handlers answer them, their coil loads drive the plants, and every consumer adds up in the meters.
 * Pure: the rows and next state depend only on the arguments.
 */
import {
  elecSubs,
  gasSubs,
  hasChwPlant,
  hasHwPlant,
  hasVavs,
  ids,
  pointId,
  usesGasHeating,
  waterSubs,
} from "./ids.ts";
import { normal, uniform } from "./noise.ts";
import { hvacOccupiedMode, OCCUPIED_THRESHOLD, scheduledOccupancy } from "./occupancy.ts";
import { chwPlant, GAS_BTU_PER_FT3, hwPlant } from "./plant.ts";
import { intervalIndex } from "./time.ts";
import type { Building, Entity, Fault, ModelState, OverrideValue, Quality, Row, SiteSpec } from "./types.ts";
import { humidityRatio, type Weather, weatherAt } from "./weather.ts";
import { AIR_SENSIBLE, BTUH_PER_W, integrateZone, type Zone, zoneGains, zoneLoad, zonesOf } from "./zones.ts";

export interface GenerateInput {
  building: Building;
  /** The entities of `building` (from `buildEntities`); every `his` point among them gets one row. */
  entities: Entity[];
  seed: number;
  /** End of the interval, UTC, aligned to `intervalMinutes`. */
  ts: Date;
  intervalMinutes: number;
  /** The state returned for the previous interval, or `initialState(...)`. */
  state: ModelState;
  /** Rates of `stale` and `fault` statuses; none when omitted. */
  quality?: Quality;
  faults?: Fault[];
  /**
   * Values written by operators to writable points, applied from this interval on (they are kept in
   * the returned state); `null` releases an earlier override.
   */
  overrides?: Record<string, OverrideValue>;
  /** Sensor noise scale; defaults to `DEFAULT_NOISE`. */
  noise?: Noise;
}

/** Sensor noise: temperature standard deviation (°F), relative flow and power standard deviations. */
export interface Noise {
  tempStd: number;
  flowRel: number;
  powerRel: number;
}

export const DEFAULT_NOISE: Noise = { tempStd: 0.12, flowRel: 0.01, powerRel: 0.003 };

export interface GenerateOutput {
  rows: Row[];
  state: ModelState;
}

type Value = number | boolean;

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const lerp = (x: number, x0: number, y0: number, x1: number, y1: number): number =>
  y0 + (y1 - y0) * clamp((x - x0) / (x1 - x0), 0, 1);

interface Ctx {
  s: SiteSpec;
  seed: number;
  ts: Date;
  idx: number;
  dtH: number;
  wx: Weather;
  prev: ModelState;
  next: ModelState;
  out: Map<string, Value>;
  overrides: Record<string, Value>;
  bias: Map<string, number>;
  stuck: Map<string, number>;
  tripped: Set<string>;
}

function set(c: Ctx, id: string, v: Value): void {
  c.out.set(id, v);
}

function ovNum(c: Ctx, id: string): number | undefined {
  const v = c.overrides[id];
  return typeof v === "number" ? v : undefined;
}

function ovBool(c: Ctx, id: string): boolean | undefined {
  const v = c.overrides[id];
  return typeof v === "boolean" ? v : undefined;
}

function total(c: Ctx, id: string, rate: number, hoursFactor: number): void {
  const prev = c.prev.totals[id] ?? 0;
  const value = prev + Math.max(0, rate) * c.dtH * hoursFactor;
  c.next.totals[id] = value;
  set(c, id, value);
}

/** Discharge air temperature setpoint reset on outdoor temperature: 55 °F when hot, 62 °F when cold. */
function datReset(oat: number): number {
  return lerp(oat, 50, 62, 70, 55);
}

/** Hot water supply setpoint reset: 180 °F at 10 °F outdoors, 140 °F at 60 °F. */
function hwReset(oat: number): number {
  return lerp(oat, 10, 180, 60, 140);
}

interface ZoneRun {
  z: Zone;
  t0: number;
  tMeas: number;
  occ: number;
  people: number;
  lightingKw: number;
  plugKw: number;
  gains: number;
  clg: number;
  htg: number;
  effClg: number;
  effHtg: number;
  cooling: boolean;
}

interface Totals {
  chwLoadBtuh: number;
  hwLoadBtuh: number;
  gasHeatCfh: number;
  hvacKw: number;
}

function writeZonePoints(c: Ctx, zr: ZoneRun, t1: number): void {
  const id = zr.z.id;
  c.next.zoneTemps[id] = t1;
  set(c, pointId(id, "zat"), t1);
  set(c, pointId(id, "zatsp"), zr.cooling ? zr.effClg : zr.effHtg);
  set(c, pointId(id, "clgsp"), zr.clg);
  set(c, pointId(id, "htgsp"), zr.htg);
  set(c, pointId(id, "occ"), zr.occ > OCCUPIED_THRESHOLD);
}

function coilLatent(c: Ctx, cfm: number, oaFrac: number, siteOcc: number, dat: number): number {
  const wOa = c.wx.humidityRatio;
  const wRa = Math.min(wOa, humidityRatio(54)) + 0.0006 * siteOcc;
  const wMix = oaFrac * wOa + (1 - oaFrac) * wRa;
  const wLeave = Math.min(wMix, humidityRatio(dat - 2));
  return 4840 * cfm * Math.max(0, wMix - wLeave);
}

function minOutsideAir(c: Ctx, occMode: boolean, people: number, area: number, cfm: number): number {
  if (!occMode || cfm <= 0) return 0;
  return clamp((people * c.s.airHandlers.oaCfmPerPerson + 0.06 * area) / cfm, 0.1, 1);
}

function dxCop(oat: number): number {
  return clamp(3.3 * (1 - 0.012 * (oat - 95)), 2.2, 4.5);
}

/** VAV boxes and their central air handlers. */
function stepVavSystem(c: Ctx, zones: ZoneRun[], occMode: boolean, siteOcc: number, acc: Totals): void {
  const s = c.s;
  const oat = c.wx.temp;
  const shortfall = c.prev.chwShortfall[s.key] ?? 0;
  for (let i = 1; i <= s.airHandlers.count; i++) {
    const ahu = ids.airHandler(s, i);
    const served = zones.filter((zr) => zr.z.ahu === i);
    const outsideBand = served.some((zr) => zr.tMeas > zr.effClg + 0.5 || zr.tMeas < zr.effHtg - 0.5);
    const on = ovBool(c, pointId(ahu, "fanCmd")) ?? (occMode || outsideBand);
    const datsp = ovNum(c, pointId(ahu, "datsp")) ?? datReset(oat);
    const maxC = s.vavs.maxFlowCfm;
    const minC = maxC * s.vavs.minFlowRatio;
    const area = served.reduce((a, zr) => a + zr.z.area, 0);
    const designCfm = s.airHandlers.designCfmPerFt2 * area;

    const flows = served.map((zr) => {
      if (!on) return { cfm: 0, reheat: 0 };
      let cfm: number;
      let reheat = 0;
      if (zr.cooling) {
        const need =
          zoneLoad(s, zr.z, zr.gains, oat, zr.effClg) / (AIR_SENSIBLE * Math.max(3, zr.effClg - datsp));
        cfm = clamp(need + 0.25 * maxC * (zr.tMeas - zr.effClg), minC, maxC);
      } else {
        cfm = minC;
        if (s.vavs.reheat !== "none") {
          const tdis =
            zr.effHtg -
            zoneLoad(s, zr.z, zr.gains, oat, zr.effHtg) / (AIR_SENSIBLE * cfm) +
            2 * (zr.effHtg - zr.tMeas);
          if (tdis > 95) cfm = Math.min(0.5 * maxC, (cfm * (tdis - datsp)) / (95 - datsp));
          reheat = clamp(tdis - datsp, 0, 95 - datsp);
        }
      }
      const vav = zr.z.id;
      const flowOv = ovNum(c, pointId(vav, "flowsp"));
      const dmpOv = ovNum(c, pointId(vav, "dmp"));
      if (flowOv !== undefined) cfm = clamp(flowOv, 0, maxC);
      if (dmpOv !== undefined) cfm = (clamp(dmpOv, 0, 100) / 100) * maxC;
      const stuck = c.stuck.get(vav);
      if (stuck !== undefined) cfm = (stuck / 100) * maxC;
      return { cfm, reheat };
    });

    const cfm = flows.reduce((a, f) => a + f.cfm, 0);
    const avgZone = served.reduce((a, zr) => a + zr.t0, 0) / Math.max(1, served.length);
    const rat = cfm > 0 ? served.reduce((a, zr, k) => a + zr.t0 * flows[k]!.cfm, 0) / cfm + 0.8 : avgZone;
    const people = served.reduce((a, zr) => a + zr.people, 0);
    const minOa = minOutsideAir(c, occMode, people, area, cfm);
    let oaFrac = on ? minOa : 0;
    const oadOv = ovNum(c, pointId(ahu, "oad"));
    if (on && oadOv !== undefined) oaFrac = clamp(oadOv, 0, 100) / 100;
    else if (on && s.airHandlers.economizer && oat < rat - 1 && oat < 65) {
      const mixedAtMin = oaFrac * oat + (1 - oaFrac) * rat;
      if (mixedAtMin > datsp) oaFrac = clamp((rat - datsp) / (rat - oat), minOa, 1);
    }
    const mat = on ? oaFrac * oat + (1 - oaFrac) * rat : avgZone;
    let dat = mat;
    let coolBtuh = 0;
    let heatBtuh = 0;
    if (on) {
      if (mat > datsp) {
        const sf = s.airHandlers.cooling === "chw" ? shortfall : 0;
        dat = datsp + sf * (mat - datsp);
        coolBtuh = AIR_SENSIBLE * cfm * (mat - dat) + coilLatent(c, cfm, oaFrac, siteOcc, dat);
      } else if (s.airHandlers.heating !== "none") {
        dat = datsp;
        heatBtuh = AIR_SENSIBLE * cfm * (datsp - mat);
      }
    }
    if (s.airHandlers.cooling === "chw") acc.chwLoadBtuh += coolBtuh;
    else acc.hvacKw += ((coolBtuh / 12000) * 3.517) / dxCop(oat);
    if (s.airHandlers.heating === "hw") acc.hwLoadBtuh += heatBtuh;
    if (s.airHandlers.heating === "gas") acc.gasHeatCfh += heatBtuh / 0.8 / GAS_BTU_PER_FT3;

    const frac = designCfm > 0 ? cfm / designCfm : 0;
    const fanKw = on ? designCfm * 0.0009 * Math.max(frac, 0.15) ** 2.6 + 0.4 : 0;
    acc.hvacKw += fanKw;
    const dspsp = ovNum(c, pointId(ahu, "dspsp")) ?? Math.round((0.5 + 1.0 * clamp(frac, 0, 1)) * 100) / 100;

    set(c, pointId(ahu, "fanCmd"), on);
    set(c, pointId(ahu, "fanSts"), on);
    set(c, pointId(ahu, "fanSpeed"), on ? clamp(100 * frac, 15, 100) : 0);
    set(c, pointId(ahu, "dat"), dat);
    set(c, pointId(ahu, "datsp"), datsp);
    set(c, pointId(ahu, "mat"), mat);
    set(c, pointId(ahu, "rat"), rat);
    set(c, pointId(ahu, "oad"), on ? 100 * oaFrac : 0);
    set(c, pointId(ahu, "flow"), cfm);
    set(c, pointId(ahu, "cool"), clamp((100 * coolBtuh) / (AIR_SENSIBLE * designCfm * 28), 0, 100));
    if (s.airHandlers.heating !== "none") {
      set(c, pointId(ahu, "heat"), clamp((100 * heatBtuh) / (AIR_SENSIBLE * designCfm * 40), 0, 100));
    }
    set(c, pointId(ahu, "dsp"), on ? dspsp * clamp(0.85 + 0.15 * frac, 0, 1) + 0.03 : 0);
    set(c, pointId(ahu, "dspsp"), dspsp);
    set(c, pointId(ahu, "power"), fanKw);

    served.forEach((zr, k) => {
      const f = flows[k]!;
      const vav = zr.z.id;
      const tdis = on ? dat + f.reheat : zr.t0;
      if (s.vavs.reheat === "hw") acc.hwLoadBtuh += AIR_SENSIBLE * f.cfm * f.reheat;
      if (s.vavs.reheat === "elec") acc.hvacKw += (AIR_SENSIBLE * f.cfm * f.reheat) / (BTUH_PER_W * 1000);
      const t1 = integrateZone(s, zr.z, zr.t0, zr.gains, oat, f.cfm, tdis, c.dtH);
      writeZonePoints(c, zr, t1);
      set(c, pointId(vav, "flow"), f.cfm);
      set(c, pointId(vav, "flowsp"), f.cfm);
      set(c, pointId(vav, "dmp"), on ? clamp((100 * f.cfm) / maxC, 0, 100) : 0);
      set(c, pointId(vav, "dat"), tdis);
      if (s.vavs.reheat !== "none") set(c, pointId(vav, "rhv"), on ? (100 * f.reheat) / (95 - datsp) : 0);
    });
  }
}

/** Packaged single-zone rooftop units: constant-volume fan, DX cooling, gas (or no) heat. */
function stepRooftopUnits(c: Ctx, zones: ZoneRun[], occMode: boolean, siteOcc: number, acc: Totals): void {
  const s = c.s;
  const oat = c.wx.temp;
  for (const zr of zones) {
    const rtu = zr.z.id;
    const outsideBand = zr.tMeas > zr.effClg + 0.5 || zr.tMeas < zr.effHtg - 0.5;
    const on = ovBool(c, pointId(rtu, "fanCmd")) ?? (occMode || outsideBand);
    const designCfm = s.airHandlers.designCfmPerFt2 * zr.z.area;
    const target = zr.cooling ? zr.effClg : zr.effHtg;
    const needed =
      target -
      zoneLoad(s, zr.z, zr.gains, oat, target) / (AIR_SENSIBLE * designCfm) -
      1.5 * (zr.tMeas - target);
    const datsp = ovNum(c, pointId(rtu, "datsp")) ?? (on ? clamp(needed, 52, 95) : 55);
    const cfm = on ? designCfm : 0;
    const rat = zr.t0 + 0.5;
    const minOa = minOutsideAir(c, occMode, zr.people, zr.z.area, cfm);
    let oaFrac = on ? minOa : 0;
    const oadOv = ovNum(c, pointId(rtu, "oad"));
    if (on && oadOv !== undefined) oaFrac = clamp(oadOv, 0, 100) / 100;
    else if (on && s.airHandlers.economizer && zr.cooling && oat < rat - 1 && oat < 65) {
      oaFrac = clamp((rat - datsp) / (rat - oat), minOa, 1);
    }
    const mat = on ? oaFrac * oat + (1 - oaFrac) * rat : zr.t0;
    let dat = mat;
    let coolBtuh = 0;
    let heatBtuh = 0;
    let dxKw = 0;
    if (on && datsp < mat) {
      const capacity = AIR_SENSIBLE * designCfm * 25;
      const sensible = Math.min(AIR_SENSIBLE * cfm * (mat - datsp), capacity);
      dat = mat - sensible / (AIR_SENSIBLE * cfm);
      coolBtuh = sensible + coilLatent(c, cfm, oaFrac, siteOcc, dat);
      dxKw = ((coolBtuh / 12000) * 3.517) / dxCop(oat);
    } else if (on && datsp > mat && s.airHandlers.heating !== "none") {
      heatBtuh = Math.min(AIR_SENSIBLE * cfm * (datsp - mat), AIR_SENSIBLE * designCfm * 50);
      dat = mat + heatBtuh / (AIR_SENSIBLE * cfm);
      if (s.airHandlers.heating === "gas") acc.gasHeatCfh += heatBtuh / 0.8 / GAS_BTU_PER_FT3;
      if (s.airHandlers.heating === "hw") acc.hwLoadBtuh += heatBtuh;
    }
    const fanKw = on ? designCfm * 0.0006 : 0;
    acc.hvacKw += fanKw + dxKw;
    const t1 = integrateZone(s, zr.z, zr.t0, zr.gains, oat, cfm, dat, c.dtH);
    writeZonePoints(c, zr, t1);
    set(c, pointId(rtu, "fanCmd"), on);
    set(c, pointId(rtu, "fanSts"), on);
    set(c, pointId(rtu, "fanSpeed"), on ? 100 : 0);
    set(c, pointId(rtu, "dat"), dat);
    set(c, pointId(rtu, "datsp"), datsp);
    set(c, pointId(rtu, "mat"), mat);
    set(c, pointId(rtu, "rat"), on ? rat : zr.t0);
    set(c, pointId(rtu, "oad"), on ? 100 * oaFrac : 0);
    set(c, pointId(rtu, "flow"), cfm);
    set(
      c,
      pointId(rtu, "cool"),
      on ? clamp((100 * coolBtuh) / (AIR_SENSIBLE * designCfm * 25 * 1.3), 0, 100) : 0,
    );
    if (s.airHandlers.heating !== "none") {
      set(
        c,
        pointId(rtu, "heat"),
        on ? clamp((100 * heatBtuh) / (AIR_SENSIBLE * designCfm * 50), 0, 100) : 0,
      );
    }
    set(c, pointId(rtu, "power"), fanKw + dxKw);
  }
}

/** Lead/lag order of `count` units, rotating the lead weekly. */
function rotation(ts: Date, count: number): number[] {
  const lead = Math.floor(ts.getTime() / (7 * 86_400_000)) % Math.max(1, count);
  return Array.from({ length: count }, (_, k) => (lead + k) % count);
}

function stepSite(c: Ctx): void {
  const s = c.s;
  const wx = c.wx;
  const siteOcc = scheduledOccupancy(s, c.ts);
  const occMode = hvacOccupiedMode(s, c.ts);
  const solarHour = (((c.ts.getTime() / 3_600_000 + s.geo.lng / 15) % 24) + 24) % 24;
  const roomTemp = clamp(68 + 0.15 * (wx.temp - 65), 60, 85);

  const w = ids.weather(s);
  set(c, pointId(w, "oat"), wx.temp);
  set(c, pointId(w, "rh"), wx.humidity);
  set(c, pointId(w, "dew"), wx.dewPoint);
  set(c, pointId(w, "wbt"), wx.wetBulb);
  set(c, pointId(w, "solar"), wx.solar);

  const zones: ZoneRun[] = zonesOf(s).map((z) => {
    const t0 = c.prev.zoneTemps[z.id] ?? 72;
    const occ = clamp(siteOcc * (1 + 0.15 * normal(c.seed, `${z.id}:occ`, c.idx)), 0, 1);
    const g = zoneGains(s, z, occ, siteOcc, wx.solar, solarHour);
    const clg = ovNum(c, pointId(z.id, "clgsp")) ?? s.setpoints.occupied.cooling;
    const htg = ovNum(c, pointId(z.id, "htgsp")) ?? s.setpoints.occupied.heating;
    const effClg = occMode ? clg : s.setpoints.unoccupied.cooling;
    const effHtg = occMode ? htg : s.setpoints.unoccupied.heating;
    const tMeas = t0 + (c.bias.get(pointId(z.id, "zat")) ?? 0);
    return {
      z,
      t0,
      tMeas,
      occ,
      people: g.people,
      lightingKw: g.lightingKw,
      plugKw: g.plugKw,
      gains: g.total,
      clg,
      htg,
      effClg,
      effHtg,
      cooling: tMeas >= (effClg + effHtg) / 2,
    };
  });

  const acc: Totals = { chwLoadBtuh: 0, hwLoadBtuh: 0, gasHeatCfh: 0, hvacKw: 0 };
  if (hasVavs(s)) stepVavSystem(c, zones, occMode, siteOcc, acc);
  else stepRooftopUnits(c, zones, occMode, siteOcc, acc);

  let makeupGpm = 0;
  if (hasChwPlant(s)) {
    const plantId = ids.chwPlant(s);
    const chillerIds = Array.from({ length: s.chillers.count }, (_, k) => ids.chiller(s, k + 1));
    const available = chillerIds.map(
      (id) => ovBool(c, pointId(id, "enable")) !== false && !c.tripped.has(id),
    );
    const sp = ovNum(c, pointId(plantId, "chwsp")) ?? s.chillers.chwSupplySp;
    const r = chwPlant(
      s,
      (acc.chwLoadBtuh / 12000) * 1.01,
      c.prev.chillersOn[s.key] ?? 0,
      available,
      rotation(c.ts, s.chillers.count),
      sp,
      wx.wetBulb,
      roomTemp,
    );
    c.next.chillersOn[s.key] = r.running;
    c.next.chwShortfall[s.key] = r.shortfall;
    acc.hvacKw += r.auxKw;
    makeupGpm = r.makeupGpm;
    set(c, pointId(plantId, "chwst"), r.supplyTemp);
    set(c, pointId(plantId, "chwrt"), r.returnTemp);
    set(c, pointId(plantId, "chwsp"), sp);
    set(c, pointId(plantId, "flow"), r.flowGpm);
    set(c, pointId(plantId, "load"), r.loadTons);
    r.chillers.forEach((ch, k) => {
      const id = chillerIds[k]!;
      acc.hvacKw += ch.powerKw;
      set(c, pointId(id, "enable"), ovBool(c, pointId(id, "enable")) ?? (ch.running || c.tripped.has(id)));
      set(c, pointId(id, "run"), ch.running);
      set(c, pointId(id, "chwlt"), ch.leavingTemp);
      set(c, pointId(id, "chwet"), ch.enteringTemp);
      set(c, pointId(id, "chwf"), ch.flowGpm);
      set(c, pointId(id, "cwet"), ch.condenserEnteringTemp);
      set(c, pointId(id, "load"), ch.loadTons);
      set(c, pointId(id, "power"), ch.powerKw);
      set(c, pointId(id, "cop"), ch.cop);
      total(c, pointId(id, "energy"), ch.powerKw, 1);
    });
  }

  if (hasHwPlant(s)) {
    const plantId = ids.hwPlant(s);
    const boilerIds = Array.from({ length: s.boilers.count }, (_, k) => ids.boiler(s, k + 1));
    const available = boilerIds.map((id) => ovBool(c, pointId(id, "enable")) !== false);
    const sp = ovNum(c, pointId(plantId, "hwsp")) ?? hwReset(wx.temp);
    const r = hwPlant(
      s,
      acc.hwLoadBtuh,
      c.prev.boilersOn[s.key] ?? 0,
      available,
      rotation(c.ts, s.boilers.count),
      sp,
      roomTemp,
    );
    c.next.boilersOn[s.key] = r.running;
    acc.hvacKw += r.auxKw;
    acc.gasHeatCfh += r.gasCfh;
    set(c, pointId(plantId, "hwst"), r.supplyTemp);
    set(c, pointId(plantId, "hwrt"), r.returnTemp);
    set(c, pointId(plantId, "hwsp"), sp);
    r.boilers.forEach((bo, k) => {
      const id = boilerIds[k]!;
      set(c, pointId(id, "enable"), ovBool(c, pointId(id, "enable")) ?? bo.running);
      set(c, pointId(id, "run"), bo.running);
      set(c, pointId(id, "hwlt"), bo.leavingTemp);
      set(c, pointId(id, "fire"), bo.firePct);
      set(c, pointId(id, "gas"), bo.gasCfh);
    });
  }

  const lightingKw = zones.reduce((a, zr) => a + zr.lightingKw, 0);
  const plugKw = zones.reduce((a, zr) => a + zr.plugKw, 0);
  const people = zones.reduce((a, zr) => a + zr.people, 0);
  const elecParts: Record<string, number> = { hvac: acc.hvacKw, lighting: lightingKw, plug: plugKw };
  const mainKw = acc.hvacKw + lightingKw + plugKw;
  const em = ids.elecMeter(s);
  set(c, pointId(em, "power"), mainKw);
  total(c, pointId(em, "energy"), mainKw, 1);
  const peakKw = (s.area * (s.loads.lightingWPerFt2 + s.loads.plugWPerFt2 + 2.5)) / 1000;
  set(c, pointId(em, "pf"), clamp(0.85 + (0.1 * mainKw) / peakKw, 0.8, 0.98));
  for (const sub of elecSubs()) {
    const id = ids.elecSub(s, sub);
    const kw = elecParts[sub] ?? 0;
    set(c, pointId(id, "power"), kw);
    total(c, pointId(id, "energy"), kw, 1);
  }
  if (s.meters.gas) {
    const parts: Record<string, number> = {
      heating: usesGasHeating(s) ? acc.gasHeatCfh : 0,
      dhw: 0.07 * people + 2,
    };
    const subs = gasSubs(s);
    const main = subs.reduce((a, k) => a + (parts[k] ?? 0), 0);
    const gm = ids.gasMeter(s);
    set(c, pointId(gm, "flow"), main);
    total(c, pointId(gm, "volume"), main, 1);
    for (const sub of subs) {
      const id = ids.gasSub(s, sub);
      set(c, pointId(id, "flow"), parts[sub] ?? 0);
      total(c, pointId(id, "volume"), parts[sub] ?? 0, 1);
    }
  }
  if (s.meters.water) {
    const parts: Record<string, number> = { domestic: 0.018 * people + 0.15, tower: makeupGpm };
    const subs = waterSubs(s);
    const main = subs.reduce((a, k) => a + (parts[k] ?? 0), 0);
    const wm = ids.waterMeter(s);
    set(c, pointId(wm, "flow"), main);
    total(c, pointId(wm, "volume"), main, 60);
    for (const sub of subs) {
      const id = ids.waterSub(s, sub);
      set(c, pointId(id, "flow"), parts[sub] ?? 0);
      total(c, pointId(id, "volume"), parts[sub] ?? 0, 60);
    }
  }
}

/** Measurement noise of sensors by unit: absolute (same unit) or relative to the reading. */
function noiseOf(unit: string, n: Noise): { abs?: number; rel?: number } | undefined {
  switch (unit) {
    case "°F":
      return { abs: n.tempStd };
    case "%RH":
      return { abs: 0.8 };
    case "inH₂O":
      return { abs: 0.015 };
    case "cfm":
    case "gal/min":
    case "ft³/h":
    case "tonref":
      return { rel: n.flowRel };
    case "kW":
      return { rel: n.powerRel };
    case "W/m²":
      return { rel: 0.02 };
    case "":
      return { rel: 0.004 };
    default:
      return undefined;
  }
}

/** Decimal places written per unit (totalizers included: rounding keeps them monotonic). */
const DECIMALS: Record<string, number> = {
  "°F": 1,
  "%RH": 1,
  "%": 1,
  cfm: 0,
  kW: 2,
  kWh: 1,
  "gal/min": 2,
  gal: 1,
  "ft³/h": 1,
  "ft³": 1,
  tonref: 1,
  "inH₂O": 2,
  "W/m²": 0,
  "": 2,
};

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

function tagStr(e: Entity, name: string): string | undefined {
  const t = e.tags[name];
  return t?.kind === "Str" ? t.val : undefined;
}

function tagRef(e: Entity, name: string): string | undefined {
  const t = e.tags[name];
  return t?.kind === "Ref" ? t.localId : undefined;
}

function active(f: Fault, ts: Date): boolean {
  const t = ts.getTime();
  return Date.parse(f.start) <= t && t < Date.parse(f.end);
}

/**
 * Generates the rows of the interval ending at `ts` and the state to carry to the next one.
 *
 * Every `his` point of `entities` gets exactly one row (off equipment writes explicit off values:
 * `false`, 0 flow and power, sensors at ambient). Writable points report the operator's override when
 * one is in force. Statuses `stale` (value held from the previous row) and `fault` appear at the
 * `quality` rates, drawn per (seed, point, interval); a `comm_outage` fault holds the values of its
 * target and marks them `stale`. Totalizers never decrease.
 *
 * Deterministic: the same input gives identical output. Throws Error when an override names an
 * unknown or non-writable point, or has the wrong kind, or when the building yields a his point the
 * model does not compute (a programming error).
 */
export function generateInterval(input: GenerateInput): GenerateOutput {
  const { building, entities, seed, ts, intervalMinutes, state } = input;
  const byId = new Map(entities.map((e) => [e.localId, e]));
  const overrides: Record<string, Value> = { ...state.overrides };
  for (const [id, v] of Object.entries(input.overrides ?? {})) {
    const e = byId.get(id);
    if (!e?.tags.writable) throw new Error(`override of "${id}": not a writable point`);
    if (v === null) {
      delete overrides[id];
      continue;
    }
    const kind = tagStr(e, "kind");
    if ((kind === "Bool") !== (typeof v === "boolean")) {
      throw new Error(`override of "${id}": expected a ${kind} value`);
    }
    overrides[id] = v;
  }

  const faults = (input.faults ?? []).filter((f) => active(f, ts));
  const bias = new Map<string, number>();
  const stuck = new Map<string, number>();
  const tripped = new Set<string>();
  const outage = new Set<string>();
  for (const f of faults) {
    if (f.type === "sensor_bias") bias.set(f.target, (bias.get(f.target) ?? 0) + f.bias);
    else if (f.type === "stuck_damper") stuck.set(f.target, f.position);
    else if (f.type === "chiller_trip") tripped.add(f.target);
    else outage.add(f.target);
  }

  const next: ModelState = {
    version: 1,
    lastTs: ts.toISOString(),
    totals: { ...state.totals },
    zoneTemps: { ...state.zoneTemps },
    last: { ...state.last },
    overrides,
    chillersOn: { ...state.chillersOn },
    boilersOn: { ...state.boilersOn },
    chwShortfall: { ...state.chwShortfall },
  };
  const out = new Map<string, Value>();
  const idx = intervalIndex(ts, intervalMinutes);
  for (const s of building.sites) {
    stepSite({
      s,
      seed,
      ts,
      idx,
      dtH: intervalMinutes / 60,
      wx: weatherAt(s, seed, ts),
      prev: state,
      next,
      out,
      overrides,
      bias,
      stuck,
      tripped,
    });
  }

  const quality = input.quality ?? { stalePercent: 0, faultPercent: 0 };
  const rows: Row[] = [];
  for (const e of entities) {
    if (!e.tags.his) continue;
    const id = e.localId;
    let v = out.get(id);
    if (v === undefined) throw new Error(`model computed no value for his point "${id}"`);
    const ov = overrides[id];
    if (e.tags.writable && ov !== undefined) v = ov;
    if (typeof v === "number") {
      const unit = tagStr(e, "unit") ?? "";
      const totalized = e.tags.hisTotalized !== undefined;
      if (e.tags.sensor && !totalized) {
        const n = noiseOf(unit, input.noise ?? DEFAULT_NOISE);
        if (n) v += normal(seed, id, idx) * ((n.abs ?? 0) + (n.rel ?? 0) * Math.abs(v));
      }
      v += bias.get(id) ?? 0;
      if (unit === "%" || unit === "%RH") v = clamp(v, 0, 100);
      else if (unit !== "°F") v = Math.max(0, v);
      v = round(v, DECIMALS[unit] ?? 2);
    }
    let status: Row["status"] = "ok";
    const held = state.last[id];
    const equip = tagRef(e, "equipRef") ?? tagRef(e, "weatherStationRef");
    const site = tagRef(e, "siteRef");
    const out_ =
      outage.has(id) ||
      (equip !== undefined && outage.has(equip)) ||
      (site !== undefined && outage.has(site));
    if (out_) {
      status = "stale";
      if (held !== undefined) v = held;
    } else {
      const u = uniform(seed, id, idx, 7) * 100;
      if (u < quality.faultPercent) status = "fault";
      else if (u < quality.faultPercent + quality.stalePercent) {
        status = "stale";
        if (held !== undefined && typeof held === typeof v) v = held;
      }
    }
    next.last[id] = v;
    rows.push(
      typeof v === "boolean"
        ? { localId: id, ts, value_b: v, status }
        : { localId: id, ts, value_n: v, status },
    );
  }
  return { rows, state: next };
}

/**
 * The state before the first interval: zones near 72 °F, no overrides, and totalizers at plausible
 * readings drawn from the seed (sub-meters independently; each main meter the sum of its sub-meters,
 * so main and sub-meter registers stay consistent forever).
 */
export function initialState(input: { building: Building; entities: Entity[]; seed: number }): ModelState {
  const { building, entities, seed } = input;
  const totals: Record<string, number> = {};
  const scale: Record<string, number> = { kWh: 400_000, "ft³": 1_500_000, gal: 3_000_000 };
  for (const e of entities) {
    if (!e.tags.hisTotalized) continue;
    const unit = tagStr(e, "unit") ?? "";
    totals[e.localId] = Math.round(uniform(seed, e.localId, 0, 11) * (scale[unit] ?? 100_000));
  }
  const zoneTemps: Record<string, number> = {};
  for (const s of building.sites) {
    const mains: Array<[string, string[]]> = [
      [pointId(ids.elecMeter(s), "energy"), elecSubs().map((k) => pointId(ids.elecSub(s, k), "energy"))],
      [pointId(ids.gasMeter(s), "volume"), gasSubs(s).map((k) => pointId(ids.gasSub(s, k), "volume"))],
      [pointId(ids.waterMeter(s), "volume"), waterSubs(s).map((k) => pointId(ids.waterSub(s, k), "volume"))],
    ];
    for (const [main, subs] of mains) {
      if (totals[main] === undefined) continue;
      totals[main] = subs.reduce((a, id) => a + (totals[id] ?? 0), 0);
    }
    for (const z of zonesOf(s)) zoneTemps[z.id] = 70 + 3 * uniform(seed, z.id, 0, 12);
  }
  return {
    version: 1,
    lastTs: null,
    totals,
    zoneTemps,
    last: {},
    overrides: {},
    chillersOn: {},
    boilersOn: {},
    chwShortfall: {},
  };
}
