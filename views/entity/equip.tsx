/** @jsxImportSource hono/jsx */
// One piece of equipment: its tags (refs by name), the equipment it serves or is served by, and its
// points with their current value and status (live over SSE, `pt-<id>`) and a trend of the last
// hours per point.
import { type CurrentValue, PointValue } from "../components/point-value.tsx";
import { entityHref, RefLink, type RefTarget } from "../components/ref-link.tsx";
import { Sparkline } from "../components/sparkline.tsx";
import { TagsPanel } from "../components/tag-list.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";
import { type EntityHead, EntityHeader } from "./head.tsx";

export interface PointRow {
  id: number;
  ref: string | null;
  dis: string;
  /** What the point measures or commands, from its markers (`discharge air temp sensor`). */
  what: string;
  unit: string | null;
  writable: boolean;
  cur: CurrentValue | null;
  /** Values of the last `sparkHours`, oldest first, evenly spaced; null where none. */
  spark: ReadonlyArray<number | null>;
  /** A priority-array level is in effect. */
  overridden: boolean;
}

export interface EquipPageProps {
  head: EntityHead;
  points: readonly PointRow[];
  /** Equipment whose refs name this one (VAVs of an AHU, meters under a meter). */
  served: readonly RefTarget[];
  sparkHours: number;
  now: Date;
}

export function PointTable(p: { points: readonly PointRow[]; tz: string; sparkHours: number }) {
  if (p.points.length === 0) return <p class="muted">No points.</p>;
  return (
    <div class="table-wrap">
      <table class="points">
        <caption class="visually-hidden">Points and their current values</caption>
        <thead>
          <tr>
            <th scope="col">Point</th>
            <th scope="col">Current value</th>
            <th scope="col" class="hide-sm">
              Last {p.sparkHours} h
            </th>
          </tr>
        </thead>
        <tbody>
          {p.points.map((x) => (
            <tr data-point={x.id}>
              <td>
                <a href={entityHref(x.id)}>{x.dis}</a>
                {x.writable ? <span class="tag writable">writable</span> : null}
                <div class="small muted">{x.what}</div>
              </td>
              <td>
                <PointValue pointId={x.id} cur={x.cur} tz={p.tz} showTime overridden={x.overridden} />
              </td>
              <td class="hide-sm spark-cell">
                <Sparkline values={x.spark} label={`${x.dis}, last ${p.sparkHours} h`} unit={x.unit} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EquipPage(p: EquipPageProps & { shell: Shell; live: string }) {
  return (
    <Layout shell={p.shell} title={p.head.dis} live={p.live}>
      <EntityHeader head={p.head} now={p.now} />
      <div class="cols">
        <section aria-labelledby="h-points">
          <div class="spread">
            <h2 id="h-points">Points</h2>
            {p.points.length > 0 ? (
              <a
                class="button secondary"
                href={`/explorer/chart?points=${p.points
                  .slice(0, 8)
                  .map((x) => x.id)
                  .join(",")}`}
              >
                Chart {Math.min(8, p.points.length)} points
              </a>
            ) : null}
          </div>
          <PointTable points={p.points} tz={p.head.tz} sparkHours={p.sparkHours} />
        </section>
        <div class="stack">
          <TagsPanel tags={p.head.tags} />
          {p.served.length > 0 ? (
            <section class="panel" aria-labelledby="h-served">
              <h2 id="h-served">Related equipment</h2>
              <ul class="plain">
                {p.served.map((r) => (
                  <li>
                    <RefLink target={r} />
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      </div>
    </Layout>
  );
}
