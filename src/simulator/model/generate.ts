/**
 * One interval of a simulated building: weather and occupancy drive zone loads, VAV boxes and
 * air handlers answer them through their control loops, their coil loads drive the staged plants, and
 * every consumer adds up in the meters. Faults of the catalogue act on the physical variables; data
 * quality episodes act on what is reported. Pure: the rows and next state depend only on the arguments.
 */
import { type FaultEffects, faultEffects } from "./faults.ts";
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
import { deadScans, delayed, piScan, readLoop, runLoop, SCAN_MIN, simcTuning, writeLoop } from "./loops.ts";
import { normal, uniform } from "./noise.ts";
import { hvacOccupiedMode, OCCUPIED_THRESHOLD, scheduledOccupancy } from "./occupancy.ts";
import {
  BOILER_TIMERS,
  CHILLER_TIMERS,
  COMPRESSOR_TIMERS,
  chwPlant,
  GAS_BTU_PER_FT3,
  hwPlant,
  nextSince,
  type StageUnit,
  stageUnits,
  type Timers,
} from "./plant.ts";
import { dropoutReading, qualityAt } from "./quality.ts";
import { intervalIndex } from "./time.ts";
import type { Building, Entity, Fault, ModelState, OverrideValue, Quality, Row, SiteSpec } from "./types.ts";
import { humidityRatio, type Weather, weatherAt } from "./weather.ts";
import {
  AIR_SENSIBLE,
  BTUH_PER_W,
  CAPACITANCE_PER_FT2,
  integrateZone,
  type Zone,
  zoneGains,
  zoneLoad,
  zonesOf,
} from "./zones.ts";

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
  /** Data-quality episodes (device offline, sensor failure, network outage); none when omitted. */
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
/**
 * Loop processes and actuators (minutes): a VAV box's airflow (flow sensor filter and box 0.5 min,
 * 30 s sensor and controller delay, a 90-s floating damper actuator), its zone (dead time of air mixing and sensor
 * placement 5 min; the zone's own lag comes from its heat balance) and an air handler's discharge air
 * (coil and sensor 3 min, water transport 1.25 min, 90-s valve actuator).
 */
const FLOW_LOOP = { tauMin: 0.5, deadMin: 0.5, strokeMin: 1.5 };
const ZONE_LOOP_DEAD_MIN = 5;
const DAT_LOOP = { tauMin: 3, deadMin: 1.25, strokeMin: 1.5 };
/** Design coil temperature changes at design airflow, °F: cooling coil 28 °F, heating coil 40 °F. */
const COOL_DESIGN_DT = 28;
const HEAT_DESIGN_DT = 40;

