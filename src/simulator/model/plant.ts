/**
 * Central plants: chillers staged on the actual cooling load with part-load and lift-dependent
 * efficiency, rejecting their heat to a cooling tower (water-cooled) or to outdoor air (air-cooled), and
 * boilers staged on the heating load.
 */
import { readLoop, runLoop, simcTuning, writeLoop } from "./loops.ts";
import type { SiteSpec } from "./types.ts";

/** Linear interpolation in a sorted `[x, y]` table, clamped at both ends. */
export function interpolate(curve: Array<[number, number]>, x: number): number {
  if (curve.length === 0) return 1;
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const [x1, y1] = curve[i]!;
    const [x0, y0] = curve[i - 1]!;
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return last[1];
}

/** Minimum run and off times of a staged unit (anti-short-cycle timers), ms. */
export interface Timers {
  minRunMs: number;
  minOffMs: number;
}

/**
 * Chillers: 30 min minimum run, 20 min minimum off (anti-recycle); typical of screw and centrifugal
 * chiller controls (Carrier 19XR / York YK operation manuals: start-to-start ≥ 30 min). Boilers: 10 min
 * each way (burner cycling). DX compressors: 3 min on, 5 min
 * off (manufacturers' anti-short-cycle delay).
 */
export const CHILLER_TIMERS: Timers = { minRunMs: 30 * 60_000, minOffMs: 20 * 60_000 };
export const BOILER_TIMERS: Timers = { minRunMs: 10 * 60_000, minOffMs: 10 * 60_000 };
export const COMPRESSOR_TIMERS: Timers = { minRunMs: 3 * 60_000, minOffMs: 5 * 60_000 };

/** One unit of a staged group, in lead/lag order. `since` is when it last started or stopped (epoch ms). */
export interface StageUnit {
  available: boolean;
  running: boolean;
  since: number;
}

/**
 * Number of units the load calls for from `previous` running, with hysteresis: the first unit starts
 * above 5 % of one unit's capacity and the last stops below 3 % (the timers of `stageUnits` keep it
 * from cycling); stage up above 90 % of running
 * capacity, down below 60 % of one unit fewer; at most `available`.
 */
export function stage(load: number, capacity: number, previous: number, available: number): number {
  if (available === 0) return 0;
  const prev = Math.min(previous, available);
  if (prev === 0) {
    if (load <= 0.05 * capacity) return 0;
  } else if (load <= 0.03 * capacity) return 0;
  let n = Math.max(1, prev);
  while (n < available && load > 0.9 * n * capacity) n++;
  while (n > 1 && load < 0.6 * (n - 1) * capacity) n--;
  return n;
}

/**
 * Which units run this interval (ending at `now`): the count `stage` asks for, subject to each unit's
 * timers — a running unit keeps running until it has run `minRunMs`, a stopped one stays off until it
 * has been off `minOffMs` — and to availability (an unavailable unit stops at once: trip or disable).
 * Starts go to the first allowed units in lead/lag order, stops to the last. A unit may thus run
 * unloaded for a while (false loading) or the plant may fall short until a timer expires, as real
 * equipment does.
 */
export function stageUnits(
  units: StageUnit[],
  load: number,
  capacity: number,
  now: number,
  timers: Timers,
): boolean[] {
  const avail = units.filter((u) => u.available).length;
  const previous = units.filter((u) => u.available && u.running).length;
  const want = stage(load, capacity, previous, avail);
  const run = units.map((u) => u.available && u.running);
  const mustRun = (k: number) => run[k] && now - units[k]!.since < timers.minRunMs;
  const mayStart = (k: number) => units[k]!.available && !run[k] && now - units[k]!.since >= timers.minOffMs;
  let count = previous;
  for (let k = units.length - 1; k >= 0 && count > want; k--) {
    if (run[k] && !mustRun(k)) {
      run[k] = false;
      count--;
    }
  }
  for (let k = 0; k < units.length && count < want; k++) {
    if (mayStart(k)) {
      run[k] = true;
      count++;
    }
  }
  return run;
}

/** The next `since` of each unit after a staging decision. */
export function nextSince(units: StageUnit[], run: boolean[], now: number): number[] {
  return units.map((u, k) => (u.running !== run[k] ? now : u.since));
}

export interface ChillerResult {
  running: boolean;
  loadTons: number;
  plr: number;
  cop: number;
  powerKw: number;
  leavingTemp: number;
  enteringTemp: number;
  flowGpm: number;
  condenserEnteringTemp: number;
}

export interface ChwPlantResult {
  chillers: ChillerResult[];
  loadTons: number;
  supplyTemp: number;
  returnTemp: number;
  flowGpm: number;
  running: number;
  /** Fraction of the load the running chillers could not carry (0..1). */
  shortfall: number;
  /** Tower fan, chilled and condenser water pumps, kW. */
  auxKw: number;
  /** Cooling tower makeup water, gal/min. */
  makeupGpm: number;
}

