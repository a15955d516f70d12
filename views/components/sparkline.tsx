/** @jsxImportSource hono/jsx */
// A small trend line drawn on the server (no JavaScript): one series, gaps left open, scaled to its
// own range. The label names the range and the last value for screen readers and tooltips.
import { fmtNum } from "../format.ts";

export interface SparklineProps {
  values: ReadonlyArray<number | null>;
  /** What the line shows, e.g. `Main meter power, last 24 h`. */
  label: string;
  unit?: string | null;
  width?: number;
  height?: number;
}

/** Missing values bridged by the line (more break it). */
const MAX_BRIDGE = 2;

/** The SVG path of `values` in a `w` × `h` box (runs of more than two nulls break the line). */
export function sparkPath(values: ReadonlyArray<number | null>, w: number, h: number): string {
  const nums = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length === 0) return "";
  let lo = Math.min(...nums);
  let hi = Math.max(...nums);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const n = values.length;
  const dx = n > 1 ? w / (n - 1) : 0;
  // a missing bucket or two (data coarser than the buckets) is bridged; longer gaps break the line
  let d = "";
  let last = -Infinity;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    const x = n > 1 ? i * dx : w / 2;
    const y = 1 + (1 - (v - lo) / (hi - lo)) * (h - 2);
    d += `${i - last <= MAX_BRIDGE + 1 ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    last = i;
  });
  return d;
}

export function Sparkline(p: SparklineProps) {
  const w = p.width ?? 120;
  const h = p.height ?? 28;
  const nums = p.values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (nums.length < 2) return <span class="spark-empty small muted">no trend yet</span>;
  const u = p.unit ? ` ${p.unit}` : "";
  const text = `${p.label}: ${fmtNum(Math.min(...nums))} to ${fmtNum(Math.max(...nums))}${u}, last ${fmtNum(nums[nums.length - 1])}${u}`;
  return (
    <svg
      class="spark"
      viewBox={`0 0 ${w} ${h}`}
      width={w}
      height={h}
      preserveAspectRatio="none"
      role="img"
      aria-label={text}
    >
      <title>{text}</title>
      <path
        d={sparkPath(p.values, w, h)}
        fill="none"
        stroke="currentColor"
        stroke-width="1.5"
        vector-effect="non-scaling-stroke"
      />
    </svg>
  );
}
