/** @jsxImportSource hono/jsx */
// The activity timeline: newest first, filters, paging, expandable details, new events live.
import { ActivityItem, type ActivityItemProps } from "../components/activity-item.tsx";
import { qs, zoneAbbr } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface ActivityFilters {
  simulator: string;
  type: string;
  since: string;
  until: string;
  page: number;
}

export interface ActivityProps {
  items: readonly ActivityItemProps[];
  filters: ActivityFilters;
  simulators: ReadonlyArray<{ id: number; name: string }>;
  types: readonly string[];
  hasMore: boolean;
  error?: string | null;
  /** The zone the since/until fields are read in: the site's (shared by the shown simulators), else UTC. */
  tz: string;
}

export function ActivityList(p: ActivityProps) {
  const f = p.filters;
  const link = (page: number) =>
    `/activity${qs({ simulator: f.simulator, type: f.type, since: f.since, until: f.until, page: page > 1 ? page : null })}`;
  const live = f.page === 1 && !f.until;
  return (
    <div id="activity-results">
      {p.error ? (
        <div class="flash error" role="alert">
          {p.error}
        </div>
      ) : null}
      {p.items.length === 0 ? <p class="muted">No activity matches.</p> : null}
      <ul
        class="timeline"
        id="activity-list"
        sse-swap={live && !f.type && !f.simulator ? "activity" : undefined}
        hx-swap="afterbegin"
      >
        {p.items.map((a) => (
          <ActivityItem ev={a} />
        ))}
      </ul>
      <nav class="pager" aria-label="Pages">
        {f.page > 1 ? <a href={link(f.page - 1)}>← Newer</a> : <span />}
        {p.hasMore ? <a href={link(f.page + 1)}>Older →</a> : <span />}
      </nav>
    </div>
  );
}

const zoneLabel = (tz: string) => (tz === "UTC" ? "UTC" : `site time, ${zoneAbbr(tz)}`);

export function ActivityPage(p: ActivityProps & { shell: Shell }) {
  const f = p.filters;
  return (
    <Layout shell={p.shell} title="Activity" live="/events?topics=activity">
      <h1>Activity</h1>
      <form
        method="get"
        action="/activity"
        class="panel inline-fields"
        hx-get="/activity"
        hx-target="#activity-results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="change, submit"
      >
        <div class="field">
          <label for="a-sim">Simulator</label>
          <select id="a-sim" name="simulator">
            <option value="">All</option>
            {p.simulators.map((s) => (
              <option value={String(s.id)} selected={f.simulator === String(s.id)}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="a-type">Event type</label>
          <select id="a-type" name="type">
            <option value="">All</option>
            {p.types.map((t) => (
              <option value={t} selected={f.type === t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="a-since">Since ({zoneLabel(p.tz)})</label>
          <input id="a-since" name="since" type="datetime-local" value={f.since} />
        </div>
        <div class="field">
          <label for="a-until">Until ({zoneLabel(p.tz)})</label>
          <input id="a-until" name="until" type="datetime-local" value={f.until} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <ActivityList {...p} />
    </Layout>
  );
}
