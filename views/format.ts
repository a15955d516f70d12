// Formatting helpers shared by views: pure functions of their arguments.

/** `1234567` → `1,234,567`; null → `–`. */
export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : Math.round(n).toLocaleString("en-US");
}

/** A measured value with up to `digits` decimals, trailing zeros trimmed. */
export function fmtNum(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Milliseconds as `12 ms` / `1.2 s`. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  return ms < 1000 ? `${fmtNum(ms, 1)} ms` : `${fmtNum(ms / 1000, 1)} s`;
}

/** A UTC timestamp as `2026-03-01 14:05:00Z` (the browser rewrites it to local time). */
export function fmtTime(ts: string | Date | null | undefined): string {
  if (!ts) return "–";
  const d = typeof ts === "string" ? new Date(ts) : ts;
  if (Number.isNaN(d.getTime())) return String(ts);
  return `${d.toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** Relative duration between two instants: `in 4 min`, `3 h ago`. */
export function fmtRelative(ts: string | Date | null | undefined, now: Date): string {
  if (!ts) return "–";
  const d = typeof ts === "string" ? new Date(ts) : ts;
  const s = Math.round((d.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(s);
  const text =
    abs < 60
      ? `${abs} s`
      : abs < 3600
        ? `${Math.round(abs / 60)} min`
        : abs < 86400 * 2
          ? `${fmtNum(abs / 3600, 1)} h`
          : `${Math.round(abs / 86400)} d`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

/** Builds a query string from defined, non-empty values. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== null && v !== undefined && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}

// Building time: timestamps of building data (values, charts, tables) are shown in the site's zone
// with the zone named, as building people read trends. Formatters are cached per zone.
const zoned = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(tz: string): Intl.DateTimeFormat {
  let f = zoned.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        weekday: "short",
        timeZoneName: "short",
      });
    } catch {
      f = zoneFormatter("UTC");
    }
    zoned.set(tz, f);
  }
  return f;
}

/** Wall-clock parts of an instant in IANA zone `tz` (an unknown zone reads as UTC). */
export function zonedParts(at: Date, tz: string) {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of zoneFormatter(tz).formatToParts(at)) parts[p.type] ??= p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hm: `${parts.hour}:${parts.minute}`,
    sec: parts.second ?? "00",
    weekday: parts.weekday ?? "",
    hour: Number(parts.hour ?? 0) % 24,
    zone: parts.timeZoneName ?? tz,
  };
}

/** `2026-03-01 06:15 EST` (seconds when `seconds`), in IANA zone `tz`; null → `–`. */
export function fmtZoned(
  ts: string | Date | null | undefined,
  tz: string,
  opts: { seconds?: boolean; zone?: boolean } = {},
): string {
  if (!ts) return "–";
  const d = typeof ts === "string" ? new Date(ts) : ts;
  if (Number.isNaN(d.getTime())) return String(ts);
  const p = zonedParts(d, tz);
  const time = opts.seconds ? `${p.hm}:${p.sec}` : p.hm;
  return opts.zone === false ? `${p.date} ${time}` : `${p.date} ${time} ${p.zone}`;
}

/** The zone's abbreviation at `at` (`EST`, `GMT+5:30`). */
export function zoneAbbr(tz: string, at: Date = new Date()): string {
  return zonedParts(at, tz).zone;
}

/** Offset of IANA zone `tz` at `at` as `UTC−05:00`. */
export function fmtOffset(tz: string, at: Date = new Date()): string {
  const p = zonedParts(at, tz);
  const [h, m] = p.hm.split(":").map(Number) as [number, number];
  const [y, mo, d] = p.date.split("-").map(Number) as [number, number, number];
  const local = Date.UTC(y, mo - 1, d, h, m, Number(p.sec));
  const off = Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const a = Math.abs(off);
  return `UTC${off < 0 ? "−" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

/** A value with its unit: `21.5 °C`, `true`, `–`. */
export function fmtValue(v: number | boolean | string | null | undefined, unit?: string | null): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return unit ? `${fmtNum(v)} ${unit}` : fmtNum(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return v;
}
