/** @jsxImportSource hono/jsx */
// Live updates of the pages over `/events`: broker events become HTML fragments rendered by the
// same components as the pages. Topics (from the page): `dashboard` (simulator cards, databases),
// `activity` (new timeline entries), `sim:<id>` (a simulator page: status, progress, activity).
import type { Hono } from "hono";
import { ActivityItem } from "../../views/components/activity-item.tsx";
import { DatabaseCards } from "../../views/components/database-card.tsx";
import { SimulatorCard } from "../../views/components/simulator-card.tsx";
import { SimulatorLive } from "../../views/simulators/detail.tsx";
import type { AppDeps, AppEnv } from "../http/env.ts";
import type { BrokerEvent } from "../realtime/broker.ts";
import { type SseClient, type SseMessage, sseResponse } from "../realtime/sse.ts";
import { getSimulator, type SimulatorView } from "../simulator/service.ts";
import { pageContext } from "./context.ts";
import { databaseSummaries, simulatorSummary } from "./dashboard.tsx";

const html = async (node: unknown): Promise<string> =>
  String(await (node as { toString(): string | Promise<string> }).toString());

/** Renders one batch of events for one client (simulator updates coalesced per simulator). */
export async function renderEvents(
  deps: AppDeps,
  client: SseClient,
  events: readonly BrokerEvent[],
): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  const touched = new Set<number>();
  const views = new Map<number, SimulatorView | null>();
  const viewOf = async (id: number) => {
    if (!views.has(id)) {
      try {
        views.set(id, await getSimulator({ deps, actor: client.actor, id }));
      } catch {
        views.set(id, null);
      }
    }
    return views.get(id) ?? null;
  };
  for (const ev of events) {
    const data = (ev.data ?? {}) as Record<string, unknown>;
    const simId = typeof data.simulator_id === "number" ? data.simulator_id : null;
    if (simId === null) continue;
    if (ev.type.startsWith("simulator:")) touched.add(simId);
    if (ev.type === "activity:logged") {
      touched.add(simId);
      const wantsAll = client.topics.has("activity");
      const wantsSim = client.topics.has(`sim:${simId}`);
      if (!wantsAll && !wantsSim) continue;
      const v = await viewOf(simId);
      if (!v) continue;
      const item = {
        id: null,
        simulatorId: simId,
        simulatorName: v.name,
        type: String(data.event_type ?? ""),
        message: String(data.message ?? ""),
        details: (data.details as Record<string, unknown> | null) ?? null,
        at: String(data.timestamp ?? ev.at),
      };
      out.push({
        event: "activity",
        data: await html(<ActivityItem ev={item} fresh showSimulator={!wantsSim} />),
      });
    }
  }
  for (const id of touched) {
    const dash = client.topics.has("dashboard");
    const detail = client.topics.has(`sim:${id}`);
    if (!dash && !detail) continue;
    const v = await viewOf(id);
    if (!v) continue;
    const summary = await simulatorSummary(deps, client.actor, v, "");
    if (dash)
      out.push({
        event: `sim-${id}`,
        data: await html(<SimulatorCard sim={summary} now={deps.clock.now()} />),
      });
    if (detail)
      out.push({
        event: `simd-${id}`,
        data: await html(<SimulatorLive sim={summary} progress={v.progress} />),
      });
  }
  return out;
}

export function mountLive(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/events", async (c) => {
    const p = await pageContext(c, deps);
    const topics = new Set(
      (c.req.query("topics") ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter((t) => /^(dashboard|activity|sim:\d+)$/.test(t)),
    );
    const client: SseClient = { actor: p.actor, orgId: p.org?.id ?? null, topics };
    return sseResponse(c, client, {
      broker: deps.broker,
      render: (cl, evs) => renderEvents(deps, cl, evs),
      tick: topics.has("dashboard")
        ? async () => [
            {
              event: "databases",
              data: await html(<DatabaseCards databases={await databaseSummaries(deps)} />),
            },
          ]
        : undefined,
      tickMs: 5000,
    });
  });
}