/** Design chilled water flow per ton at full load (a 12 °F design ΔT: 24 / 12 = 2 gal/min per ton), gal/min. */
const GPM_PER_TON = 2;
/** Minimum evaporator flow of a variable-primary chiller, fraction of design (manufacturer limit ≈ 40 %). */
const MIN_FLOW_FRACTION = 0.4;
/** Below this part-load ratio a chiller holds its minimum load (hot-gas bypass / cycling): power floor. */
const MIN_PLR = 0.15;

/**
 * Design chilled water ΔT at a part-load ratio: 12 °F at full load falling to 9 °F at no load, as coil
 * ΔT degrades at low load (ASHRAE Guideline 22 / Taylor, "Degrading chilled water plant ΔT", 2002).
 */
export function designDeltaT(plr: number): number {
  return 9 + 3 * Math.min(1, Math.max(0, plr));
}

/**
 * A chiller's leaving water loop (minutes): evaporator and loop water lag 4 min, 1.5 min delay,
 * capacity control (guide vanes / compressor speed) ramping over its range in 2 min.
 */
export const CHW_LOOP = { tauMin: 4, deadMin: 1.5, strokeMin: 2 };

/** The chillers' control loops over one interval: carried states, next states, mistuning per chiller. */
export interface ChillerLoops {
  dtMin: number;
  prev: Readonly<Record<string, readonly number[]>> | undefined;
  next: Record<string, number[]>;
  /** Loop key of each chiller (`<chiller>.chwLoop`). */
  keys: string[];
  /** Gain multiple of each chiller's loop (1 = tuned; a `hunting` fault more). */
  mistune: number[];
  /** A failed leaving water sensor's reading per chiller (the loop controls on it), else undefined. */
  failedReading?: Array<number | undefined>;
}

/**
 * The variable-primary chilled water plant for a cooling load (tons). `run[i]` says whether chiller i
 * runs this interval (from `stageUnits`): running chillers share the load equally up to 105 % of
 * capacity; the rest is a shortfall. Each running chiller's flow tracks its load to hold the design ΔT,
 * never below its minimum evaporator flow. COP = base × part-load curve × lift factor (condenser water
 * from wet bulb + tower approach). `roomTemp` is what an idle chiller's sensors read.
 */
export function chwPlant(
  s: SiteSpec,
  loadTons: number,
  run: boolean[],
  supplySp: number,
  weather: { dryBulb: number; wetBulb: number },
  roomTemp: number,
  loops?: ChillerLoops,
): ChwPlantResult {
  const cap = s.chillers.capacityTons;
  const n = run.filter(Boolean).length;
  const share = n > 0 ? Math.min(loadTons / n, cap * 1.05) : 0;
  const shortfall = loadTons > 0 ? Math.max(0, loadTons - share * n) / loadTons : 0;
  const plr = share / cap;
  const airCooled = s.chillers.condenser === "air";
  const approach = 4 + 4 * plr;
  const cwet = Math.max(65, weather.wetBulb + approach);
  const chillers: ChillerResult[] = [];
  let auxKw = 0;
  let rejected = 0;
  const designFlow = GPM_PER_TON * cap;
  for (let i = 0; i < s.chillers.count; i++) {
    if (run[i]) {
      const lift = liftFactor(airCooled, cwet, weather.dryBulb);
      const flowGpm = Math.min(
        1.1 * designFlow,
        Math.max(MIN_FLOW_FRACTION * designFlow, (24 * share) / designDeltaT(plr)),
      );
      // Leaving water: the capacity loop (PI on leaving water, output % of capacity) against the water
      // returning from the coils (their demand, a shortfall included, warms it).
      const demand = n > 0 ? Math.min(loadTons / n, 1.5 * cap) : 0;
      const entering = supplySp + (24 * demand) / flowGpm;
      let capacityPct = 100 * plr;
      let leavingTemp = supplySp;
      if (loops) {
        const key = loops.keys[i]!;
        const st = readLoop(loops.prev, key, { out: 0, y: entering }, CHW_LOOP.deadMin);
        const perPct = (24 * cap) / (100 * flowGpm);
        const failed = loops.failedReading?.[i];
        const r = runLoop(
          st,
          supplySp,
          { steady: (u) => entering - u * perPct, ...CHW_LOOP },
          simcTuning(perPct, CHW_LOOP.tauMin, CHW_LOOP.deadMin + CHW_LOOP.strokeMin / 2, loops.mistune[i]),
          { lo: 0, hi: 105, strokeMin: CHW_LOOP.strokeMin },
          loops.dtMin,
          1,
          failed === undefined ? {} : { sense: () => failed },
        );
        writeLoop(loops.next, key, st);
        capacityPct = r.meanAct;
        leavingTemp = st.y;
      }
      const plrEff = Math.max(capacityPct / 100, MIN_PLR);
      const cop = Math.min(
        10,
        Math.max(1.5, s.chillers.baseCop * interpolate(s.chillers.copCurve, plrEff) * lift),
      );
      const powerKw = (plrEff * cap * 3.517) / cop;
      chillers.push({
        running: true,
        loadTons: (capacityPct / 100) * cap,
        plr,
        cop,
        powerKw,
        leavingTemp,
        enteringTemp: leavingTemp + Math.max(0.5, (24 * share) / flowGpm),
        flowGpm,
        condenserEnteringTemp: cwet,
      });
      // Variable-speed primary pumps (cube law on flow) and, water-cooled, constant condenser pumps,
      // 0.03 kW/ton each (an air-cooled chiller's condenser fans are in its own power).
      auxKw += 0.03 * cap * (flowGpm / designFlow) ** 3 + (airCooled ? 0 : 0.03 * cap);
      rejected += share + powerKw / 3.517;
    } else {
      // A stopped chiller forgets its loop (it starts afresh from the loop water).
      if (loops) delete loops.next[loops.keys[i]!];
      chillers.push({
        running: false,
        loadTons: 0,
        plr: 0,
        cop: 0,
        powerKw: 0,
        leavingTemp: roomTemp,
        enteringTemp: roomTemp,
        flowGpm: 0,
        condenserEnteringTemp: roomTemp,
      });
    }
  }
  // Cooling tower fans, 0.03 kW per ton rejected (water-cooled only).
  if (!airCooled) auxKw += 0.03 * rejected;
  const on = chillers.filter((c) => c.running);
  const flowGpm = on.reduce((a, c) => a + c.flowGpm, 0);
  const supplyTemp =
    on.length > 0 ? on.reduce((a, c) => a + c.leavingTemp * c.flowGpm, 0) / flowGpm : roomTemp;
  const returnTemp =
    on.length > 0 ? on.reduce((a, c) => a + c.enteringTemp * c.flowGpm, 0) / flowGpm : roomTemp;
  return {
    chillers,
    loadTons: share * n,
    supplyTemp,
    returnTemp,
    flowGpm,
    running: n,
    shortfall,
    auxKw,
    makeupGpm: airCooled ? 0 : 0.03 * rejected,
  };
}

