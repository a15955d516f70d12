/** @jsxImportSource hono/jsx */
// The activity page: events of the org's simulators (or one), newest first, filtered and paged.
import type { Hono } from "hono";
import { type ActivityFilters, ActivityList, ActivityPage } from "../../views/activity/index.tsx";
import type { ActivityItemProps } from "../../views/components/activity-item.tsx";
import { isAppError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import type { ActivityRecord } from "../simulator/activity.ts";
import { ACTIVITY_TYPES } from "../simulator/activity.ts";
import { listActivity, listSimulators } from "../simulator/service.ts";
import { parseSiteLocal } from "./building.ts";
import { page, pageContext, requireOrg } from "./context.ts";
import { siteZone } from "./key-points.ts";

const PAGE = 50;

/** An activity record as the timeline shows it. */
export const activityItem = (a: ActivityRecord, simulatorName: string, tz?: string): ActivityItemProps => ({
  tz,
  id: a.id,
  simulatorId: a.simulator_id,
  simulatorName,
  type: a.event_type,
  message: a.message,
  details: a.details,
  at: new Date(a.timestamp).toISOString(),
});

export function mountActivityPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/activity", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const q = c.req.query();
    const filters: ActivityFilters = {
      simulator: /^\d+$/.test(q.simulator ?? "") ? q.simulator! : "",
      type: (ACTIVITY_TYPES as readonly string[]).includes(q.type ?? "") ? q.type! : "",
      since: q.since ?? "",
      until: q.until ?? "",
      page: Math.max(1, Math.min(1000, Number.parseInt(q.page ?? "1", 10) || 1)),
    };
    const sims = await listSimulators({ deps, actor: p.actor, orgId: org.id });
    const chosen = filters.simulator ? sims.filter((s) => String(s.id) === filters.simulator) : sims;
    // Without JavaScript each event reads in its simulator's site zone; the filters in the zone the
    // shown simulators share (UTC when they are in several).
    const zones = new Map(
      await Promise.all(sims.map(async (s) => [s.id, await siteZone(deps, p.actor, s)] as const)),
    );
    const shared = new Set(chosen.map((s) => zones.get(s.id)));
    const tz = shared.size === 1 ? ([...shared][0] ?? "UTC") : "UTC";
    const since = parseSiteLocal(filters.since, tz);
    const until = parseSiteLocal(filters.until, tz);
    let error: string | null = since === null || until === null ? "Enter times as YYYY-MM-DDTHH:MM." : null;
    const want = filters.page * PAGE + 1;
    let items: ActivityItemProps[] = [];
    if (!error) {
      try {
        const lists = await Promise.all(
          chosen.map(async (s) =>
            (
              await listActivity({
                deps,
                actor: p.actor,
                id: s.id,
                type: filters.type || undefined,
                since: since ?? undefined,
                until: until ?? undefined,
                limit: Math.min(1000, want),
              })
            ).map((a) => activityItem(a, s.name, zones.get(s.id))),
          ),
        );
        items = lists.flat().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : (b.id ?? 0) - (a.id ?? 0)));
      } catch (e) {
        if (!isAppError(e)) throw e;
        error = e.message;
      }
    }
    const props = {
      items: items.slice((filters.page - 1) * PAGE, filters.page * PAGE),
      hasMore: items.length > filters.page * PAGE,
      filters,
      simulators: sims.map((s) => ({ id: s.id, name: s.name })),
      types: ACTIVITY_TYPES,
      error,
      tz,
    };
    return page(
      c,
      () => <ActivityPage shell={p.shell} {...props} />,
      () => <ActivityList {...props} />,
    );
  });
}