interface Ctx {
  s: SiteSpec;
  seed: number;
  ts: Date;
  now: number;
  idx: number;
  dtH: number;
  dtMin: number;
  wx: Weather;
  prev: ModelState;
  next: ModelState;
  out: Map<string, Value>;
  overrides: Record<string, Value>;
  fx: FaultEffects;
  /**
   * What a failed sensor (a data-quality sensor failure) gives the controller reading it: its held
   * last value (flatline) or its dropout reading; undefined while the sensor works.
   */
  failedReading: (pointId: string) => number | undefined;
  /** `next.units`, `next.loops` and `next.pi`, always present. */
  units: NonNullable<ModelState["units"]>;
  loops: NonNullable<ModelState["loops"]>;
  pi: NonNullable<ModelState["pi"]>;
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

function loop(c: Ctx, key: string): number | undefined {
  return c.prev.loops?.[key];
}

function setLoop(c: Ctx, key: string, v: number): void {
  c.loops[key] = v;
}

/** Integrates a meter rate into its register; a dropped-out meter reads 0 and stops counting. */
function total(c: Ctx, id: string, rate: number, hoursFactor: number, dropped = false): void {
  const prev = c.prev.totals[id] ?? 0;
  const value = dropped ? prev : prev + Math.max(0, rate) * c.dtH * hoursFactor;
  c.next.totals[id] = value;
  set(c, id, value);
}

/** Staged units with timers: decides which run now and records their start/stop times. */
function staged(
  c: Ctx,
  unitIds: string[],
  available: boolean[],
  load: number,
  capacity: number,
  timers: Timers,
) {
  const units: StageUnit[] = unitIds.map((id, k) => {
    const u = c.prev.units?.[id];
    return { available: available[k]!, running: u?.on ?? false, since: u?.since ?? Number.NEGATIVE_INFINITY };
  });
  const run = stageUnits(units, load, capacity, c.now, timers);
  const since = nextSince(units, run, c.now);
  unitIds.forEach((id, k) => {
    c.units[id] = { on: run[k]!, since: Number.isFinite(since[k]!) ? since[k]! : -1e15 };
  });
  return run;
}

/** Discharge air temperature setpoint reset on outdoor temperature: 55 °F when hot, 62 °F when cold. */
function datReset(oat: number): number {
  return lerp(oat, 50, 62, 70, 55);
}

/** Hot water supply setpoint reset: 180 °F at 10 °F outdoors, 140 °F at 60 °F. */
function hwReset(oat: number): number {
  return lerp(oat, 10, 180, 60, 140);
}

/**
 * Economizer high limit, °F (ASHRAE 90.1-2019 Table 6.5.1.1.3, fixed dry bulb): 75 °F in dry climates
 * (mean dew point below 35 °F standing in for climate zones B), 65 °F in humid ones (zones A).
 */
function economizerHighLimit(s: SiteSpec): number {
  return s.climate.meanDewPoint < 35 ? 75 : 65;
}

interface ZoneRun {
  z: Zone;
  t0: number;
  /** What the zone sensor tells the controller (true + bias, or a failed sensor's reading). */
  tMeas: number;
  /** A failed zone sensor's reading (constant over the interval), when it has failed. */
  zatFailed: number | undefined;
  occ: number;
  occMode: boolean;
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

/**
 * Exhaust of a zone's fume hoods, cfm: VAV hoods at 100 fpm face velocity hold 30 % of their full-sash
 * exhaust with the sash closed, rising with the sash, which follows the zone's occupancy (ANSI/AIHA
 * Z9.5; Labs21 "Laboratories for the 21st Century" best practice guides).
 */
function hoodExhaust(c: Ctx, zr: ZoneRun): number {
  const v = c.s.vavs;
  if (v.fumeHoods === 0) return 0;
  const sash = clamp(zr.occ * (1 + 0.3 * normal(c.seed, `${zr.z.id}:sash`, c.idx)), 0, 1);
  return v.fumeHoods * v.fumeHoodCfm * (0.3 + 0.7 * sash);
}

/** A laboratory's supply replaces its exhaust less a 10 % offset (negative pressure toward corridors). */
const LAB_OFFSET = 0.1;
/** Exhaust fan power of laboratory high-plume exhaust, kW per cfm (Labs21: 0.5–1 W/cfm). */
const EXHAUST_KW_PER_CFM = 0.0006;

/**
 * The air leaving an exhaust-to-supply heat recovery coil of a 100 % outside air unit: outside air
 * moved toward the exhaust (return) temperature by the sensible effectiveness when that helps, and
 * bypassed (held at the discharge setpoint) when it would overshoot it (ASHRAE Handbook HVAC Systems
 * ch. 26, run-around coil loops).
 */
function recovered(oat: number, exhaust: number, eff: number, datsp: number): number {
  if (eff <= 0) return oat;
  const t = oat + eff * (exhaust - oat);
  if (oat < datsp) return Math.min(t, Math.max(oat, datsp));
  if (oat > exhaust) return t;
  return oat;
}

/** Minimum outside air fraction: ASHRAE 62.1 ventilation rate procedure (people + 0.06 cfm/ft²). */
function minOutsideAir(c: Ctx, occMode: boolean, people: number, area: number, cfm: number): number {
  if (!occMode || cfm <= 0) return 0;
  return clamp((people * c.s.airHandlers.oaCfmPerPerson + 0.06 * area) / cfm, 0.1, 1);
}

/** Packaged DX COP at an outdoor temperature: AHRI 340/360 rating (EER ≈ 11.2, COP 3.3 at 95 °F), −1.2 %/°F. */
function dxCop(oat: number): number {
  return clamp(3.3 * (1 - 0.012 * (oat - 95)), 2.2, 4.5);
}

/**
 * The coil sequence of an air handler, from mixed air to discharge air, with the faults that act on
 * its coils. The controller drives the *measured* discharge air (true + sensor bias) to the setpoint.
 */
interface CoilResult {
  dat: number;
  /** Sensible cooling the coil asks of the plant (regulated coil at full demand + any leak), Btu/h. */
  coolSensible: number;
  heatBtuh: number;
  /** Valve / stage commands the controller writes, %. */
  coolCmd: number;
  heatCmd: number;
}

function coils(
  c: Ctx,
  equip: string,
  cfm: number,
  designCfm: number,
  mat: number,
  datsp: number,
  opts: {
    chwAvailable: boolean;
    chwSupply: number;
    shortfall: number;
    canHeat: boolean;
    coolCapacityDt: number;
    /** The economizer modulates (not at full outside air): the cooling valve is sequenced shut. */
    economizing: boolean;
  },
): CoilResult {
  const fx = c.fx;
  const target = datsp - (fx.bias.get(pointId(equip, "dat")) ?? 0);
  const scale = designCfm / Math.max(cfm, 1);
  const coilFloor = opts.chwSupply + 3;
  // Leaking cooling valve: a fraction of coil flow passes while commanded shut (chilled water must flow).
  const leak = opts.chwAvailable ? (fx.leakingValve.get(equip) ?? 0) : 0;
  const leakDt = leak * 0.9 * Math.max(0, mat - opts.chwSupply);
  // Heating output held open (simultaneous heating and cooling).
  const heatStuck = opts.canHeat ? fx.heatCool.get(equip) : undefined;
  const stuckHeatDt = heatStuck === undefined ? 0 : Math.min(60, (heatStuck / 100) * HEAT_DESIGN_DT * scale);
  const t1 = mat - leakDt + stuckHeatDt;
  const maxCoolDt = Math.max(0, Math.min(opts.coolCapacityDt * scale, t1 - coilFloor));
  // The discharge air loop: PI on the measured discharge air driving the cooling valve, through the
  // coil's lag and the water's transport delay; the valve's ΔT per % follows the airflow (the tuning
  // is scheduled on it). What the plant could not deliver last interval weakens the coil.
  const perPct = (opts.coolCapacityDt * scale) / 100;
  const delivered = 1 - opts.shortfall;
  // Economizer first: the valve stays shut while the economizer brings the mixed air to setpoint.
  const sequencedShut = opts.economizing && t1 <= target + 0.5;
  const coilDt = (u: number) => Math.min(maxCoolDt, u * perPct);
  const key = `${equip}.datLoop`;
  const st = readLoop(c.prev.pi, key, { out: 0, y: t1 }, DAT_LOOP.deadMin);
  const stuckValve = fx.stuckValve.get(equip);
  const tuning = simcTuning(
    Math.max(perPct * delivered, 0.02),
    DAT_LOOP.tauMin,
    DAT_LOOP.deadMin + DAT_LOOP.strokeMin / 2,
    fx.mistune.get(equip) ?? 1,
  );
  const bias = fx.bias.get(pointId(equip, "dat")) ?? 0;
  const datFailed = c.failedReading(pointId(equip, "dat"));
  const r = runLoop(
    st,
    datsp,
    { steady: (u) => t1 - coilDt(u) * delivered, ...DAT_LOOP },
    tuning,
    { lo: 0, hi: sequencedShut && stuckValve === undefined ? 0 : 100, strokeMin: DAT_LOOP.strokeMin },
    c.dtMin,
    1,
    {
      sense: datFailed === undefined ? (y) => y + bias : () => datFailed,
      ...(stuckValve !== undefined ? { stuckAt: stuckValve } : {}),
    },
  );
  writeLoop(c.pi, key, st);
  const coolCmd = st.out;
  // The coil load the plant sees follows the valve over the interval (the regulated coil at full demand).
  const coolDt = coilDt(r.meanAct);
  let t2 = st.y;
  let heatDt = stuckHeatDt;
  let heatCmd = heatStuck ?? 0;
  if (heatStuck === undefined && opts.canHeat && t2 < target - 0.05 && coolCmd === 0) {
    const add = Math.min(target - t2, HEAT_DESIGN_DT * 1.25 * scale);
    heatDt += add;
    t2 += add;
    heatCmd = clamp((100 * add) / (HEAT_DESIGN_DT * scale), 0, 100);
  }
  return {
    dat: t2,
    coolSensible: AIR_SENSIBLE * cfm * (coolDt + leakDt),
    heatBtuh: AIR_SENSIBLE * cfm * heatDt,
    coolCmd,
    heatCmd,
  };
}

/** Whether the chilled water plant of the site ran in the previous interval (a leak needs cold water). */
function chwRanBefore(c: Ctx): boolean {
  const s = c.s;
  if (!hasChwPlant(s)) return false;
  for (let k = 1; k <= s.chillers.count; k++) if (loop(c, `${ids.chiller(s, k)}.run`) === 1) return true;
  return false;
}

interface BoxResult {
  /** Airflow setpoint, airflow and damper command at the interval's end (what a poller samples). */
  sp: number;
  cfm: number;
  dmp: number;
  /** Mean airflow over the interval (the zone's heat balance and the fan follow it). */
  meanCfm: number;
  /** Reheat discharge rise at the setpoint airflow, °F. */
  reheat: number;
}

/**
 * One VAV box over an interval, scan by scan: the zone loop (PI on the measured zone temperature,
 * output the airflow setpoint between the box's minimum and maximum, in cooling) cascaded onto the
 * airflow loop (PI on the measured airflow, output the damper command, through a 90-s actuator). In
 * heating the box holds its minimum (raised to half the maximum when the reheat saturates at 95 °F)
 * and the reheat valve follows the zone's heat loss. A stuck damper holds the blade (both loops wind
 * up against it); a failed fan leaves no airflow; operator overrides of the setpoint or the damper
 * replace the loop outputs. The zone loop's tuning comes from the zone's heat balance at the box's
 * mid airflow and a 15 °F supply ΔT (SIMC); a `hunting` fault mistunes the airflow loop.
 */
function stepBox(
  c: Ctx,
  zr: ZoneRun,
  o: { cmdOn: boolean; failed: boolean; datsp: number; supply: number; minC: number; maxC: number },
): BoxResult {
  const s = c.s;
  const vav = zr.z.id;
  const { minC, maxC } = o;
  const zoneKey = `${vav}.zoneLoop`;
  const flowKey = `${vav}.flowLoop`;
  const minPos = (100 * minC) / maxC;
  if (!o.cmdOn) {
    // Unit off: no airflow; the box controller pre-positions at its minimum for the next start.
    writeLoop(c.pi, zoneKey, { out: minC, i: minC, act: minC, y: zr.t0, line: [] });
    writeLoop(c.pi, flowKey, {
      out: minPos,
      i: minPos,
      act: minPos,
      y: 0,
      line: new Array(deadScans(FLOW_LOOP.deadMin)).fill(minPos),
    });
    return { sp: 0, cfm: 0, dmp: 0, meanCfm: 0, reheat: 0 };
  }
  let heatSp = minC;
  let reheat = 0;
  if (!zr.cooling && s.vavs.reheat !== "none") {
    const tdis =
      zr.effHtg -
      zoneLoad(s, zr.z, zr.gains, c.wx.temp, zr.effHtg) / (AIR_SENSIBLE * heatSp) +
      2 * (zr.effHtg - zr.tMeas);
    if (tdis > 95) heatSp = Math.min(0.5 * maxC, (heatSp * (tdis - o.datsp)) / (95 - o.datsp));
    reheat = clamp(tdis - o.datsp, 0, 95 - o.datsp);
  }
  // Checkpoints before the loop states carried the setpoint and flow under the point ids.
  const prevSp = loop(c, pointId(vav, "flowsp")) ?? minC;
  const prevFlow = loop(c, pointId(vav, "flow")) ?? 0;
  const zone = readLoop(c.prev.pi, zoneKey, { out: Math.max(prevSp, minC), y: zr.t0 }, 0);
  const flow = readLoop(c.prev.pi, flowKey, { out: (100 * prevFlow) / maxC, y: prevFlow }, FLOW_LOOP.deadMin);
  const ua = s.envelopeUaPerFt2 * zr.z.area;
  const mid = (minC + maxC) / 2;
  const zoneTuning = simcTuning(
    (AIR_SENSIBLE * 15) / (ua + AIR_SENSIBLE * mid),
    (60 * CAPACITANCE_PER_FT2 * zr.z.area) / (ua + AIR_SENSIBLE * mid),
    ZONE_LOOP_DEAD_MIN,
  );
  const flowTuning = simcTuning(
    maxC / 100,
    FLOW_LOOP.tauMin,
    FLOW_LOOP.deadMin + FLOW_LOOP.strokeMin / 2,
    c.fx.mistune.get(vav) ?? 1,
  );
  const zoneAct = { lo: minC, hi: maxC, strokeMin: 0 };
  const damper = { lo: 0, hi: 100, strokeMin: FLOW_LOOP.strokeMin };
  const bias = c.fx.bias.get(pointId(vav, "zat")) ?? 0;
  const flowOv = ovNum(c, pointId(vav, "flowsp"));
  const dmpOv = ovNum(c, pointId(vav, "dmp"));
  const stuck = c.fx.stuckDamper.get(vav);
  const flowFailed = c.failedReading(pointId(vav, "flow"));
  const scans = Math.max(1, Math.round(c.dtMin / SCAN_MIN));
  const dt = c.dtMin / scans;
  let t = zr.t0;
  let sp = zone.out;
  let sum = 0;
  // The zone's heat balance advances each minute with that minute's mean airflow (the zone sensor is
  // read once a minute); the airflow loop runs every scan.
  let minuteSum = 0;
  let minuteScans = 0;
  const flowDecay = Math.exp(-dt / FLOW_LOOP.tauMin);
  for (let k = 0; k < scans; k++) {
    if (zr.cooling) piScan(zone, (zr.zatFailed ?? t + bias) - zr.effClg, zoneTuning, zoneAct, dt);
    else {
      zone.out = heatSp;
      zone.i = heatSp;
    }
    zone.act = zone.out;
    sp = flowOv === undefined ? zone.out : clamp(flowOv, 0, maxC);
    if (dmpOv !== undefined) {
      flow.out = clamp(dmpOv, 0, 100);
      flow.i = flow.out;
      const step = (100 * dt) / FLOW_LOOP.strokeMin;
      flow.act += clamp(flow.out - flow.act, -step, step);
    } else piScan(flow, sp - (flowFailed ?? flow.y), flowTuning, damper, dt);
    if (stuck !== undefined) flow.act = stuck;
    const u = delayed(flow.line, flow.act);
    const target = (u / 100) * maxC;
    flow.y = o.failed ? 0 : target + (flow.y - target) * flowDecay;
    sum += flow.y;
    minuteSum += flow.y;
    minuteScans++;
    if (minuteScans * dt >= 1 - 1e-9 || k === scans - 1) {
      t = integrateZone(
        s,
        zr.z,
        t,
        zr.gains,
        c.wx.temp,
        minuteSum / minuteScans,
        o.supply,
        (minuteScans * dt) / 60,
      );
      minuteSum = 0;
      minuteScans = 0;
    }
  }
  zone.y = t;
  writeLoop(c.pi, zoneKey, zone);
  writeLoop(c.pi, flowKey, flow);
  return { sp, cfm: flow.y, dmp: flow.out, meanCfm: sum / scans, reheat };
}

/** VAV boxes and their central air handlers. */
function stepVavSystem(c: Ctx, zones: ZoneRun[], siteOcc: number, acc: Totals): void {
  const s = c.s;
  const fx = c.fx;
  const oat = c.wx.temp;
  const shortfall = c.prev.chwShortfall[s.key] ?? 0;
  const chwAvailable = s.airHandlers.cooling === "dx" || chwRanBefore(c);
  for (let i = 1; i <= s.airHandlers.count; i++) {
    const ahu = ids.airHandler(s, i);
    const served = zones.filter((zr) => zr.z.ahu === i);
    const ahuOcc = served.some((zr) => zr.occMode);
    const outsideBand = served.some((zr) => zr.tMeas > zr.effClg + 0.5 || zr.tMeas < zr.effHtg - 0.5);
    const cmdOn = ovBool(c, pointId(ahu, "fanCmd")) ?? (ahuOcc || outsideBand);
    const failed = fx.fanFailed.has(ahu);
    const on = cmdOn && !failed;
    const datsp = ovNum(c, pointId(ahu, "datsp")) ?? datReset(oat);
    const fullOa = s.airHandlers.outsideAir === "full";
    const maxC = s.vavs.maxFlowCfm;
    const minC = maxC * s.vavs.minFlowRatio;
    const area = served.reduce((a, zr) => a + zr.z.area, 0);
    const designCfm = s.airHandlers.designCfmPerFt2 * area;

    // The supply air the boxes see: the discharge air of the previous interval while the unit ran.
    const supply = cmdOn ? (c.prev.pi?.[`${ahu}.datLoop`]?.[3] ?? datsp) : datsp;
    const boxes = served.map((zr) => {
      const hood = hoodExhaust(c, zr);
      // A laboratory box supplies at least its hoods' exhaust less the offset.
      const minZ = Math.min(maxC, Math.max(minC, (1 - LAB_OFFSET) * hood));
      return { ...stepBox(c, zr, { cmdOn, failed, datsp, supply, minC: minZ, maxC }), hood };
    });

    // The coils, the fan and the mixing follow the interval's mean airflow; the sensors read its end.
    const cfm = boxes.reduce((a, f) => a + f.meanCfm, 0);
    const cfmEnd = boxes.reduce((a, f) => a + f.cfm, 0);
    const avgZone = served.reduce((a, zr) => a + zr.t0, 0) / Math.max(1, served.length);
    const rat = cfm > 0 ? served.reduce((a, zr, k) => a + zr.t0 * boxes[k]!.meanCfm, 0) / cfm + 0.8 : avgZone;
    const people = served.reduce((a, zr) => a + zr.people, 0);
    const minOa = minOutsideAir(c, ahuOcc, people, area, cfm);
    let oaCmd = cmdOn ? minOa : 0;
    let economizing = false;
    const oadOv = ovNum(c, pointId(ahu, "oad"));
    if (cmdOn && oadOv !== undefined) oaCmd = clamp(oadOv, 0, 100) / 100;
    else if (fullOa) oaCmd = cmdOn ? 1 : 0;
    else if (on && s.airHandlers.economizer && oat < rat - 1 && oat < economizerHighLimit(s)) {
      // The discharge loop sequences the economizer: with a leaking coil it holds the *discharge* air,
      // so the mixed air settles above setpoint by what the leak removes.
      const leak = chwAvailable ? 0.9 * (fx.leakingValve.get(ahu) ?? 0) : 0;
      const mixTarget = (datsp - leak * s.chillers.chwSupplySp) / (1 - leak);
      const mixedAtMin = oaCmd * oat + (1 - oaCmd) * rat;
      if (mixedAtMin > mixTarget) oaCmd = clamp((rat - mixTarget) / (rat - oat), minOa, 1);
      economizing = oaCmd > minOa && oaCmd < 1;
    }
    const stuckOa = fx.oaStuck.get(ahu);
    const oaFrac = stuckOa === undefined ? oaCmd : stuckOa / 100;
    const eff = fullOa ? s.airHandlers.heatRecovery : 0;
    const mixOf = (ra: number) =>
      fullOa && stuckOa === undefined ? recovered(oat, ra, eff, datsp) : oaFrac * oat + (1 - oaFrac) * ra;
    const mat = on ? mixOf(rat) : avgZone;
    let dat = mat;
    let coolCmd = 0;
    let heatCmd = 0;
    if (on) {
      const r = coils(c, ahu, cfm, designCfm, mat, datsp, {
        chwAvailable,
        chwSupply: s.chillers.chwSupplySp,
        shortfall: s.airHandlers.cooling === "chw" ? shortfall : 0,
        canHeat: s.airHandlers.heating !== "none",
        coolCapacityDt: COOL_DESIGN_DT,
        economizing,
      });
      dat = r.dat;
      coolCmd = r.coolCmd;
      heatCmd = r.heatCmd;
      const coolBtuh = r.coolSensible > 0 ? r.coolSensible + coilLatent(c, cfm, oaFrac, siteOcc, dat) : 0;
      if (s.airHandlers.cooling === "chw") acc.chwLoadBtuh += coolBtuh;
      else acc.hvacKw += ((coolBtuh / 12000) * 3.517) / dxCop(oat);
      if (s.airHandlers.heating === "hw") acc.hwLoadBtuh += r.heatBtuh;
      if (s.airHandlers.heating === "gas") acc.gasHeatCfh += r.heatBtuh / 0.8 / GAS_BTU_PER_FT3;
    } else {
      // Off (or no airflow): the discharge loop rests with its valve shut, the coil at the air around it.
      writeLoop(c.pi, `${ahu}.datLoop`, {
        out: 0,
        i: 0,
        act: 0,
        y: avgZone,
        line: new Array(deadScans(DAT_LOOP.deadMin)).fill(0),
      });
      if (cmdOn) {
        // Fan failed: no air over the coils; the loops wind up toward the demand they cannot meet.
        const cooling = served.some((zr) => zr.cooling);
        coolCmd = cooling ? 100 : 0;
        heatCmd = !cooling && s.airHandlers.heating !== "none" ? 100 : 0;
      }
    }

    const frac = designCfm > 0 ? cfm / designCfm : 0;
    // Fan power by the affinity law with a VFD (ASHRAE 90.1 Appendix G part-load fan curve shape).
    const fanKw = on ? designCfm * 0.0009 * Math.max(frac, 0.15) ** 2.6 + 0.4 : 0;
    acc.hvacKw += fanKw;
    const dspsp = ovNum(c, pointId(ahu, "dspsp")) ?? Math.round((0.5 + 1.0 * clamp(frac, 0, 1)) * 100) / 100;

    // The coils saw the return air of the interval's start; the sensors read it at the interval's end.
    const ends: number[] = [];
    served.forEach((zr, k) => {
      const b = boxes[k]!;
      const vav = zr.z.id;
      // The reheat valve sets the heat; the discharge rise follows the actual airflow.
      const reheatBtuh = on ? AIR_SENSIBLE * b.sp * b.reheat : 0;
      const tdis = on && b.meanCfm > 0 ? dat + reheatBtuh / (AIR_SENSIBLE * b.meanCfm) : zr.t0;
      if (s.vavs.reheat === "hw") acc.hwLoadBtuh += reheatBtuh;
      if (s.vavs.reheat === "elec") acc.hvacKw += reheatBtuh / (BTUH_PER_W * 1000);
      const t1 = integrateZone(s, zr.z, zr.t0, zr.gains, oat, b.meanCfm, tdis, c.dtH);
      ends.push(t1);
      writeZonePoints(c, zr, t1);
      set(c, pointId(vav, "flow"), b.cfm);
      set(c, pointId(vav, "flowsp"), b.sp);
      set(c, pointId(vav, "dmp"), b.dmp);
      set(c, pointId(vav, "dat"), tdis);
      if (s.vavs.reheat !== "none") set(c, pointId(vav, "rhv"), on ? (100 * b.reheat) / (95 - datsp) : 0);
      if (s.vavs.fumeHoods > 0) set(c, pointId(vav, "hood"), b.hood);
    });
    const ratEnd =
      cfm > 0
        ? served.reduce((a, _zr, k) => a + ends[k]! * boxes[k]!.meanCfm, 0) / cfm + 0.8
        : ends.reduce((a, t) => a + t, 0) / Math.max(1, ends.length);
    const matEnd = on ? mixOf(ratEnd) : ratEnd;
    if (fullOa) {
      // Once-through air leaves by the exhaust: the rooms' supply plus the offset drawn from corridors.
      const exhaust = on ? cfm / (1 - LAB_OFFSET) : boxes.reduce((a, b) => a + b.hood, 0);
      const efanKw = exhaust * EXHAUST_KW_PER_CFM;
      acc.hvacKw += efanKw;
      set(c, pointId(ahu, "oaFlow"), on ? cfmEnd * oaFrac : 0);
      set(c, pointId(ahu, "efl"), exhaust);
      set(c, pointId(ahu, "efanCmd"), true);
      set(c, pointId(ahu, "efanPower"), efanKw);
    }
    set(c, pointId(ahu, "fanCmd"), cmdOn);
    set(c, pointId(ahu, "fanSts"), on);
    set(c, pointId(ahu, "fanSpeed"), !cmdOn ? 0 : failed ? 100 : clamp(100 * frac, 15, 100));
    set(c, pointId(ahu, "dat"), on ? dat : ratEnd);
    set(c, pointId(ahu, "datsp"), datsp);
    set(c, pointId(ahu, "mat"), matEnd);
    set(c, pointId(ahu, "rat"), ratEnd);
    set(c, pointId(ahu, "oad"), cmdOn ? 100 * oaCmd : 0);
    set(c, pointId(ahu, "flow"), cfmEnd);
    set(c, pointId(ahu, "cool"), coolCmd);
    if (s.airHandlers.heating !== "none") set(c, pointId(ahu, "heat"), heatCmd);
    set(c, pointId(ahu, "dsp"), on ? dspsp * clamp(0.85 + 0.15 * frac, 0, 1) + 0.03 : 0);
    set(c, pointId(ahu, "dspsp"), dspsp);
    set(c, pointId(ahu, "power"), fanKw);
  }
}

/**
 * Rooftop unit control (a packaged single-zone unit's controller, the sequence of ASHRAE Guideline 36
 * §5.18 for single-zone units on a constant-volume fan with staged DX, as typical RTU controllers run
 * it): a cooling and a heating loop (PI on the measured zone temperature against the active cooling
 * and heating setpoints, 0–100 %, only one active at a time, the deadband between them); the active
 * loop resets the discharge air setpoint from the return air (neutral) toward 55 °F (cooling) or
 * 95 °F (heating); the economizer is the first stage of cooling (differential dry bulb: enabled while
 * the outside air is below the return air by 1 °F and below the high limit; it holds the measured
 * discharge air at its setpoint, never below the minimum outside air, and stays fully open while a
 * compressor runs); the two DX stages follow the cooling loop (stage 1 on at 50 %, off at 20 %;
 * stage 2 on at 90 %, off at 60 %) with their 3-min run / 5-min off timers; the modulating gas heat
 * is the heating loop's output. Loop process: the zone's heat balance through the discharge air at
 * full airflow; tuned by SIMC at mid-range (as the VAV zone loop), mistuned by a `hunting` fault.
 */
const RTU = {
  /** Discharge air limits of the setpoint reset, °F (Guideline 36 §5.18.4: min cooling / max heating SAT). */
  minDat: 55,
  maxDat: 95,
  /** DX stage sensible drop at design airflow, °F per stage, and the coil's lowest leaving air. */
  stageDt: 12.5,
  coilFloor: 45,
  /** The mixed air setpoint of an economizer running with a compressor (integrated economizer), °F. */
  econMat: 55,
  /** The gas furnace's discharge air high limit, °F (it modulates down above it). */
  heatLimit: 100,
  /** DX coil and gas heat exchanger response, minutes (first order). */
  coilTauMin: 1,
  /** Stage k (1, 2) of the cooling loop: on at `on[k]` %, off at `off[k]` %. */
  on: [50, 90],
  off: [20, 60],
};

/** A rooftop unit's two zone loops, tuned on its zone and supply airflow (SIMC, as the VAV zone loop). */
function rtuZoneTuning(c: Ctx, zr: ZoneRun, designCfm: number, span: number) {
  const ua = c.s.envelopeUaPerFt2 * zr.z.area;
  return simcTuning(
    ((AIR_SENSIBLE * designCfm) / (ua + AIR_SENSIBLE * designCfm)) * (span / 100),
    (60 * CAPACITANCE_PER_FT2 * zr.z.area) / (ua + AIR_SENSIBLE * designCfm),
    ZONE_LOOP_DEAD_MIN,
    c.fx.mistune.get(zr.z.id) ?? 1,
  );
}

/**
 * Packaged single-zone rooftop units, scan by scan (`RTU` above): constant-volume fan on in occupied
 * mode (and after hours while a setback setpoint calls), the zone loops, economizer, DX stages and gas
 * heat; the zone's heat balance is integrated each minute with that minute's discharge air.
 */
function stepRooftopUnits(c: Ctx, zones: ZoneRun[], siteOcc: number, acc: Totals): void {
  const s = c.s;
  const fx = c.fx;
  const oat = c.wx.temp;
  const canHeat = s.airHandlers.heating !== "none";
  for (const zr of zones) {
    const rtu = zr.z.id;
    const clgKey = `${rtu}.clgLoop`;
    const htgKey = `${rtu}.htgLoop`;
    const clg = readLoop(c.prev.pi, clgKey, { out: 0, y: zr.t0 }, 0);
    const htg = readLoop(c.prev.pi, htgKey, { out: 0, y: zr.t0 }, 0);
    // After hours the unit starts on a setback call and runs until its loop is satisfied.
    const calling =
      zr.tMeas >= zr.effClg || (canHeat && zr.tMeas <= zr.effHtg) || clg.out > 0 || (canHeat && htg.out > 0);
    const cmdOn = ovBool(c, pointId(rtu, "fanCmd")) ?? (zr.occMode || calling);
    const failed = fx.fanFailed.has(rtu);
    const on = cmdOn && !failed;
    const designCfm = s.airHandlers.designCfmPerFt2 * zr.z.area;
    const cfm = on ? designCfm : 0;
    const minOa = minOutsideAir(c, zr.occMode, zr.people, zr.z.area, designCfm);
    const oadOv = ovNum(c, pointId(rtu, "oad"));
    const datspOv = ovNum(c, pointId(rtu, "datsp"));
    const stuckOa = fx.oaStuck.get(rtu);
    const heatStuck = canHeat ? fx.heatCool.get(rtu) : undefined;
    const biasDat = fx.bias.get(pointId(rtu, "dat")) ?? 0;
    const datFailed = c.failedReading(pointId(rtu, "dat"));
    const biasZat = fx.bias.get(pointId(rtu, "zat")) ?? 0;
    const econAllowed = s.airHandlers.economizer && oat < economizerHighLimit(s);
    const clgTuning = rtuZoneTuning(c, zr, designCfm, zr.effClg + 0.5 - RTU.minDat);
    const htgTuning = rtuZoneTuning(c, zr, designCfm, RTU.maxDat - zr.effHtg - 0.5);
    const loopAct = { lo: 0, hi: 100, strokeMin: 0 };
    const stageIds = [`${rtu}.c1`, `${rtu}.c2`];
    const stages = stageIds.map((id) => {
      const u = c.prev.units?.[id];
      return { on: u?.on ?? false, since: u?.since ?? -1e15 };
    });
    // The coils' effect on the air (heat rise − DX drop, °F) ramps with their response; the air
    // through the unit mixes at once.
    const coilKey = `${rtu}.coilDt`;
    let coilDt = loop(c, coilKey) ?? 0;
    let dat = zr.t0;
    let t = zr.t0;
    const scans = Math.max(1, Math.round(c.dtMin / SCAN_MIN));
    const dt = c.dtMin / scans;
    const decay = Math.exp(-dt / RTU.coilTauMin);
    const t0ms = c.now - c.dtMin * 60_000;
    let minuteSum = 0;
    let minuteScans = 0;
    let sumHeatBtuh = 0;
    let sumDxKw = 0;

    let rat = t + 0.5;
    let mat = t;
    let datsp = datspOv ?? rat;
    let oaCmd = cmdOn ? minOa : 0;
    let heatCmd = 0;
    for (let k = 0; k < scans; k++) {
      const nowMs = t0ms + (k + 1) * dt * 60_000;
      rat = t + 0.5;
      if (cmdOn) {
        const sensed = zr.zatFailed ?? t + biasZat;
        // One loop at a time: the heating loop rests while the unit cools and the reverse.
        if (htg.out <= 0) piScan(clg, sensed - zr.effClg, clgTuning, loopAct, dt);
        if (clg.out <= 0 && canHeat) piScan(htg, zr.effHtg - sensed, htgTuning, loopAct, dt);
        if (htg.out > 0) Object.assign(clg, { out: 0, i: 0, act: 0 });
      } else {
        Object.assign(clg, { out: 0, i: 0, act: 0 });
        Object.assign(htg, { out: 0, i: 0, act: 0 });
      }
      const neutral = rat;
      const autoSp =
        htg.out > 0
          ? neutral + ((RTU.maxDat - neutral) * htg.out) / 100
          : neutral - ((neutral - RTU.minDat) * clg.out) / 100;
      datsp = datspOv ?? autoSp;
      // DX stages on the cooling loop, with their timers (a stopped unit's stages stop at once).
      const call = on ? clg.out : 0;
      stages.forEach((st, j) => {
        const want = st.on ? call > RTU.off[j]! : call >= RTU.on[j]! && (j === 0 || stages[0]!.on);
        if (want === st.on) return;
        if (st.on && on && nowMs - st.since < COMPRESSOR_TIMERS.minRunMs) return;
        if (!st.on && nowMs - st.since < COMPRESSOR_TIMERS.minOffMs) return;
        st.on = want;
        st.since = nowMs;
      });
      const running = stages.filter((st) => st.on).length;
      // Economizer: holds the measured discharge air at its setpoint; fully open with a compressor.
      oaCmd = cmdOn ? minOa : 0;
      const econ = on && econAllowed && clg.out > 0 && oat < rat - 1;
      if (cmdOn && oadOv !== undefined) oaCmd = clamp(oadOv, 0, 100) / 100;
      else if (econ)
        oaCmd =
          running > 0
            ? // With a compressor the economizer holds the mixed air at its own setpoint (or opens fully).
              clamp((rat - RTU.econMat) / (rat - oat), minOa, 1)
            : datFailed !== undefined
              ? // A failed discharge sensor: the economizer loop winds to the end its reading asks for.
                datFailed > datsp
                ? 1
                : minOa
              : clamp((rat - (datsp - biasDat)) / (rat - oat), minOa, 1);
      const oaFrac = stuckOa === undefined ? oaCmd : stuckOa / 100;
      mat = on ? oaFrac * oat + (1 - oaFrac) * rat : t;
      // Gas heat: the heating loop's output (or the held output of a simultaneous heating fault).
      heatCmd = heatStuck ?? (canHeat ? htg.out : 0);
      // The furnace's discharge high limit holds the air at most `heatLimit` (a failed-low zone
      // sensor heats the zone, but not without bound).
      const rise = on ? Math.min((heatCmd / 100) * HEAT_DESIGN_DT, Math.max(0, RTU.heatLimit - mat)) : 0;
      const drop = on ? Math.min(running * RTU.stageDt, Math.max(0, mat + rise - RTU.coilFloor)) : 0;
      coilDt = rise - drop + (coilDt - (rise - drop)) * decay;
      dat = on ? mat + coilDt : t;
      const target = mat + rise - drop;
      if (on) {
        const heatBtuh = AIR_SENSIBLE * cfm * rise;
        const coolBtuh =
          drop > 0 ? AIR_SENSIBLE * cfm * drop + coilLatent(c, cfm, oaFrac, siteOcc, target) : 0;
        sumHeatBtuh += heatBtuh;
        sumDxKw += ((coolBtuh / 12000) * 3.517) / dxCop(oat);
      }
      minuteSum += on ? dat : t;
      minuteScans++;
      if (minuteScans * dt >= 1 - 1e-9 || k === scans - 1) {
        t = integrateZone(s, zr.z, t, zr.gains, oat, cfm, minuteSum / minuteScans, (minuteScans * dt) / 60);
        minuteSum = 0;
        minuteScans = 0;
      }
    }
    clg.y = t;
    htg.y = t;
    writeLoop(c.pi, clgKey, clg);
    writeLoop(c.pi, htgKey, htg);
    setLoop(c, coilKey, coilDt);
    stageIds.forEach((id, j) => {
      c.units[id] = { on: stages[j]!.on, since: stages[j]!.since };
    });
    const heatBtuh = sumHeatBtuh / scans;
    const dxKw = sumDxKw / scans;
    if (s.airHandlers.heating === "gas") acc.gasHeatCfh += heatBtuh / 0.8 / GAS_BTU_PER_FT3;
    if (s.airHandlers.heating === "hw") acc.hwLoadBtuh += heatBtuh;
    // Constant-volume supply fan, ≈ 0.6 W/cfm (ASHRAE 90.1 fan power limitation, constant volume).
    const fanKw = on ? designCfm * 0.0006 : 0;
    acc.hvacKw += fanKw + dxKw;
    const running = stages.filter((st) => st.on).length;
    const cooling = clg.out > 0 || (htg.out <= 0 && zr.cooling);
    writeZonePoints(c, { ...zr, cooling }, t);
    set(c, pointId(rtu, "fanCmd"), cmdOn);
    set(c, pointId(rtu, "fanSts"), on);
    set(c, pointId(rtu, "fanSpeed"), cmdOn ? 100 : 0);
    set(c, pointId(rtu, "dat"), on ? dat : t);
    set(c, pointId(rtu, "datsp"), cmdOn ? datsp : (datspOv ?? 55));
    set(c, pointId(rtu, "mat"), on ? mat : t);
    set(c, pointId(rtu, "rat"), on ? t + 0.5 : t);
    set(c, pointId(rtu, "oad"), cmdOn ? 100 * oaCmd : 0);
    set(c, pointId(rtu, "flow"), cfm);
    // The compressor command is the controller's call: a failed fan leaves it calling (no proof, no air).
    set(c, pointId(rtu, "cool"), failed && cmdOn ? (clg.out >= RTU.on[0]! ? 100 : 0) : 50 * running);
    if (canHeat) set(c, pointId(rtu, "heat"), cmdOn ? heatCmd : 0);
    set(c, pointId(rtu, "power"), fanKw + dxKw);
  }
}

/** Lead/lag order of `count` units, rotating the lead weekly. */
function rotation(ts: Date, count: number): number[] {
  const lead = Math.floor(ts.getTime() / (7 * 86_400_000)) % Math.max(1, count);
  return Array.from({ length: count }, (_, k) => (lead + k) % count);
}

/**
 * Unmetered electric load, kW: elevators, IT and telecom rooms, exterior and garage lighting, security,
 * transformer losses — typically 5–15 % of a commercial building's consumption outside its sub-meters
 * (CBECS 2012 end-use shares; ASHRAE Guideline 14 on sub-metering coverage). 0.12 W/ft² constant plus
 * 0.12 W/ft² following occupancy (elevators).
 */
function unmeteredKw(s: SiteSpec, siteOcc: number): number {
  return (s.area * (0.12 + 0.12 * siteOcc)) / 1000;
}

function stepSite(c: Ctx): void {
  const s = c.s;
  const fx = c.fx;
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
    const zOcc =
      occMode ||
      s.airHandlers.operation === "continuous" ||
      fx.scheduleOverride.has(ids.airHandler(s, z.ahu));
    const clg = ovNum(c, pointId(z.id, "clgsp")) ?? s.setpoints.occupied.cooling;
    const htg = ovNum(c, pointId(z.id, "htgsp")) ?? s.setpoints.occupied.heating;
    const effClg = zOcc ? clg : s.setpoints.unoccupied.cooling;
    const effHtg = zOcc ? htg : s.setpoints.unoccupied.heating;
    const zatFailed = c.failedReading(pointId(z.id, "zat"));
    const tMeas = zatFailed ?? t0 + (fx.bias.get(pointId(z.id, "zat")) ?? 0);
    return {
      z,
      t0,
      tMeas,
      zatFailed,
      occ,
      occMode: zOcc,
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
  if (hasVavs(s)) stepVavSystem(c, zones, siteOcc, acc);
  else stepRooftopUnits(c, zones, siteOcc, acc);

  let makeupGpm = 0;
  if (hasChwPlant(s)) {
    const plantId = ids.chwPlant(s);
    const order = rotation(c.ts, s.chillers.count);
    const chillerIds = Array.from({ length: s.chillers.count }, (_, k) => ids.chiller(s, k + 1));
    // A short-cycling chiller stays lead: the sequence keeps calling the unit it believes healthy.
    const cycling = order.filter((k) => fx.shortCycle.has(chillerIds[k]!));
    const ordered = [...cycling, ...order.filter((k) => !fx.shortCycle.has(chillerIds[k]!))];
    const enabledByOperator = (id: string) => ovBool(c, pointId(id, "enable")) !== false;
    const loadTons = (acc.chwLoadBtuh / 12000) * 1.01;
    const commanded = staged(
      c,
      ordered.map((k) => chillerIds[k]!),
      ordered.map((k) => enabledByOperator(chillerIds[k]!) && !fx.tripped.has(chillerIds[k]!)),
      loadTons,
      s.chillers.capacityTons,
      CHILLER_TIMERS,
    );
    const cmd = new Array<boolean>(s.chillers.count).fill(false);
    ordered.forEach((k, j) => {
      cmd[k] = commanded[j]!;
    });
    // Actual run: the commanded state, except a short-cycling chiller trips after each interval it ran
    // and restarts (its own controller) once its anti-recycle timer allows.
    const run = chillerIds.map((id, k) => {
      const ranBefore = loop(c, `${id}.run`) === 1;
      const stoppedAt = loop(c, `${id}.stoppedAt`) ?? Number.NEGATIVE_INFINITY;
      let r = cmd[k]!;
      if (r && fx.shortCycle.has(id)) r = !ranBefore && c.now - stoppedAt >= CHILLER_TIMERS.minOffMs;
      if (ranBefore && !r) setLoop(c, `${id}.stoppedAt`, c.now);
      setLoop(c, `${id}.run`, r ? 1 : 0);
      return r;
    });
    const sp = ovNum(c, pointId(plantId, "chwsp")) ?? s.chillers.chwSupplySp;
    const r = chwPlant(s, loadTons, run, sp, { dryBulb: wx.temp, wetBulb: wx.wetBulb }, roomTemp, {
      dtMin: c.dtMin,
      prev: c.prev.pi,
      next: c.pi,
      keys: chillerIds.map((id) => `${id}.chwLoop`),
      mistune: chillerIds.map((id) => fx.mistune.get(id) ?? 1),
      failedReading: chillerIds.map((id) => c.failedReading(pointId(id, "chwlt"))),
    });
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
      const enable = ovBool(c, pointId(id, "enable")) ?? (cmd[k]! || fx.tripped.has(id));
      set(c, pointId(id, "enable"), enable);
      set(c, pointId(id, "run"), ch.running);
      set(c, pointId(id, "chwlt"), ch.leavingTemp);
      set(c, pointId(id, "chwet"), ch.enteringTemp);
      set(c, pointId(id, "chwf"), ch.flowGpm);
      if (s.chillers.condenser === "water") set(c, pointId(id, "cwet"), ch.condenserEnteringTemp);
      set(c, pointId(id, "load"), ch.loadTons);
      set(c, pointId(id, "power"), ch.powerKw);
      set(c, pointId(id, "efficiency"), ch.running && ch.loadTons > 0 ? ch.powerKw / ch.loadTons : 0);
      total(c, pointId(id, "energy"), ch.powerKw, 1);
    });
  }

