/**
 * Occupancy from the site's local clock: the day type (weekday, Saturday, Sunday, holiday) picks a
 * schedule of occupied fractions, interpolated in local time, so DST days and time zones come out right.
 */
import { type LocalTime, localTime } from "./time.ts";
import type { DaySchedule, SiteSpec } from "./types.ts";

function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
}

function lastWeekday(year: number, month: number, weekday: number): number {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = new Date(Date.UTC(year, month - 1, days)).getUTCDay();
  return days - ((last - weekday + 7) % 7);
}

/** Whether a local date is a US federal holiday (fixed dates as observed on the nearest weekday). */
export function isUsHoliday(year: number, month: number, day: number): boolean {
  const observed = (m: number, d: number): boolean => {
    const wd = new Date(Date.UTC(year, m - 1, d)).getUTCDay();
    const obs = wd === 6 ? d - 1 : wd === 0 ? d + 1 : d;
    return month === m && day === obs;
  };
  if (observed(1, 1) || observed(6, 19) || observed(7, 4) || observed(11, 11) || observed(12, 25))
    return true;
  if (month === 12 && day === 31 && new Date(Date.UTC(year + 1, 0, 1)).getUTCDay() === 6) return true;
  const rules: Array<[number, number]> = [
    [1, nthWeekday(year, 1, 1, 3)],
    [2, nthWeekday(year, 2, 1, 3)],
    [5, lastWeekday(year, 5, 1)],
    [9, nthWeekday(year, 9, 1, 1)],
    [10, nthWeekday(year, 10, 1, 2)],
    [11, nthWeekday(year, 11, 4, 4)],
  ];
  return rules.some(([m, d]) => m === month && d === day);
}

export type DayType = "weekday" | "saturday" | "sunday" | "holiday";

/** The schedule day type of a local date. */
export function dayType(site: SiteSpec, lt: LocalTime): DayType {
  const date = `${lt.year}-${String(lt.month).padStart(2, "0")}-${String(lt.day).padStart(2, "0")}`;
  if (site.occupancy.holidayDates.includes(date)) return "holiday";
  if (site.occupancy.holidayCalendar === "us" && isUsHoliday(lt.year, lt.month, lt.day)) return "holiday";
  if (lt.weekday === 0) return "sunday";
  if (lt.weekday === 6) return "saturday";
  return "weekday";
}

function parseHm(hm: string): number {
  const [h, m] = hm.split(":");
  return Number(h) + Number(m ?? 0) / 60;
}

/**
 * The occupied fraction of a day schedule at a local hour: linear between the listed times, wrapping
 * from the last entry to the first across midnight; a schedule with one entry is constant.
 */
export function scheduleValue(schedule: DaySchedule, hourOfDay: number): number {
  const pts = Object.entries(schedule)
    .map(([k, v]) => [k === "default" ? 0 : parseHm(k), v] as const)
    .sort((a, b) => a[0] - b[0]);
  if (pts.length === 0) return 0;
  const first = pts[0]!;
  const last = pts[pts.length - 1]!;
  if (pts.length === 1) return first[1];
  if (hourOfDay < first[0] || hourOfDay >= last[0]) {
    const span = first[0] + 24 - last[0];
    const since = hourOfDay >= last[0] ? hourOfDay - last[0] : hourOfDay + 24 - last[0];
    return last[1] + ((first[1] - last[1]) * since) / span;
  }
  for (let i = 1; i < pts.length; i++) {
    const [h1, v1] = pts[i]!;
    const [h0, v0] = pts[i - 1]!;
    if (hourOfDay < h1) return v0 + ((v1 - v0) * (hourOfDay - h0)) / (h1 - h0);
  }
  return last[1];
}

/** The scheduled (noise-free) occupied fraction 0..1 of a site at an instant. */
export function scheduledOccupancy(site: SiteSpec, ts: Date): number {
  const lt = localTime(ts, site.tz);
  const sched = site.occupancy[dayType(site, lt)];
  return Math.min(1, Math.max(0, scheduleValue(sched, lt.hourOfDay)));
}

/** Fraction above which a space counts as occupied for HVAC modes and the `occupied` points. */
export const OCCUPIED_THRESHOLD = 0.1;

/**
 * Whether HVAC runs in occupied mode: the space is scheduled occupied now, or will be within the
 * morning warm-up lead (`leadHours`, default 1.5 h), as an optimum-start controller would do.
 */
export function hvacOccupiedMode(site: SiteSpec, ts: Date, leadHours = 1.5): boolean {
  if (scheduledOccupancy(site, ts) >= OCCUPIED_THRESHOLD) return true;
  return scheduledOccupancy(site, new Date(ts.getTime() + leadHours * 3_600_000)) >= OCCUPIED_THRESHOLD;
}
