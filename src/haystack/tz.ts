/**
 * Haystack time-zone names (the city part of the zoneinfo name: `New_York`, `London`, `UTC`,
 * `GMT+5`) to IANA names (`America/New_York`, `Europe/London`, `UTC`, `Etc/GMT+5`) and back, plus
 * offset and local-time arithmetic. Everything goes through `Intl`, so the zone rules are the
 * runtime's ICU data.
 */

import { utcMs } from "./instants.ts";

const REGIONS = [
  "America",
  "Europe",
  "Asia",
  "Africa",
  "Australia",
  "Pacific",
  "Atlantic",
  "Indian",
  "Antarctica",
  "America/Indiana",
  "America/Kentucky",
  "America/North_Dakota",
  "America/Argentina",
  "Arctic",
];

let cityIndex: Map<string, string> | undefined;
const resolved = new Map<string, string>();
const formatters = new Map<string, Intl.DateTimeFormat>();

function isIanaZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function index(): Map<string, string> {
  if (!cityIndex) {
    cityIndex = new Map();
    for (const z of Intl.supportedValuesOf("timeZone")) {
      const city = z.slice(z.lastIndexOf("/") + 1);
      if (!cityIndex.has(city)) cityIndex.set(city, z);
    }
  }
  return cityIndex;
}

/**
 * The IANA name for a Haystack zone name. Accepts an IANA name unchanged. `UTC`, `GMT`, `GMT+5`,
 * `GMT-3` map to `UTC`, `Etc/GMT`, `Etc/GMT+5`, `Etc/GMT-3`. Throws `RangeError` for an unknown name.
 */
export function tzToIana(name: string): string {
  const hit = resolved.get(name);
  if (hit) return hit;
  let out: string | undefined;
  if (name === "UTC" || name === "Etc/UTC") out = "UTC";
  else if (/^GMT([+-]\d{1,2})?$/.test(name)) out = `Etc/${name}`;
  else if (name.includes("/")) out = isIanaZone(name) ? name : undefined;
  else {
    out = index().get(name);
    if (!out) {
      const candidate = REGIONS.map((r) => `${r}/${name}`).find(isIanaZone);
      out = candidate;
    }
  }
  if (!out || !isIanaZone(out)) throw new RangeError(`unknown time zone: ${name}`);
  resolved.set(name, out);
  return out;
}

/** True when `name` is a Haystack (or IANA) zone name this runtime knows. */
export function isKnownTz(name: string): boolean {
  try {
    tzToIana(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Haystack name for an IANA zone: `Etc/GMT+5` → `GMT+5`, `UTC`/`Etc/UTC`/`Etc/Universal`/`Etc/Zulu`
 * → `UTC`, otherwise the last path segment (`America/Indiana/Indianapolis` → `Indianapolis`).
 */
export function tzFromIana(iana: string): string {
  if (
    iana === "UTC" ||
    iana === "Etc/UTC" ||
    iana === "Etc/Universal" ||
    iana === "Etc/Zulu" ||
    iana === "Zulu"
  ) {
    return "UTC";
  }
  if (iana.startsWith("Etc/")) return iana.slice(4);
  return iana.slice(iana.lastIndexOf("/") + 1);
}

function formatter(iana: string): Intl.DateTimeFormat {
  let f = formatters.get(iana);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: iana,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      era: "short",
      weekday: "short",
    });
    formatters.set(iana, f);
  }
  return f;
}

/**
 * The `en-US` formatted parts of `date` in IANA zone `iana` by type (`year` as shown with `era`,
 * `month`, `day`, `hour` 0–23, `minute`, `second`, `weekday` such as `Mon`). Formatters are cached
 * per zone. Throws `RangeError` for an unknown zone.
 */
export function zoneParts(iana: string, date: Date): Partial<Record<Intl.DateTimeFormatPartTypes, string>> {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of formatter(iana).formatToParts(date)) parts[p.type] ??= p.value;
  return parts;
}

/** Local wall-clock fields of an instant in an IANA zone. */
export interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  ms: number;
}

/** The wall-clock fields of instant `epochMs` in IANA zone `iana`. Throws `RangeError` for a bad zone. */
export function localFields(iana: string, epochMs: number): LocalFields {
  const parts = zoneParts(iana, new Date(epochMs));
  const get = (t: Intl.DateTimeFormatPartTypes): number => Number(parts[t] ?? 0);
  const era = parts.era;
  const y = get("year");
  return {
    year: era === "BC" || era === "B" ? 1 - y : y,
    month: get("month"),
    day: get("day"),
    hour: get("hour") % 24,
    min: get("minute"),
    sec: get("second"),
    ms: ((epochMs % 1000) + 1000) % 1000,
  };
}

/** Span of the offset cache's blocks: far shorter than the time between two transitions of a zone. */
const BLOCK_MS = 12 * 3_600_000;
interface ZoneCache {
  /** Exact offset at the start of each block. */
  starts: Map<number, number>;
  /** Offset of each block, or NaN where the block holds a transition. */
  blocks: Map<number, number>;
}
const zoneCaches = new Map<string, ZoneCache>();
const MAX_BLOCKS = 100_000;

