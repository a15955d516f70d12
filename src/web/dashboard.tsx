/** @jsxImportSource hono/jsx */
// The dashboard page: simulators and databases of the current org, live over `/events`.
import type { Hono } from "hono";
import type { DatabaseSummary } from "../../views/components/database-card.tsx";
import type { SimulatorSummary } from "../../views/components/simulator-card.tsx";
import { DashboardBody, DashboardPage } from "../../views/dashboard/index.tsx";
import type { Actor } from "../access/actor.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { listSimulators, type SimulatorView, simulatorErrors24h } from "../simulator/service.ts";
import { page, pageContext } from "./context.ts";

/** Errors in the last 24 h of each simulator (one query); 0 for all when they cannot be counted. */
async function errorCounts(deps: AppDeps, actor: Actor, views: readonly SimulatorView[]) {
  try {
    return (await simulatorErrors24h({ deps, actor, simulators: views })) ?? new Map<number, number>();
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
  const errors24h = (errors ?? (await errorCounts(deps, actor, [v]))).get(v.id) ?? 0;
  return {
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

/** The cards of several simulators of one org, their errors counted in one query. */
export async function simulatorSummaries(
  deps: AppDeps,
  actor: Actor,
  views: readonly SimulatorView[],
  orgKey: string,
): Promise<SimulatorSummary[]> {
  const errors = await errorCounts(deps, actor, views);
  return Promise.all(views.map((v) => simulatorSummary(deps, actor, v, orgKey, errors)));
}

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
  }));
}

export function mountDashboard(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/", async (c) => {
    const p = await pageContext(c, deps);
    const [sims, databases] = await Promise.all([
      p.org ? listSimulators({ deps, actor: p.actor, orgId: p.org.id }) : Promise.resolve([]),
      databaseSummaries(deps),
    ]);
    const props = {
      simulators: await simulatorSummaries(deps, p.actor, sims, p.org?.key ?? ""),
      databases,
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
