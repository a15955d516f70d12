/** @jsxImportSource hono/jsx */
// Any other entity (a site, a weather station, a space): its tags with refs by name, the equipment
// that names it, and the points directly under it with their current values (live, `pt-<id>`).
import { entityHref, type RefTarget } from "../components/ref-link.tsx";
import { TagsPanel } from "../components/tag-list.tsx";
import { fmtInt } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";
import { type PointRow, PointTable } from "./equip.tsx";
import { type EntityHead, EntityHeader } from "./head.tsx";

export interface EntityPageProps {
  head: EntityHead;
  equips: ReadonlyArray<RefTarget & { points: number }>;
  points: readonly PointRow[];
  sparkHours: number;
  now: Date;
}

export function EntityPage(p: EntityPageProps & { shell: Shell; live: string }) {
  return (
    <Layout shell={p.shell} title={p.head.dis} live={p.live}>
      <EntityHeader head={p.head} now={p.now} />
      <div class="cols">
        <div class="stack">
          {p.equips.length > 0 ? (
            <section aria-labelledby="h-equips">
              <h2 id="h-equips">Equipment</h2>
              <ul class="equip-list">
                {p.equips.map((e) => (
                  <li>
                    <a href={entityHref(e.id)}>{e.dis ?? e.ref ?? e.id}</a>{" "}
                    <span class="small muted">{fmtInt(e.points)} points</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {p.points.length > 0 ? (
            <section aria-labelledby="h-points">
              <h2 id="h-points">Points</h2>
              <PointTable points={p.points} tz={p.head.tz} sparkHours={p.sparkHours} />
            </section>
          ) : null}
          {p.equips.length === 0 && p.points.length === 0 ? (
            <p class="muted">Nothing refers to this entity.</p>
          ) : null}
        </div>
        <TagsPanel tags={p.head.tags} />
      </div>
    </Layout>
  );
}