/**
 * COP multiplier of the condensing conditions. Water-cooled: −1.2 % per °F of condenser water above
 * the 85 °F AHRI 550/590 rating. Air-cooled: −1.6 % per °F of outdoor dry bulb above the 95 °F rating
 * (air-cooled screw EIR-f(T) reference curves of DOE-2.2 / EnergyPlus), the gain below 55 °F ambient
 * cut by head pressure control (condenser fans staged off to keep the minimum lift).
 */
export function liftFactor(airCooled: boolean, condenserWater: number, dryBulb: number): number {
  if (airCooled) return 1 - 0.016 * (Math.max(55, dryBulb) - 95);
  return 1 - 0.012 * (condenserWater - 85);
}

export interface BoilerResult {
  running: boolean;
  firePct: number;
  gasCfh: number;
  leavingTemp: number;
}

export interface HwPlantResult {
  boilers: BoilerResult[];
  running: number;
  supplyTemp: number;
  returnTemp: number;
  /** Total gas of all boilers, cfh (ft³/h). */
  gasCfh: number;
  /** Hot water pumps, kW. */
  auxKw: number;
}

/** Heating value of natural gas, Btu/ft³ (EIA US average ≈ 1,036; 1,030 used). */
export const GAS_BTU_PER_FT3 = 1030;

/**
 * The hot water plant for a heating load (Btu/h); `run[i]` from `stageUnits`. A running boiler fires
 * at least 20 % (burner turndown 5:1) and burns gas only while it runs; efficiency improves as the
 * return water cools (condensing).
 */
export function hwPlant(
  s: SiteSpec,
  loadBtuh: number,
  run: boolean[],
  supplySp: number,
  roomTemp: number,
): HwPlantResult {
  const cap = s.boilers.capacityMbh * 1000;
  const n = run.filter(Boolean).length;
  const share = n > 0 ? Math.min(loadBtuh / n, cap) : 0;
  const plr = share / cap;
  const returnTemp = n > 0 ? supplySp - 20 * Math.min(1, plr + 0.1) : roomTemp;
  const efficiency = Math.min(0.97, Math.max(0.75, s.boilers.efficiency + 0.0015 * (140 - returnTemp)));
  const boilers: BoilerResult[] = [];
  for (let i = 0; i < s.boilers.count; i++) {
    if (run[i]) {
      const firePct = Math.max(20, Math.min(100, 100 * plr));
      boilers.push({
        running: true,
        firePct,
        gasCfh: (firePct / 100) * (cap / efficiency / GAS_BTU_PER_FT3),
        leavingTemp: supplySp,
      });
    } else {
      boilers.push({ running: false, firePct: 0, gasCfh: 0, leavingTemp: roomTemp });
    }
  }
  return {
    boilers,
    running: n,
    supplyTemp: n > 0 ? supplySp : roomTemp,
    returnTemp,
    gasCfh: boilers.reduce((a, x) => a + x.gasCfh, 0),
    auxKw: n * 0.004 * s.boilers.capacityMbh,
  };
}
