/** @jsxImportSource hono/jsx */
// The dashboard page: per simulator of the current org a live card (key readings, the main meter's
// day, status, progress), values written per second, databases (status, latency, backlog, lag) and
// the latest errors, live over `/events`.
import type { Hono } from "hono";
import type { ActivityItemProps } from "../../views/components/activity-item.tsx";
import type { DatabaseSummary } from "../../views/components/database-card.tsx";
import type { IngestRate } from "../../views/components/ingest-rate.tsx";
import type { SimulatorSummary } from "../../views/components/simulator-card.tsx";
import { DashboardBody, DashboardPage } from "../../views/dashboard/index.tsx";
import type { Actor } from "../access/actor.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { ingestRates } from "../ingest/rate.ts";
import {
  listActivity,
  listSimulators,
  type SimulatorView,
  simulatorErrors24h,
} from "../simulator/service.ts";
import { activityItem } from "./activity.tsx";
import { currentValues, trends } from "./building.ts";
import { page, pageContext } from "./context.ts";
import { keyPoints, siteZone } from "./key-points.ts";
import { pageData } from "./page-cache.ts";

/** Errors the dashboard lists, and buckets of the main meter's 24 h trend. */
const RECENT_ERRORS = 5;
const METER_BUCKETS = 48;

/** How long dashboard data is kept at most while no event of its org arrives. */
const KEEP_MS = 60_000;

/**
 * How long the org's simulator list is kept at most while no event of the org arrives: its status,
 * name, configuration and checkpoint change only with an event (every control verb, rename, config
 * edit, create and delete logs an activity, `activity:logged`; the runtime publishes status changes
 * and intervals), but a run's live figures (next run, fill progress) move without one.
 */
const LIST_KEEP_MS = 2_000;

/**
 * The org's simulators as `listSimulators` gives them, kept per viewer until an event of the org.
 * The views are shared between requests: callers must not change them.
 */
export function orgSimulators(deps: AppDeps, actor: Actor, orgId: number): Promise<SimulatorView[]> {
  return pageData(deps, { actor, orgId, key: "simulators", changesWith: "org", maxAgeMs: LIST_KEEP_MS }, () =>
    listSimulators({ deps, actor, orgId }),
  );
}

/** Errors in the last 24 h of each simulator (one query); 0 for all when they cannot be counted. */
async function errorCounts(deps: AppDeps, actor: Actor, views: readonly SimulatorView[]) {
  const count = async () => {
    const counts = await simulatorErrors24h({ deps, actor, simulators: views });
    if (!counts) throw new Error("not counted"); // not kept: counted again on the next request
    return counts;
  };
  try {
    const orgId = views[0]?.org_id;
    if (orgId === undefined || views.some((v) => v.org_id !== orgId)) return await count();
    // the window moves with the clock: kept within its minute
    const minute = Math.floor(deps.clock.now().getTime() / 60_000);
    const ids = views.map((v) => v.id).join(",");
    const key = `errors24h|${ids}|${minute}`;
    return await pageData(deps, { actor, orgId, key, changesWith: "org", maxAgeMs: KEEP_MS }, count);
  } catch {
    return new Map<number, number>();
  }
}

/**
 * A simulator as its dashboard card shows it (errors in the last 24 h included: from `errors` when
 * the caller counted them for several cards at once, else counted here).
 */
export async function simulatorSummary(
  deps: AppDeps,
  actor: Actor,
  v: SimulatorView,
  orgKey: string,
  errors?: ReadonlyMap<number, number>,
): Promise<SimulatorSummary> {
  const [counts, tz] = await Promise.all([errors ?? errorCounts(deps, actor, [v]), siteZone(deps, actor, v)]);
  const errors24h = counts.get(v.id) ?? 0;
  return {
    tz,
    id: v.id,
    key: v.key,
    name: v.name,
    orgKey,
    template: v.template,
    status: v.status,
    desired: v.desired_status,
    lastInterval: v.last_interval,
    nextRun: v.next_run,
    pointsWritten: v.points_written,
    errors24h,
    lastDurationMs: v.last_duration_ms,
    errorMessage: v.error,
    intervalMinutes: v.interval_minutes,
  };
}

/**
 * The cards of several simulators of one org, their errors counted in one query; with `live`, the
 * dashboard's live cards (key readings, the main meter's day).
 */
export async function simulatorSummaries(
  deps: AppDeps,
  actor: Actor,
  views: readonly SimulatorView[],
  orgKey: string,
  live = false,
): Promise<SimulatorSummary[]> {
  const errors = await errorCounts(deps, actor, views);
  const one = live ? simulatorCard : simulatorSummary;
  return Promise.all(views.map((v) => one(deps, actor, v, orgKey, errors)));
}

/**
 * A simulator's live card: its summary plus key readings (main meter, outside air, a zone, the
 * running plant), the main meter over the 24 h before its last interval, and any fill in progress.
 * Readings that cannot be read leave the card as it is.
 */
