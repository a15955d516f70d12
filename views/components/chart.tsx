/** @jsxImportSource hono/jsx */
// A time-series chart: an SVG drawn on the server (readable without JavaScript) plus the same data
// as a JSON block that public/app.js turns into an interactive uPlot chart. Building data: the time
// axis is in the site's zone (`tz`), named under the chart, on both the SVG and the uPlot chart.
import { fmtNum, fmtZoned, zoneAbbr, zonedParts } from "../format.ts";

export interface ChartSeries {
  name: string;
  unit: string | null;
  /** One value per x; null is a gap. */
  values: ReadonlyArray<number | null>;
}

export interface ChartProps {
  title: string;
  /** Epoch seconds, ascending. */
  x: readonly number[];
  series: readonly ChartSeries[];
  height?: number;
  /** IANA zone of the site the points belong to (the axis and the summary use it); default UTC. */
  tz?: string;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2"];
const W = 800;

/** JSON safe inside a script element: `<` never appears literally. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function path(
  x: readonly number[],
  ys: ReadonlyArray<number | null>,
  sx: (t: number) => number,
  sy: (v: number) => number,
) {
  let d = "";
  let pen = false;
  for (let i = 0; i < x.length; i++) {
    const v = ys[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${sx(x[i]!).toFixed(1)},${sy(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

const HOUR = 3600;

/**
 * Axis ticks on whole local hours (or local midnights) of zone `tz` between `t0` and `t1` (epoch
 * seconds), at most about 8: `06:00`, or `Tue 2` at midnight.
 */
export function localTicks(t0: number, t1: number, tz: string): Array<{ t: number; label: string }> {
  const span = t1 - t0;
  if (!(span > 0)) return [];
  const stepH = [1, 2, 3, 6, 12].find((h) => span / (h * HOUR) <= 8);
  const dayStep = stepH ? 0 : Math.max(1, Math.ceil(span / (86_400 * 8)));
  // whole local hours: the first from the local minute at t0 (zones off by :30 or :45 too)
  const first = zonedParts(new Date(t0 * 1000), tz);
  let start = t0 - Number(first.sec) - Number(first.hm.slice(3, 5)) * 60;
  if (start < t0) start += HOUR;
  const out: Array<{ t: number; label: string }> = [];
  let days = 0;
  for (let t = start; t <= t1; t += HOUR) {
    const p = zonedParts(new Date(t * 1000), tz);
    if (p.hm.slice(3, 5) !== "00") continue;
    const midnight = p.hour === 0;
    if (stepH) {
      if (p.hour % stepH !== 0) continue;
      out.push({ t, label: midnight ? `${p.weekday} ${Number(p.date.slice(8, 10))}` : p.hm });
    } else if (midnight) {
      if (days++ % dayStep === 0) out.push({ t, label: `${p.weekday} ${Number(p.date.slice(8, 10))}` });
    }
  }
  return out;
}

/** The lowest and highest value of a series and when they happened. */
function extremes(x: readonly number[], values: ReadonlyArray<number | null>) {
  let lo: { v: number; t: number } | null = null;
  let hi: { v: number; t: number } | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (!lo || v < lo.v) lo = { v, t: x[i]! };
    if (!hi || v > hi.v) hi = { v, t: x[i]! };
  }
  return { lo, hi };
}

