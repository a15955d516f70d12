/**
 * Thermal zones: geometry, internal and solar gains, and the exact solution of a one-node heat balance
 * over an interval. Integrating the linear ODE in closed form keeps the zone stable for any interval
 * length (1 to 60 minutes) instead of depending on an explicit Euler step.
 */
import { airHandlerOfFloor, hasVavs, ids } from "./ids.ts";
import type { SiteSpec } from "./types.ts";

export interface Zone {
  /** Local id of the equipment owning the zone points (VAV box or rooftop unit). */
  id: string;
  floor: number;
  /** 1-based air handler serving the zone. */
  ahu: number;
  area: number;
  orientation: "north" | "south" | "east" | "west" | "interior";
}

function orientationOf(name: string): Zone["orientation"] {
  const n = name.toLowerCase();
  if (n.startsWith("north")) return "north";
  if (n.startsWith("south")) return "south";
  if (n.startsWith("east")) return "east";
  if (n.startsWith("west")) return "west";
  return "interior";
}

/** Zones per site description (a site's zones are derived once per run, their ids then stable strings). */
const ZONES = new WeakMap<SiteSpec, readonly Zone[]>();

/** The zones of a site: one per VAV box, or one per rooftop unit (its floor area share). */
export function zonesOf(s: SiteSpec): readonly Zone[] {
  const cached = ZONES.get(s);
  if (cached) return cached;
  const out = makeZones(s);
  ZONES.set(s, out);
  return out;
}

function makeZones(s: SiteSpec): Zone[] {
  const out: Zone[] = [];
  if (hasVavs(s)) {
    const area = s.area / (s.floors * s.vavs.zones.length);
    for (let f = 1; f <= s.floors; f++) {
      s.vavs.zones.forEach((name, zi) => {
        out.push({
          id: ids.vav(s, f, zi + 1),
          floor: f,
          ahu: airHandlerOfFloor(s, f),
          area,
          orientation: orientationOf(name),
        });
      });
    }
  } else {
    const area = s.area / s.airHandlers.count;
    const names = ["south", "west", "east", "north"] as const;
    for (let i = 1; i <= s.airHandlers.count; i++) {
      out.push({ id: ids.airHandler(s, i), floor: 1, ahu: i, area, orientation: names[(i - 1) % 4]! });
    }
  }
  return out;
}

/** Sensible heat per occupant, Btu/h. */
export const PERSON_BTUH = 250;
/** Btu/h per W. */
export const BTUH_PER_W = 3.412;
/** Effective thermal capacitance of a zone per ft² (air, furnishings, light structure), Btu/°F·ft². */
export const CAPACITANCE_PER_FT2 = 1.5;
/** Sensible heat of air: Btu/h per cfm per °F. */
export const AIR_SENSIBLE = 1.08;

export interface ZoneGains {
  people: number;
  lightingKw: number;
  plugKw: number;
  /** Total sensible gain into the zone, Btu/h (people, lighting, plugs, sun). */
  total: number;
}

/** Solar gain weighting of a façade at a local solar hour. */
function facadeFactor(o: Zone["orientation"], solarHour: number): number {
  switch (o) {
    case "south":
      return 1;
    case "east":
      return solarHour < 12 ? 1.4 : 0.35;
    case "west":
      return solarHour >= 12 ? 1.4 : 0.35;
    case "north":
      return 0.3;
    default:
      return 0.15;
  }
}

/**
 * Internal and solar gains of a zone. `occ` is the zone's occupied fraction, `siteOcc` the site's
 * scheduled fraction (lighting follows the building schedule), `solar` global irradiance W/m².
 */
export function zoneGains(
  s: SiteSpec,
  z: Zone,
  occ: number,
  siteOcc: number,
  solar: number,
  solarHour: number,
): ZoneGains {
  const people = (occ * z.area) / s.occupancy.areaPerPerson;
  // After hours `loads.lightingNight` of the lighting (egress, security, cleaning, night stocking) and
  // `loads.plugNight` of the plug load (equipment left on, refrigeration) stay on.
  const { lightingNight, plugNight } = s.loads;
  const lightingOn = lightingNight + (1 - lightingNight) * Math.min(1, siteOcc * 1.25);
  const lightingKw = (z.area * s.loads.lightingWPerFt2 * lightingOn) / 1000;
  const plugKw = (z.area * s.loads.plugWPerFt2 * (plugNight + (1 - plugNight) * occ)) / 1000;
  const sun = z.area * 0.012 * solar * facadeFactor(z.orientation, solarHour);
  return {
    people,
    lightingKw,
    plugKw,
    total: people * PERSON_BTUH + (lightingKw + plugKw) * 1000 * BTUH_PER_W + sun,
  };
}

/**
 * Zone temperature at the end of an interval of `hours`, starting at `t0`, with constant gains,
 * outdoor temperature, supply airflow `cfm` at `supplyTemp`: the exact solution of
 * C·dT/dt = gains + UA·(oat − T) + 1.08·cfm·(supply − T).
 */
export function integrateZone(
  s: SiteSpec,
  z: Zone,
  t0: number,
  gains: number,
  oat: number,
  cfm: number,
  supplyTemp: number,
  hours: number,
): number {
  const ua = s.envelopeUaPerFt2 * z.area;
  const c = CAPACITANCE_PER_FT2 * z.area;
  const a = gains + ua * oat + AIR_SENSIBLE * cfm * supplyTemp;
  const b = ua + AIR_SENSIBLE * cfm;
  const tInf = a / b;
  return tInf + (t0 - tInf) * Math.exp((-b * hours) / c);
}

/** Net heat the zone would gain at temperature `t` without HVAC, Btu/h (positive = needs cooling). */
export function zoneLoad(s: SiteSpec, z: Zone, gains: number, oat: number, t: number): number {
  return gains + s.envelopeUaPerFt2 * z.area * (oat - t);
}
