/**
 * Interval arithmetic on UTC instants and site-local calendar fields. Local time is derived with
 * `Intl.DateTimeFormat` and the site's IANA zone, so DST transitions follow the zone database.
 */
import { zoneParts } from "../../haystack/tz.ts";

const MINUTE_MS = 60_000;

/** The interval lengths a simulator may use, minutes. */
export const INTERVAL_MINUTES = [1, 5, 15, 30, 60] as const;
export type IntervalMinutes = (typeof INTERVAL_MINUTES)[number];

/**
 * The latest interval boundary at or before `ts`: boundaries are multiples of `intervalMinutes` since
 * the Unix epoch (so :00/:15/:30/:45 for 15 minutes). Throws RangeError for a non-positive interval.
 */
export function alignDown(ts: Date, intervalMinutes: number): Date {
  if (!(intervalMinutes > 0)) throw new RangeError(`interval must be positive, got ${intervalMinutes}`);
  const step = intervalMinutes * MINUTE_MS;
  return new Date(Math.floor(ts.getTime() / step) * step);
}

/**
 * The interval ends strictly after `from` and at or before `to`, aligned to `intervalMinutes`, in
 * ascending order: the intervals still to generate when `from` was the last one written. Empty when
 * `to <= from`.
 */
export function intervalsBetween(from: Date, to: Date, intervalMinutes: number): Date[] {
  const step = intervalMinutes * MINUTE_MS;
  const out: Date[] = [];
  let t = alignDown(from, intervalMinutes).getTime() + step;
  const end = to.getTime();
  for (; t <= end; t += step) out.push(new Date(t));
  return out;
}

/** The number of the interval ending at `ts` (epoch milliseconds / interval length): the noise counter. */
export function intervalIndex(ts: Date, intervalMinutes: number): number {
  return Math.floor(ts.getTime() / (intervalMinutes * MINUTE_MS));
}

/** Calendar fields of an instant in a time zone. `weekday` is 0 = Sunday … 6 = Saturday. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
  /** Hours since local midnight, fractional. */
  hourOfDay: number;
  /** Offset of local time from UTC at this instant, minutes (e.g. −240 for EDT). */
  offsetMinutes: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Local calendar fields of `ts` in the IANA zone `tz`. Throws RangeError for an unknown zone. */
export function localTime(ts: Date, tz: string): LocalTime {
  const key = `${tz}|${ts.getTime()}`;
  const hit = LOCAL.get(key);
  if (hit) return hit;
  const lt = computeLocalTime(ts, tz);
  if (LOCAL.size > 4096) LOCAL.clear();
  LOCAL.set(key, lt);
  return lt;
}

/** Recent answers of `localTime` (the model asks for the same instant several times per interval). */
const LOCAL = new Map<string, LocalTime>();

function computeLocalTime(ts: Date, tz: string): LocalTime {
  const parts = zoneParts(tz, ts);
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((asUtc - Math.floor(ts.getTime() / 1000) * 1000) / MINUTE_MS);
  return {
    year,
    month,
    day,
    hour,
    minute,
    weekday: WEEKDAYS[parts.weekday ?? ""] ?? 0,
    hourOfDay: hour + minute / 60 + second / 3600,
    offsetMinutes,
  };
}

/** Whether `tz` is an IANA zone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    zoneParts(tz, new Date(0));
    return true;
  } catch {
    return false;
  }
}

/**
 * The Haystack time zone name of an IANA zone: its last path segment (`America/New_York` → `New_York`),
 * or the part after `Etc/` (`Etc/GMT+5` → `GMT+5`).
 */
export function haystackTz(iana: string): string {
  if (iana.startsWith("Etc/")) return iana.slice(4);
  const i = iana.lastIndexOf("/");
  return i < 0 ? iana : iana.slice(i + 1);
}

/** Day of year 1..366 of a calendar date. */
export function dayOfYear(year: number, month: number, day: number): number {
  return Math.round((Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
}