export function Chart(props: ChartProps) {
  const tz = props.tz ?? "UTC";
  const H = props.height ?? 320;
  const pad = { l: 56, r: 12, t: 12, b: 28 };
  const { x } = props;
  const all = props.series.flatMap((s) =>
    s.values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  const empty = x.length === 0 || all.length === 0;
  let lo = empty ? 0 : Math.min(...all);
  let hi = empty ? 1 : Math.max(...all);
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const t0 = x[0] ?? 0;
  const t1 = x[x.length - 1] ?? 1;
  const sx = (t: number) => pad.l + ((t - t0) / (t1 - t0 || 1)) * (W - pad.l - pad.r);
  const sy = (v: number) => pad.t + (1 - (v - lo) / (hi - lo)) * (H - pad.t - pad.b);
  const ticks = empty ? [] : localTicks(t0, t1, tz);
  const zone = `${zoneAbbr(tz, new Date(t1 * 1000))}, ${tz}`;
  const spec = {
    height: H,
    tz,
    zone,
    x: props.x,
    series: props.series.map((s) => ({ name: s.name, unit: s.unit })),
    ys: props.series.map((s) => s.values),
  };
  return (
    <figure class="chart" data-chart>
      {empty ? (
        <p class="fallback">No values in this range.</p>
      ) : (
        <svg
          class="fallback-chart"
          viewBox={`0 0 ${W} ${H}`}
          role="img"
          aria-label={`${props.title}: ${props.series.map((s) => s.name).join(", ")}`}
        >
          <g stroke="currentColor" stroke-opacity="0.25">
            <line x1={pad.l} y1={pad.t} x2={pad.l} y2={H - pad.b} />
            <line x1={pad.l} y1={H - pad.b} x2={W - pad.r} y2={H - pad.b} />
            <line
              x1={pad.l}
              y1={sy((lo + hi) / 2)}
              x2={W - pad.r}
              y2={sy((lo + hi) / 2)}
              stroke-dasharray="4 4"
            />
          </g>
          <g fill="currentColor" font-size="11" opacity="0.75">
            <text x={pad.l - 4} y={pad.t + 10} text-anchor="end">
              {fmtNum(hi)}
            </text>
            <text x={pad.l - 4} y={H - pad.b} text-anchor="end">
              {fmtNum(lo)}
            </text>
          </g>
          <g class="x-ticks" fill="currentColor" font-size="11" opacity="0.75" text-anchor="middle">
            {ticks.map((k) => (
              <>
                <line
                  x1={sx(k.t)}
                  x2={sx(k.t)}
                  y1={H - pad.b}
                  y2={H - pad.b + 4}
                  stroke="currentColor"
                  stroke-opacity="0.4"
                />
                <text x={sx(k.t)} y={H - 8} data-t={k.t}>
                  {k.label}
                </text>
              </>
            ))}
          </g>
          {props.series.map((s, i) => (
            <path
              d={path(x, s.values, sx, sy)}
              fill="none"
              stroke={PALETTE[i % PALETTE.length]}
              stroke-width="1.5"
            />
          ))}
        </svg>
      )}
      <figcaption class="small">
        {props.series.map((s, i) => (
          <span class="legend-item">
            <span class={`swatch s${i % PALETTE.length}`} aria-hidden="true" />
            {s.unit ? `${s.name} (${s.unit})` : s.name}
          </span>
        ))}
      </figcaption>
      {empty ? null : (
        <div class="chart-summary small">
          <p class="muted chart-zone">Times in site time: {zone}</p>
          <ul>
            {props.series.map((s) => {
              const e = extremes(x, s.values);
              const u = s.unit ? ` ${s.unit}` : "";
              return e.lo && e.hi ? (
                <li data-series={s.name}>
                  {s.name}: lowest{" "}
                  <span class="ext-lo" data-t={e.lo.t}>
                    {fmtNum(e.lo.v)}
                    {u} at {fmtZoned(new Date(e.lo.t * 1000), tz)}
                  </span>
                  , highest{" "}
                  <span class="ext-hi" data-t={e.hi.t}>
                    {fmtNum(e.hi.v)}
                    {u} at {fmtZoned(new Date(e.hi.t * 1000), tz)}
                  </span>
                </li>
              ) : (
                <li>{s.name}: no values</li>
              );
            })}
          </ul>
        </div>
      )}
      <script type="application/json" dangerouslySetInnerHTML={{ __html: scriptJson(spec) }} />
    </figure>
  );
}