export async function simulatorCard(
  deps: AppDeps,
  actor: Actor,
  v: SimulatorView,
  orgKey: string,
  errors?: ReadonlyMap<number, number>,
): Promise<SimulatorSummary> {
  const summary = await simulatorSummary(deps, actor, v, orgKey, errors);
  const base = { ...summary, progress: v.progress ?? null };
  try {
    // the readings change with new values, each of which publishes an event of the org
    const key = `card|${v.id}|${v.updated_at}|${v.last_interval}`;
    const live = await pageData(
      deps,
      { actor, orgId: v.org_id, key, changesWith: "org", maxAgeMs: KEEP_MS },
      () => cardReadings(deps, actor, v),
    );
    return { ...base, ...live };
  } catch (e) {
    deps.log.warn("dashboard readings not available", { simulator: v.id, error: String(e) });
    return base;
  }
}

/** A card's key readings, the main meter over the 24 h before the last interval, and its zone. */
async function cardReadings(
  deps: AppDeps,
  actor: Actor,
  v: SimulatorView,
): Promise<Pick<SimulatorSummary, "tz" | "readings" | "meter">> {
  const keys = await keyPoints(deps, actor, v);
  const meter = keys.points.find((k) => k.role === "meter");
  const to = v.last_interval ? new Date(Date.parse(v.last_interval) + 1000) : deps.clock.now();
  const [cur, trend] = await Promise.all([
    currentValues(deps, actor, v.org_id, keys.points),
    meter
      ? trends({
          deps,
          actor,
          orgId: v.org_id,
          points: [meter.id],
          from: new Date(to.getTime() - 86_400_000),
          to,
          buckets: METER_BUCKETS,
        })
      : Promise.resolve(new Map<number, Array<number | null>>()),
  ]);
  return {
    tz: keys.tz,
    readings: keys.points.map((k) => ({ pointId: k.id, label: k.label, cur: cur.get(k.id) ?? null })),
    meter: meter
      ? {
          pointId: meter.id,
          label: `${meter.label} power`,
          unit: meter.unit,
          values: trend.get(meter.id) ?? [],
        }
      : null,
  };
}

/** The latest error events of these simulators, newest first. */
export async function recentErrors(
  deps: AppDeps,
  actor: Actor,
  views: readonly SimulatorView[],
): Promise<ActivityItemProps[]> {
  const orgId = views[0]?.org_id;
  if (orgId === undefined) return [];
  // new errors are `activity:logged` events of the org
  if (views.every((v) => v.org_id === orgId))
    return pageData(
      deps,
      {
        actor,
        orgId,
        key: `recent-errors|${views.map((v) => v.id).join(",")}`,
        changesWith: "org",
        maxAgeMs: KEEP_MS,
      },
      () => readRecentErrors(deps, actor, views),
    );
  return readRecentErrors(deps, actor, views);
}

async function readRecentErrors(
  deps: AppDeps,
  actor: Actor,
  views: readonly SimulatorView[],
): Promise<ActivityItemProps[]> {
  const lists = await Promise.all(
    views.map(async (s) => {
      const [events, tz] = await Promise.all([
        listActivity({ deps, actor, id: s.id, type: "error", limit: RECENT_ERRORS }).catch(() => []),
        siteZone(deps, actor, s),
      ]);
      return events.map((a) => activityItem(a, s.name, tz));
    }),
  );
  return lists
    .flat()
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, RECENT_ERRORS);
}

/** Values written per second in the org over the last minutes (REST and simulators). */
export const ingestRate = (deps: AppDeps, orgId: number | null): IngestRate =>
  orgId === null ? { bucketSeconds: 10, rest: [], simulators: [] } : ingestRates(deps).snapshot(orgId);

/**
 * The databases' cards. One ping per database (timeout 1.5 s) answers every request in the same
 * second: concurrent pages and the SSE ticks of many dashboard clients share it.
 */
export async function databaseSummaries(deps: AppDeps): Promise<DatabaseSummary[]> {
  const report = await deps.health.recent(1000, 1500);
  return report.databases.map((d) => ({
    key: d.key,
    role: d.role,
    status: d.status,
    latencyMs: d.latency_ms,
    engine: d.engine,
    backlog: d.backlog,
    lagSeconds: d.lag_seconds ?? null,
  }));
}

export function mountDashboard(app: Hono<AppEnv>, deps: AppDeps): void {
  ingestRates(deps); // counts from the start of the process, not from the first view
  app.get("/", async (c) => {
    const p = await pageContext(c, deps);
    const [sims, databases] = await Promise.all([
      p.org ? orgSimulators(deps, p.actor, p.org.id) : Promise.resolve([]),
      databaseSummaries(deps),
    ]);
    const [simulators, errors] = await Promise.all([
      simulatorSummaries(deps, p.actor, sims, p.org?.key ?? "", true),
      recentErrors(deps, p.actor, sims),
    ]);
    const props = {
      simulators,
      databases,
      ingest: ingestRate(deps, p.org?.id ?? null),
      errors,
      canCreate: p.org?.role === "admin",
      now: deps.clock.now(),
    };
    return page(
      c,
      () => <DashboardPage shell={p.shell} live={`/events?topics=dashboard`} {...props} />,
      () => <DashboardBody {...props} />,
    );
  });
}
