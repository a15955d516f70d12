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
