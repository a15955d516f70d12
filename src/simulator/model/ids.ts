/**
 * Local ids of a building's entities. They are stable (derived only from the configuration) and
 * readable: `site`, `ahu-1`, `ahu-1.dat`, `vav-3-2.zat`. On a multi-site building every id of a site is
 * prefixed by the site key (`east-ahu-1.dat`). Points are `<equip>.<suffix>`.
 */
import type { SiteSpec } from "./types.ts";

const at = (s: SiteSpec, id: string): string => (s.key ? `${s.key}-${id}` : id);

export const ids = {
  site: (s: SiteSpec): string => at(s, "site"),
  weather: (s: SiteSpec): string => at(s, "weather"),
  floor: (s: SiteSpec, floor: number): string => at(s, `floor-${floor}`),
  chwPlant: (s: SiteSpec): string => at(s, "chw-plant"),
  chiller: (s: SiteSpec, i: number): string => at(s, `chiller-${i}`),
  hwPlant: (s: SiteSpec): string => at(s, "hw-plant"),
  boiler: (s: SiteSpec, i: number): string => at(s, `boiler-${i}`),
  /** An air handler: `ahu-i`, or `rtu-i` for packaged rooftop units. */
  airHandler: (s: SiteSpec, i: number): string => at(s, `${s.airHandlers.kind}-${i}`),
  vav: (s: SiteSpec, floor: number, zone: number): string => at(s, `vav-${floor}-${zone}`),
  elecMeter: (s: SiteSpec): string => at(s, "elec-meter"),
  elecSub: (s: SiteSpec, name: ElecSub): string => at(s, `elec-${name}`),
  gasMeter: (s: SiteSpec): string => at(s, "gas-meter"),
  gasSub: (s: SiteSpec, name: GasSub): string => at(s, `gas-${name}`),
  waterMeter: (s: SiteSpec): string => at(s, "water-meter"),
  waterSub: (s: SiteSpec, name: WaterSub): string => at(s, `water-${name}`),
};

export type ElecSub = "hvac" | "lighting" | "plug";
export type GasSub = "heating" | "dhw";
export type WaterSub = "domestic" | "tower";

const POINT_IDS = new Map<string, Map<string, string>>();

/**
 * The local id of a point of an equipment (or weather station). Memoized: the model asks for the same
 * few thousand ids every interval, and one string object per id keeps the maps keyed by them fast.
 */
export function pointId(equip: string, suffix: string): string {
  let bySuffix = POINT_IDS.get(equip);
  if (!bySuffix) {
    if (POINT_IDS.size > 200_000) POINT_IDS.clear();
    bySuffix = new Map();
    POINT_IDS.set(equip, bySuffix);
  }
  let id = bySuffix.get(suffix);
  if (id === undefined) {
    id = `${equip}.${suffix}`;
    bySuffix.set(suffix, id);
  }
  return id;
}

/** The air handler (1-based) serving a floor: floors are split into consecutive groups. */
export function airHandlerOfFloor(s: SiteSpec, floor: number): number {
  return Math.min(s.airHandlers.count, Math.ceil(floor / s.airHandlers.floorsPerUnit));
}

/** Electric sub-meters present at a site. */
export function elecSubs(): ElecSub[] {
  return ["hvac", "lighting", "plug"];
}

/** Gas sub-meters present at a site (heating only when something burns gas for space heating). */
export function gasSubs(s: SiteSpec): GasSub[] {
  if (!s.meters.gas) return [];
  return usesGasHeating(s) ? ["heating", "dhw"] : ["dhw"];
}

/** Water sub-meters present at a site (the cooling tower only with a water-cooled chilled water plant). */
export function waterSubs(s: SiteSpec): WaterSub[] {
  if (!s.meters.water) return [];
  return hasChwPlant(s) && s.chillers.condenser === "water" ? ["domestic", "tower"] : ["domestic"];
}

export const hasVavs = (s: SiteSpec): boolean => s.airHandlers.kind === "ahu";
export const hasChwPlant = (s: SiteSpec): boolean => s.chillers.count > 0 && s.airHandlers.cooling === "chw";
export const hasHwPlant = (s: SiteSpec): boolean =>
  s.boilers.count > 0 && (s.airHandlers.heating === "hw" || (hasVavs(s) && s.vavs.reheat === "hw"));
export const usesGasHeating = (s: SiteSpec): boolean => hasHwPlant(s) || s.airHandlers.heating === "gas";
