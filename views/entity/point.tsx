/** @jsxImportSource hono/jsx */
// One point: its current value and status (live, `pt-<id>`), tags with refs by name, its chart over
// a chosen range in site time, CSV of the range, and for writable points the priority array with
// its write/release form (live, `pa-<id>`).
import { Chart, type ChartProps } from "../components/chart.tsx";
import { type CurrentValue, PointValue } from "../components/point-value.tsx";
import { TagsPanel } from "../components/tag-list.tsx";
import { qs, zoneAbbr } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";
import { type EntityHead, EntityHeader } from "./head.tsx";
import { PriorityArray, type PriorityProps } from "./priority-array.tsx";

export const POINT_RANGES: ReadonlyArray<[key: string, label: string]> = [
  ["6h", "6 hours"],
  ["1d", "1 day"],
  ["7d", "7 days"],
  ["30d", "30 days"],
];

export interface PointPageProps {
  head: EntityHead;
  unit: string | null;
  cur: CurrentValue | null;
  overridden: boolean;
  chart: ChartProps;
  rowCount: number;
  /** A preset key of POINT_RANGES, or `custom`. */
  range: string;
  /** The shown range as site wall-clock times (`YYYY-MM-DDTHH:MM`, for the inputs) and as instants. */
  fromLocal: string;
  toLocal: string;
  fromIso: string;
  toIso: string;
  rangeError?: string | null;
  /** Null for a point that is not writable. */
  priority: PriorityProps | null;
  now: Date;
}

export function PointPage(p: PointPageProps & { shell: Shell; live: string }) {
  const id = p.head.id;
  const base = `/explorer/entity/${id}`;
  const zone = zoneAbbr(p.head.tz, p.now);
  return (
    <Layout shell={p.shell} title={p.head.dis} live={p.live} chart>
      <EntityHeader head={p.head} now={p.now} />
      <p class="current">
        <span class="small muted">Current value </span>
        <PointValue pointId={id} cur={p.cur} tz={p.head.tz} showTime overridden={p.overridden} />
      </p>
      <section aria-labelledby="h-chart">
        <div class="spread">
          <h2 id="h-chart">History</h2>
          <nav class="presets" aria-label="Time range">
            {POINT_RANGES.map(([k, label]) => (
              <a href={`${base}${qs({ range: k })}`} aria-current={p.range === k ? "true" : undefined}>
                {label}
              </a>
            ))}
          </nav>
        </div>
        <form method="get" action={base} class="inline-fields panel range-form">
          <input type="hidden" name="range" value="custom" />
          <div class="field">
            <label for="p-from">From ({zone})</label>
            <input id="p-from" name="from" type="datetime-local" value={p.fromLocal} />
          </div>
          <div class="field">
            <label for="p-to">To ({zone})</label>
            <input id="p-to" name="to" type="datetime-local" value={p.toLocal} />
          </div>
          <button type="submit">Show</button>
          <a
            class="button secondary"
            href={`/explorer/chart.csv${qs({ points: id, from: p.fromIso, to: p.toIso })}`}
          >
            Download CSV
          </a>
        </form>
        {p.rangeError ? (
          <div class="flash error" role="alert">
            {p.rangeError}
          </div>
        ) : null}
        <Chart {...p.chart} />
        <p class="small muted">{p.rowCount} values in this range.</p>
      </section>
      <div class={p.priority ? "cols" : "stack"}>
        {p.priority ? <PriorityArray {...p.priority} /> : null}
        <TagsPanel tags={p.head.tags} />
      </div>
    </Layout>
  );
}
