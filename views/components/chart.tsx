/** @jsxImportSource hono/jsx */
// A time-series chart: an SVG drawn on the server (readable without JavaScript) plus the same data
// as a JSON block that public/app.js turns into an interactive uPlot chart.
import { fmtNum, fmtTime } from "../format.ts";

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

export function Chart(props: ChartProps) {
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
  const spec = {
    height: H,
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
            <text x={pad.l} y={H - 8}>
              {fmtTime(new Date(t0 * 1000))}
            </text>
            <text x={W - pad.r} y={H - 8} text-anchor="end">
              {fmtTime(new Date(t1 * 1000))}
            </text>
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
      <script type="application/json" dangerouslySetInnerHTML={{ __html: scriptJson(spec) }} />
    </figure>
  );
}