/**
 * UTC offset in minutes (east positive) of IANA zone `iana` at instant `epochMs`. Computed through
 * `Intl` (~8 µs a call) once per 12-hour block and zone: when a block starts with the offset the
 * next one starts with, the whole block has it (a zone never changes its offset twice within 12
 * hours), so a year of 15-minute rows costs ~730 calls instead of 35,040; only instants inside a
 * block that holds a transition are computed one by one.
 */
export function tzOffsetMinutes(iana: string, epochMs: number): number {
  let zone = zoneCaches.get(iana);
  if (!zone || zone.blocks.size >= MAX_BLOCKS) {
    zone = { starts: new Map(), blocks: new Map() };
    zoneCaches.set(iana, zone);
  }
  const { starts, blocks } = zone;
  const startOf = (b: number): number => {
    let o = starts.get(b);
    if (o === undefined) {
      o = exactOffsetMinutes(iana, b * BLOCK_MS);
      starts.set(b, o);
    }
    return o;
  };
  const block = Math.floor(epochMs / BLOCK_MS);
  let off = blocks.get(block);
  if (off === undefined) {
    const first = startOf(block);
    off = first === startOf(block + 1) ? first : Number.NaN;
    blocks.set(block, off);
  }
  return Number.isNaN(off) ? exactOffsetMinutes(iana, epochMs) : off;
}

function exactOffsetMinutes(iana: string, epochMs: number): number {
  const f = localFields(iana, epochMs);
  const asUtc = utcMs(f.year, f.month, f.day, f.hour, f.min, f.sec, f.ms);
  const y = new Date(asUtc);
  if (f.year < 100) y.setUTCFullYear(f.year);
  return Math.round((y.getTime() - epochMs) / 60_000);
}

/**
 * The instant of a local wall-clock time in IANA zone `iana`, resolving DST like `Temporal`'s
 * "compatible" mode: in a fall-back overlap the earlier instant, in a spring-forward gap the
 * wall time is pushed forward by the gap (02:30 in a 02:00→03:00 gap gives 03:30).
 */
export function localToInstant(
  iana: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  min = 0,
  sec = 0,
  ms = 0,
): number {
  const local = utcMs(year, month, day, hour, min, sec, ms);
  const offBefore = tzOffsetMinutes(iana, local - 86_400_000);
  const offAfter = tzOffsetMinutes(iana, local + 86_400_000);
  const candidates = [...new Set([local - offBefore * 60_000, local - offAfter * 60_000])].filter(
    (c) => c + tzOffsetMinutes(iana, c) * 60_000 === local,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  return local - offBefore * 60_000;
}

/** A stretch of time `[start, end)` over which a zone keeps one UTC offset (minutes east). */
export interface OffsetSpan {
  offsetMin: number;
  start: number;
  end: number;
}

/** How far one search for the next transition looks ahead before it gives up (a span ends there). */
const SPAN_HORIZON_MS = 400 * 86_400_000;
const spanCaches = new Map<string, OffsetSpan[]>();
const MAX_SPANS = 10_000;

function isFixedZone(iana: string): boolean {
  return iana === "UTC" || iana.startsWith("Etc/");
}

/**
 * The span around instant `epochMs` over which IANA zone `iana` keeps the offset it has at
 * `epochMs`: from `epochMs` (or earlier, when cached) up to the next transition, found once by
 * probing every 12 hours (a zone never changes its offset twice within 12 hours, as
 * `tzOffsetMinutes` assumes) and a binary search to the millisecond. A caller encoding many
 * instants in order asks again only when it passes `end`. Spans are cached per zone.
 * Throws `RangeError` for an unknown zone.
 */
export function offsetSpan(iana: string, epochMs: number): OffsetSpan {
  let spans = spanCaches.get(iana);
  if (!spans || spans.length >= MAX_SPANS) {
    spans = [];
    spanCaches.set(iana, spans);
  }
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i]!;
    if (epochMs >= s.start && epochMs < s.end) return s;
  }
  const offsetMin = exactOffsetMinutes(iana, epochMs);
  let span: OffsetSpan;
  if (isFixedZone(iana)) span = { offsetMin, start: -Infinity, end: Infinity };
  else {
    let lo = epochMs;
    let end = Number.NaN;
    while (lo < epochMs + SPAN_HORIZON_MS) {
      const probe = lo + BLOCK_MS;
      if (exactOffsetMinutes(iana, probe) === offsetMin) {
        lo = probe;
        continue;
      }
      // The offset changes in (lo, probe]: the first instant with the new one is the span's end.
      let hi = probe;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (exactOffsetMinutes(iana, mid) === offsetMin) lo = mid;
        else hi = mid;
      }
      end = hi;
      break;
    }
    if (Number.isNaN(end)) end = lo + 1;
    span = { offsetMin, start: epochMs, end };
  }
  spans.push(span);
  return span;
}
