/**
 * Central plants: chillers staged on the actual cooling load with part-load and lift-dependent
 * efficiency, a cooling tower rejecting chiller heat, and boilers staged on the heating load.
 */
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

/**
 * Number of units to run for `load` given units of `capacity`, from `previous` running, with
 * hysteresis: stage up above 90 % of running capacity, down below 60 % of one unit fewer; at most
 * `available`; none when the load is negligible.
 */
export function stage(load: number, capacity: number, previous: number, available: number): number {
  if (load <= 0.03 * capacity || available === 0) return 0;
  let n = Math.max(1, Math.min(previous, available));
  while (n < available && load > 0.9 * n * capacity) n++;
  while (n > 1 && load < 0.6 * (n - 1) * capacity) n--;
  return n;
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

/** Design chilled water flow per ton (10 °F ΔT at full load), gal/min. */
const GPM_PER_TON = 2.4;

/**
 * The chilled water plant for a cooling load (tons). `available[i]` says whether chiller i may run
 * (enabled and not tripped); `order` is the lead/lag rotation (indices, lead first); `roomTemp` is what
 * an idle chiller's sensors drift to.
 */
export function chwPlant(
  s: SiteSpec,
  loadTons: number,
  previous: number,
  available: boolean[],
  order: number[],
  supplySp: number,
  wetBulb: number,
  roomTemp: number,
): ChwPlantResult {
  const cap = s.chillers.capacityTons;
  const availableCount = available.filter(Boolean).length;
  const n = stage(loadTons, cap, previous, availableCount);
  const runningIdx = new Set(order.filter((i) => available[i]).slice(0, n));
  const maxShare = cap * 1.05;
  const share = n > 0 ? Math.min(loadTons / n, maxShare) : 0;
  const shortfall = loadTons > 0 ? Math.max(0, loadTons - share * n) / loadTons : 0;
  const plr = share / cap;
  const approach = 4 + 4 * plr;
  const cwet = Math.max(65, wetBulb + approach);
  const chillers: ChillerResult[] = [];
  let auxKw = 0;
  let rejected = 0;
  for (let i = 0; i < s.chillers.count; i++) {
    if (runningIdx.has(i)) {
      const lift = 1 - 0.012 * (cwet - 85);
      const cop = Math.min(
        10,
        Math.max(1.5, s.chillers.baseCop * interpolate(s.chillers.copCurve, plr) * lift),
      );
      const powerKw = (share * 3.517) / cop;
      const flowGpm = GPM_PER_TON * cap;
      const leavingTemp = supplySp + 0.4 * plr + 6 * shortfall;
      chillers.push({
        running: true,
        loadTons: share,
        plr,
        cop,
        powerKw,
        leavingTemp,
        enteringTemp: leavingTemp + (24 * share) / flowGpm,
        flowGpm,
        condenserEnteringTemp: cwet,
      });
      auxKw += 0.02 * cap * 2;
      rejected += share + powerKw / 3.517;
    } else {
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
  auxKw += 0.03 * rejected;
  const on = chillers.filter((c) => c.running);
  const flowGpm = on.reduce((a, c) => a + c.flowGpm, 0);
  const supplyTemp =
    on.length > 0 ? on.reduce((a, c) => a + c.leavingTemp * c.flowGpm, 0) / flowGpm : roomTemp;
  const served = share * n;
  return {
    chillers,
    loadTons: served,
    supplyTemp,
    returnTemp: flowGpm > 0 ? supplyTemp + (24 * served) / flowGpm : roomTemp,
    flowGpm,
    running: n,
    shortfall,
    auxKw,
    makeupGpm: 0.03 * rejected,
  };
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
  /** Total gas of all boilers, ft³/h. */
  gasCfh: number;
  /** Hot water pumps, kW. */
  auxKw: number;
}

/** Heating value of natural gas, Btu/ft³. */
export const GAS_BTU_PER_FT3 = 1030;

/** The hot water plant for a heating load (Btu/h), staged like the chillers. */
export function hwPlant(
  s: SiteSpec,
  loadBtuh: number,
  previous: number,
  available: boolean[],
  order: number[],
  supplySp: number,
  roomTemp: number,
): HwPlantResult {
  const cap = s.boilers.capacityMbh * 1000;
  const n = stage(loadBtuh, cap, previous, available.filter(Boolean).length);
  const runningIdx = new Set(order.filter((i) => available[i]).slice(0, n));
  const share = n > 0 ? Math.min(loadBtuh / n, cap) : 0;
  const plr = share / cap;
  const returnTemp = n > 0 ? supplySp - 20 * Math.min(1, plr + 0.1) : roomTemp;
  const efficiency = Math.min(0.97, Math.max(0.75, s.boilers.efficiency + 0.0015 * (140 - returnTemp)));
  const boilers: BoilerResult[] = [];
  for (let i = 0; i < s.boilers.count; i++) {
    if (runningIdx.has(i)) {
      boilers.push({
        running: true,
        firePct: Math.max(20, Math.min(100, 100 * plr)),
        gasCfh: share / efficiency / GAS_BTU_PER_FT3,
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
