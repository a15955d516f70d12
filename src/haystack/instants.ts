/**
 * The instants accepted from outside: from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the
 * years the wire form `YYYY-MM-DDTHH:MM:SS.sssZ` can write (CONTRACT.md). Well inside what
 * PostgreSQL stores (4713 BC to 294276 AD) and what a JavaScript Date holds (±275,760 years), so
 * no timestamp that passes reaches SQL or a Date outside their range. Timestamp parsers of every
 * route (REST values and tags, hisRead ranges, Zinc and JSON dateTimes, console chart ranges)
 * refuse the rest.
 */

/** Milliseconds of a UTC calendar time, for every year (`Date.UTC` maps years 0–99 to 1900–1999). */
export function utcMs(year: number, month: number, day: number, hour = 0, min = 0, sec = 0, ms = 0): number {
  // setUTCFullYear takes the year as given and carries overflowing months and days (day 0 is the
  // last day of the month before) in that year, so `utcMs(2025, 3, 0)` is 2025-02-28.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, min, sec, ms);
  return d.getTime();
}

/** The first instant accepted: 0001-01-01T00:00:00.000Z. */
export const MIN_INSTANT_MS = utcMs(1, 1, 1);
/** The last instant accepted: 9999-12-31T23:59:59.999Z. */
export const MAX_INSTANT_MS = utcMs(10_000, 1, 1) - 1;
/** The range in words, for error messages. */
export const INSTANT_RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z";

/** True for an instant within [MIN_INSTANT_MS, MAX_INSTANT_MS] (false for NaN). */
export function isStorableInstant(ms: number): boolean {
  return ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}
