/** @jsxImportSource hono/jsx */
// The dashboard page: simulators and databases of the current org, live over `/events`.
import type { Hono } from "hono";
import type { DatabaseSummary } from "../../views/components/database-card.tsx";
import type { SimulatorSummary } from "../../views/components/simulator-card.tsx";
import { DashboardBody, DashboardPage } from "../../views/dashboard/index.tsx";
import type { Actor } from "../access/actor.ts";
import type { AppDeps, AppEnv } from "../app.ts";
import { listSimulators, type SimulatorView, simulatorMetrics } from "../simulator/service.ts";
import { page, pageContext } from "./context.ts";

/** A simulator as its dashboard card shows it (errors in the last 24 h included). */
export async function simulatorSummary(
  deps: AppDeps,
  actor: Actor,
  v: SimulatorView,
  orgKey: string,
): Promise<SimulatorSummary> {
  let errors24h = 0;
  try {
    errors24h = (await simulatorMetrics({ deps, actor, id: v.id })).error_count_24h ?? 0;
  } catch {
    errors24h = 0;
  }
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

export async function databaseSummaries(deps: AppDeps): Promise<DatabaseSummary[]> {
  const report = await deps.health.check(1500);
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
    const sims = p.org ? await listSimulators({ deps, actor: p.actor, orgId: p.org.id }) : [];
    const props = {
      simulators: await Promise.all(sims.map((s) => simulatorSummary(deps, p.actor, s, p.org!.key))),
      databases: await databaseSummaries(deps),
      canCreate: p.org?.role === "admin",
      now: new Date(),
    };
    return page(
      c,
      () => <DashboardPage shell={p.shell} live={`/events?topics=dashboard`} {...props} />,
      () => <DashboardBody {...props} />,
    );
  });
}
