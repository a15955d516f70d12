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
  const ms = parseTimestampMs(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** `parseTimestamp` as milliseconds since the epoch (no Date made); NaN when `text` is not one. */
export function parseTimestampMs(text: string): number {
  if (text.length === 24 || text.length === 20) {
    const fast = canonical(text);
    if (fast !== undefined) return fast;
  }
  return general(text);
}

function general(text: string): number {
  const m = RE.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = utcMs(year, month, day, hour, minute, second, ms);
  const check = new Date(t);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return Number.NaN;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59) return Number.NaN;
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return isStorableInstant(t) ? t : Number.NaN;
}

/** Digits of `text` at [from, to) as a number, or -1 when one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The form every poller and this server send, `YYYY-MM-DDTHH:MM:SS.sssZ` (or without `.sss`),
 * read without a regular expression (a 1,000-value bulk request parses 1,000 of them); the same
 * checks as the general path, in milliseconds (NaN when it names no instant). Undefined when `text`
 * is not in that form (the general path decides).
 */
function canonical(text: string): number | undefined {
  const withMs = text.length === 24;
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    (withMs && text.charCodeAt(19) !== 46) ||
    text.charCodeAt(text.length - 1) !== 90
  )
    return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const ms = withMs ? digits(text, 20, 23) : 0;
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || ms < 0) return undefined;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  if (day > 28 && day > daysInMonth(year, month)) return Number.NaN;
  const t =
    year >= 100
      ? Date.UTC(year, month - 1, day, hour, minute, second, ms)
      : utcMs(year, month, day, hour, minute, second, ms);
  return isStorableInstant(t) ? t : Number.NaN;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/**
 * The wire text of `ms` (`YYYY-MM-DDTHH:MM:SS.sssZ`): `text` itself when it was sent in exactly
 * that form (no Date made), else formatted.
 */
export function isoText(text: string, ms: number): string {
  return text.length === 24 && canonical(text) === ms ? text : new Date(ms).toISOString();
}

/** The wire form of a timestamp (UTC, millisecond precision). */
export const formatTimestamp = (d: Date): string => d.toISOString();
