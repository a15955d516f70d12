/**
 * hisRead ranges (Ops: hisRead) to half-open `[start, end)` instants in a point's zone.
 */

import { INSTANT_RANGE, isStorableInstant } from "./instants.ts";
import { HDate, HDateTime, type HVal } from "./kinds.ts";
import { localFields, localToInstant, tzFromIana } from "./tz.ts";
import { readZincValue } from "./zinc.ts";

/** An unparseable range; `message` says which forms are accepted. */
export class HisRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HisRangeError";
  }
}

export interface HisRange {
  /** Inclusive start, expressed in the requested zone. */
  start: HDateTime;
  /** Exclusive end, expressed in the requested zone. */
  end: HDateTime;
}

/** Midnight starting `date` in IANA zone `iana` (DST-correct; a midnight in a DST gap moves forward). */
export function startOfDay(date: HDate, iana: string): number {
  return localToInstant(iana, date.year, date.month, date.day);
}

/** The calendar date of instant `epochMs` in IANA zone `iana`. */
export function dateIn(epochMs: number, iana: string): HDate {
  const f = localFields(iana, epochMs);
  return new HDate(f.year, f.month, f.day);
}

function parsePart(text: string): HVal | null {
  try {
    return readZincValue(text);
  } catch {
    throw new HisRangeError(`invalid range part '${text}'`);
  }
}

/**
 * Parses a hisRead range in IANA zone `iana`:
 * `today`, `yesterday`, `{date}`, `{date},{date}` (both days included), `{dateTime},{dateTime}`,
 * `{dateTime}` (from then until `nowMs`). Dates run midnight to midnight in the zone, so a day is
 * 23 or 25 hours long across a DST change. DateTimes keep their instants and are re-expressed in the
 * zone. Surrounding double quotes (a Zinc Str) are accepted. Throws `HisRangeError` for anything
 * else, or when the end is before the start.
 */
export function parseHisRange(range: string, iana: string, nowMs: number): HisRange {
  let text = range.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).trim();
  const tz = tzFromIana(iana);
  const at = (ms: number): HDateTime => HDateTime.fromInstant(ms, tz);
  const days = (from: HDate, to: HDate): HisRange => ({
    start: at(startOfDay(from, iana)),
    end: at(startOfDay(to.plusDays(1), iana)),
  });
  let result: HisRange;
  if (text === "today" || text === "yesterday") {
    const today = dateIn(nowMs, iana);
    const d = text === "today" ? today : today.plusDays(-1);
    result = days(d, d);
  } else {
    const comma = text.indexOf(",");
    const parts = comma < 0 ? [text] : [text.slice(0, comma).trim(), text.slice(comma + 1).trim()];
    const [a, b] = parts.map(parsePart);
    if (a instanceof HDate && parts.length === 1) result = days(a, a);
    else if (a instanceof HDate && b instanceof HDate) {
      if (b.toUtcMs() < a.toUtcMs()) throw new HisRangeError(`range '${range}' ends before it starts`);
      result = days(a, b);
    } else if (a instanceof HDateTime && parts.length === 1)
      result = { start: at(a.epochMs), end: at(nowMs) };
    else if (a instanceof HDateTime && b instanceof HDateTime)
      result = { start: at(a.epochMs), end: at(b.epochMs) };
    else {
      throw new HisRangeError(
        `invalid range '${range}': expected today, yesterday, a date, date,date, dateTime,dateTime or a dateTime`,
      );
    }
  }
  if (result.end.epochMs < result.start.epochMs)
    throw new HisRangeError(`range '${range}' ends before it starts`);
  // the end is exclusive: a range may end at the first instant after the accepted ones
  if (!isStorableInstant(result.start.epochMs) || !isStorableInstant(result.end.epochMs - 1))
    throw new HisRangeError(`range '${range}' is outside ${INSTANT_RANGE}`);
  return result;
}
