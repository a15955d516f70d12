// Chart data for pages: values of a few points over a range, aligned on one time axis, as the
// props of views/components/chart.tsx. Reads go through the ingest and Haystack services.

import type { ChartProps } from "../../views/components/chart.tsx";
import type { Actor } from "../access/actor.ts";
import type { FilterResult, FilterTagRow } from "../catalog/filter.ts";
import type { AppDeps } from "../http/env.ts";
import { readPointValues } from "../ingest/read.ts";
import type { SimulatorView } from "../simulator/service.ts";
import { keyPoints } from "./key-points.ts";

/** A tag's value as display text (markers as ✓, refs as @id). */
export function tagText(t: FilterTagRow): string {
  if (t.value_s !== null) return t.value_s;
  if (t.value_n !== null) return String(t.value_n);
  if (t.value_ts !== null) return t.value_ts;
  if (t.value_ref !== null) return `@${t.value_ref}`;
  if (t.value_enum !== null) return String(t.value_enum);
  if (t.value_b !== null) return t.value_b ? "✓" : "false";
  return "✓";
}

export const tagOf = (r: FilterResult, name: string): string | null => {
  const t = r.tags.find((x) => x.tag_name === name);
  return t ? tagText(t) : null;
};

export interface PointInfo {
  entityId: number;
  name: string;
  unit: string | null;
}

/** Values of `points` with `from <= ts < to`, as chart props (at most `maxRows` rows in all). */
export async function pointsChart(opts: {
  deps: AppDeps;
  actor: Actor;
  orgId: number;
  points: readonly PointInfo[];
  from: Date;
  to: Date;
  title: string;
  maxRows?: number;
  /** IANA zone of the points' site: the chart's time axis. */
  tz?: string;
}): Promise<{
  chart: ChartProps;
  rows: Array<{ ts: Date; entity_id: number; value: string | number | boolean | null }>;
}> {
  const rows = await readPointValues({
    deps: opts.deps,
    actor: opts.actor,
    orgId: opts.orgId,
    points: opts.points.map((p) => p.entityId),
    from: opts.from,
    to: opts.to,
    skip: 0,
    limit: opts.maxRows ?? 10_000,
  });
  rows.reverse();
  const xs = [...new Set(rows.map((r) => Math.floor(new Date(r.ts).getTime() / 1000)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const series = opts.points.map((p) => ({
    name: p.name,
    unit: p.unit,
    values: new Array<number | null>(xs.length).fill(null),
  }));
  const idx = new Map(opts.points.map((p, i) => [p.entityId, i]));
  for (const r of rows) {
    const i = idx.get(r.entity_id);
    const x = at.get(Math.floor(new Date(r.ts).getTime() / 1000));
    if (i === undefined || x === undefined) continue;
    const v = r.value_n ?? (r.value_b === null ? null : r.value_b ? 1 : 0);
    series[i]!.values[x] = v === null ? null : Number(v);
  }
  return {
    chart: { title: opts.title, x: xs, series, tz: opts.tz ?? "UTC" },
    rows: rows.map((r) => ({
      ts: new Date(r.ts),
      entity_id: r.entity_id,
      value:
        r.value_n !== null
          ? Number(r.value_n)
          : (r.value_b ?? r.value_s ?? (r.value_ts ? String(r.value_ts) : null)),
    })),
  };
}

/**
 * A chart of a simulator's key points (main meter, outside air, a zone, the running plant) over
 * the day before its last interval, in its site's time.
 */
export async function simulatorChart(
  deps: AppDeps,
  actor: Actor,
  v: SimulatorView,
): Promise<ChartProps | null> {
  if (!v.last_interval) return null;
  const keys = await keyPoints(deps, actor, v);
  if (keys.points.length === 0) return null;
  const to = new Date(Date.parse(v.last_interval) + 1000);
  const from = new Date(to.getTime() - 86_400_000);
  const { chart } = await pointsChart({
    deps,
    actor,
    orgId: v.org_id,
    points: keys.points.map((k) => ({ entityId: k.id, name: k.dis, unit: k.unit })),
    from,
    to,
    title: `${v.name}: key points`,
    tz: keys.tz,
  });
  return chart;
}