  if (hasHwPlant(s)) {
    const plantId = ids.hwPlant(s);
    const order = rotation(c.ts, s.boilers.count);
    const boilerIds = Array.from({ length: s.boilers.count }, (_, k) => ids.boiler(s, k + 1));
    const run0 = staged(
      c,
      order.map((k) => boilerIds[k]!),
      order.map((k) => ovBool(c, pointId(boilerIds[k]!, "enable")) !== false),
      acc.hwLoadBtuh,
      s.boilers.capacityMbh * 1000,
      BOILER_TIMERS,
    );
    const run = new Array<boolean>(s.boilers.count).fill(false);
    order.forEach((k, j) => {
      run[k] = run0[j]!;
    });
    const sp = ovNum(c, pointId(plantId, "hwsp")) ?? hwReset(wx.temp);
    const r = hwPlant(s, acc.hwLoadBtuh, run, sp, roomTemp);
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

  // Exterior lighting (parking, façade, signage) on the lighting panel from dusk to dawn: 0.1 W per ft²
  // of floor (ASHRAE 90.1 Table 9.4.2-2 allowances over a typical site area).
  const exteriorKw = wx.solar <= 0 ? (0.1 * s.area) / 1000 : 0;
  const lightingKw = zones.reduce((a, zr) => a + zr.lightingKw, 0) + exteriorKw;
  const plugKw = zones.reduce((a, zr) => a + zr.plugKw, 0);
  const people = zones.reduce((a, zr) => a + zr.people, 0);
  const elecParts: Record<string, number> = { hvac: acc.hvacKw, lighting: lightingKw, plug: plugKw };
  const mainKw = acc.hvacKw + lightingKw + plugKw + unmeteredKw(s, siteOcc);
  const meter = (
    equip: string,
    rateSuffix: string,
    totalSuffix: string,
    rate: number,
    hoursFactor: number,
  ) => {
    const dropped = fx.meterDropout.has(equip);
    set(c, pointId(equip, rateSuffix), dropped ? 0 : rate);
    total(c, pointId(equip, totalSuffix), rate, hoursFactor, dropped);
  };
  const em = ids.elecMeter(s);
  meter(em, "power", "energy", mainKw, 1);
  const peakKw = (s.area * (s.loads.lightingWPerFt2 + s.loads.plugWPerFt2 + 2.5)) / 1000;
  set(c, pointId(em, "pf"), clamp(0.85 + (0.1 * mainKw) / peakKw, 0.8, 0.98));
  for (const sub of elecSubs()) meter(ids.elecSub(s, sub), "power", "energy", elecParts[sub] ?? 0, 1);
  if (s.meters.gas) {
    const parts: Record<string, number> = {
      heating: usesGasHeating(s) ? acc.gasHeatCfh : 0,
      dhw: 0.07 * people + 2,
    };
    const subs = gasSubs(s);
    // Unmetered gas: pilot lights, a kitchen range, a few unmetered appliances (3 % + 1 cfh per 10,000 ft²).
    const main = 1.03 * subs.reduce((a, k) => a + (parts[k] ?? 0), 0) + s.area / 10_000;
    meter(ids.gasMeter(s), "flow", "volume", main, 1);
    for (const sub of subs) meter(ids.gasSub(s, sub), "flow", "volume", parts[sub] ?? 0, 1);
  }
  if (s.meters.water) {
    const parts: Record<string, number> = { domestic: 0.018 * people + 0.15, tower: makeupGpm };
    const subs = waterSubs(s);
    // Unmetered water: irrigation, leaks, cleaning (3 % + 0.1 gal/min per 10,000 ft²).
    const main = 1.03 * subs.reduce((a, k) => a + (parts[k] ?? 0), 0) + s.area / 100_000;
    meter(ids.waterMeter(s), "flow", "volume", main, 60);
    for (const sub of subs) meter(ids.waterSub(s, sub), "flow", "volume", parts[sub] ?? 0, 60);
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
    case "cfh":
    case "tonref":
      return { rel: n.flowRel };
    case "kW":
      return { rel: n.powerRel };
    case "W/m²":
      return { rel: 0.02 };
    case "pf":
    case "kW/ton":
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
  cfh: 1,
  "ft³": 1,
  tonref: 1,
  "inH₂O": 2,
  "W/m²": 0,
  pf: 2,
  "kW/ton": 3,
};

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

function tagStr(e: Entity, name: string): string | undefined {
  const t = e.tags[name];
  return t?.kind === "Str" ? t.val : undefined;
}

/**
 * Generates the rows of the interval ending at `ts` and the state to carry to the next one.
 *
 * Every `his` point of `entities` gets exactly one row (off equipment writes explicit off values:
 * `false`, 0 flow and power, sensors at ambient). Writable points report the operator's override when
 * one is in force. With `quality`, data-quality episodes (`quality.ts`) mark whole devices `stale`
 * (values held) and failed sensors `fault` (flatline or dropout); a `comm_outage` fault holds its
 * target's values as `stale`. Catalogue faults act on the physics (`faults.ts`). Totalizers never
 * decrease.
 *
 * Deterministic: the same input gives identical output. Throws Error when an override names an
 * unknown or non-writable point, or has the wrong kind, or when the building yields a his point the
 * model does not compute (a programming error).
 */
export function generateInterval(input: GenerateInput): GenerateOutput {
  const { building, entities, seed, ts, intervalMinutes, state } = input;
  const info = infoOf(entities);
  const byId = info.byId;
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

  const fx = faultEffects(input.faults ?? [], ts);
  const units: NonNullable<ModelState["units"]> = { ...state.units };
  const loops: NonNullable<ModelState["loops"]> = { ...state.loops };
  const pi: NonNullable<ModelState["pi"]> = { ...state.pi };
  const next: ModelState = {
    version: 1,
    lastTs: ts.toISOString(),
    totals: { ...state.totals },
    zoneTemps: { ...state.zoneTemps },
    // Every his point is written below; a point no longer in the entities is not held.
    last: {},
    overrides,
    chillersOn: { ...state.chillersOn },
    boilersOn: { ...state.boilersOn },
    chwShortfall: { ...state.chwShortfall },
    units,
    loops,
    pi,
  };
  const out = new Map<string, Value>();
  const idx = intervalIndex(ts, intervalMinutes);
  const quality = input.quality;
  const failedReading = (id: string): number | undefined => {
    if (!quality) return undefined;
    const e = byId.get(id);
    if (!e) return undefined;
    const q = qualityAt(quality, seed, e, byId, ts.getTime());
    if (q.status !== "fault") return undefined;
    if (q.value === "dropout") return dropoutReading(tagStr(e, "unit") ?? "");
    const held = state.last[id];
    return typeof held === "number" ? held : undefined;
  };
  for (const s of building.sites) {
    stepSite({
      s,
      seed,
      ts,
      now: ts.getTime(),
      idx,
      dtH: intervalMinutes / 60,
      dtMin: intervalMinutes,
      wx: weatherAt(s, seed, ts),
      prev: state,
      next,
      out,
      overrides,
      fx,
      units,
      loops,
      pi,
      failedReading,
    });
  }

  const rows: Row[] = [];
  // What this interval wrote so far, by point: `next.last` (it starts empty, see above).
  const written = next.last;
  const noise = input.noise ?? DEFAULT_NOISE;
  for (const pt of info.points) {
    const e = pt.e;
    const id = pt.id;
    let v = out.get(id);
    if (v === undefined) throw new Error(`model computed no value for his point "${id}"`);
    const ov = overrides[id];
    if (pt.writable && ov !== undefined) v = ov;
    const unit = pt.unit;
    if (typeof v === "number") {
      if (pt.noisy) {
        const n = pt.onMeter ? METER_NOISE : noiseOf(unit, noise);
        if (n) v += normal(seed, id, idx) * ((n.abs ?? 0) + (n.rel ?? 0) * Math.abs(v));
      }
      v += fx.bias.get(id) ?? 0;
      if (unit === "%" || unit === "%RH") v = clamp(v, 0, 100);
      else if (unit !== "°F") v = Math.max(0, v);
      v = round(v, pt.decimals);
      if (pt.weatherOat !== undefined) {
        // A weather station's dew point and wet bulb never read above its dry bulb (they derive from it).
        const oat = written[pt.weatherOat];
        if (typeof oat === "number") v = Math.min(v, oat);
      }
    }
    let status: Row["status"] = "ok";
    const held = state.last[id];
    if (fx.outage.size > 0 && outageOf(e, fx.outage)) {
      status = "stale";
      if (held !== undefined) v = held;
    } else if (input.quality) {
      const q = qualityAt(input.quality, seed, e, byId, ts.getTime());
      status = q.status;
      if (q.value === "held" && held !== undefined && typeof held === typeof v) v = held;
      else if (q.value === "dropout") v = dropoutReading(unit);
    }
    written[id] = v;
    rows.push(
      typeof v === "boolean"
        ? { localId: id, ts, value_b: v, status }
        : { localId: id, ts, value_n: v, status },
    );
  }
  return { rows, state: next };
}

/** Revenue-grade meters (ANSI C12.20 class 0.5, rotary gas meters ±1 % at full scale): 0.2 % noise. */
const METER_NOISE: { abs?: number; rel?: number } = { rel: 0.002 };

function onMeter(e: Entity, byId: Map<string, Entity>): boolean {
  const r = e.tags.equipRef;
  return r?.kind === "Ref" && byId.get(r.localId)?.tags.meter !== undefined;
}

/** Whether a comm outage covers the point: the point itself, its equipment or weather station, or its site. */
function outageOf(e: Entity, outage: Set<string>): boolean {
  if (outage.size === 0) return false;
  if (outage.has(e.localId)) return true;
  for (const tag of ["equipRef", "weatherStationRef", "siteRef"]) {
    const t = e.tags[tag];
    if (t?.kind === "Ref" && outage.has(t.localId)) return true;
  }
  return false;
}

/** What the output stage needs of each `his` point, derived once per entity list. */
interface PointInfo {
  e: Entity;
  id: string;
  writable: boolean;
  unit: string;
  decimals: number;
  /** A sensor that is not a totalizer: gets measurement noise. */
  noisy: boolean;
  onMeter: boolean;
  /** For a weather station's dew point or wet bulb: its dry bulb's id (never read above it). */
  weatherOat?: string;
}

interface EntitiesInfo {
  byId: Map<string, Entity>;
  points: PointInfo[];
}

/** Per entity list (the same array every interval of a run): its index and its points' output facts. */
const INFO = new WeakMap<readonly Entity[], EntitiesInfo>();

function infoOf(entities: readonly Entity[]): EntitiesInfo {
  const cached = INFO.get(entities);
  if (cached && cached.byId.size === entities.length) return cached;
  const byId = new Map(entities.map((e) => [e.localId, e]));
  const points: PointInfo[] = [];
  for (const e of entities) {
    if (!e.tags.his) continue;
    const unit = tagStr(e, "unit") ?? "";
    const ws = e.tags.weatherStationRef;
    const weatherOat =
      ws?.kind === "Ref" && (e.tags.dewPoint || e.tags.wetBulb) ? `${ws.localId}.oat` : undefined;
    points.push({
      e,
      id: e.localId,
      writable: !!e.tags.writable,
      unit,
      decimals: DECIMALS[unit] ?? 2,
      noisy: !!e.tags.sensor && e.tags.hisTotalized === undefined,
      onMeter: onMeter(e, byId),
      ...(weatherOat ? { weatherOat } : {}),
    });
  }
  const made = { byId, points };
  INFO.set(entities, made);
  return made;
}

/**
 * The state before the first interval: zones near 72 °F, no overrides, and totalizers at plausible
 * readings drawn from the seed (sub-meters independently; each main meter the sum of its sub-meters
 * plus 8 % for the unmetered load, so the main register stays above the sum of its sub-meters).
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
      totals[main] = Math.round(1.08 * subs.reduce((a, id) => a + (totals[id] ?? 0), 0));
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
    units: {},
    loops: {},
    pi: {},
  };
}
