// Timestamps on the wire. In: ISO 8601 with `Z` or an offset; without either the time is UTC;
// the original's "YYYY-MM-DD HH:MM:SS" (space) and a bare date are accepted too. Out: UTC,
// `YYYY-MM-DDTHH:MM:SS.sssZ`. Only instants from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z
// are timestamps (haystack/instants.ts): nothing outside reaches SQL.
import { isStorableInstant, utcMs } from "../haystack/instants.ts";

const RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses a wire timestamp; null when it is not one (or names an impossible date/time, or an
 * instant outside the accepted range).
 */
export function parseTimestamp(text: string): Date | null {
  const m = RE.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = utcMs(year, month, day, hour, minute, second, ms);
  const check = new Date(t);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59) return null;
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return isStorableInstant(t) ? new Date(t) : null;
}

/** The wire form of a timestamp (UTC, millisecond precision). */
export const formatTimestamp = (d: Date): string => d.toISOString();
