/** @jsxImportSource hono/jsx */
// Live updates of the pages over `/events`: broker events become HTML fragments rendered by the
// same components as the pages. Topics (from the page): `dashboard` (simulator cards, databases,
// values written, recent errors), `simulators` (the simulator list: every row, coalesced to at most
// one update a second), `activity` (new timeline entries), `sim:<id>` (a simulator page:
// status, progress, activity, a notice that its chart changed), `point:<id>` (a point page: current value, priority array) and
// `points:<id>.<id>…` (an equipment page: current values).
import type { Hono } from "hono";
import { ActivityItem } from "../../views/components/activity-item.tsx";
import { DatabaseCards } from "../../views/components/database-card.tsx";
import { IngestPanel } from "../../views/components/ingest-rate.tsx";
import { PointValue } from "../../views/components/point-value.tsx";
import { SimulatorCard } from "../../views/components/simulator-card.tsx";
import { RecentErrors } from "../../views/dashboard/index.tsx";
import { PriorityArray } from "../../views/entity/priority-array.tsx";
import { SimulatorLive } from "../../views/simulators/detail.tsx";
import { SimulatorList } from "../../views/simulators/list.tsx";
import { buildingEntity, ianaOf, refInfos } from "../catalog/building.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { effectiveWrites } from "../points/point-write.ts";
import type { BrokerEvent } from "../realtime/broker.ts";
import { type SseClient, type SseMessage, sseResponse } from "../realtime/sse.ts";
import { getSimulator, type SimulatorView } from "../simulator/service.ts";
import { currentValues } from "./building.ts";
import { pageContext } from "./context.ts";
import {
  databaseSummaries,
  ingestRate,
  orgSimulators,
  recentErrors,
  simulatorCard,
  simulatorSummary,
} from "./dashboard.tsx";
import { prioritySection } from "./entity.tsx";
import { siteZone } from "./key-points.ts";
import { viewerKey } from "./page-cache.ts";
import { simulatorListRows } from "./simulators.tsx";

/** At least this long between two updates of the simulator list (its events are coalesced). */
const LIST_GAP_MS = 1000;

/** The points a client's page shows (`point:<id>`, `points:<id>.<id>…`), at most 200. */
export function pointsOf(topics: ReadonlySet<string>): number[] {
  const ids = new Set<number>();
  for (const t of topics) {
    const m = /^points?:([\d.]+)$/.exec(t);
    if (m) for (const id of m[1]!.split(".")) if (/^\d+$/.test(id)) ids.add(Number(id));
  }
  return [...ids].slice(0, 200);
}

/** Current values (and, for a point page, the priority array) of the client's points. */
async function pointMessages(
  deps: AppDeps,
  client: SseClient,
  points: readonly number[],
  arrays: readonly number[],
): Promise<SseMessage[]> {
  const orgId = client.orgId;
  if (orgId === null || points.length === 0) return [];
  const info = await refInfos(deps, client.actor, orgId, points);
  const visible = points.filter((id) => info.has(id));
  const [cur, writes] = await Promise.all([
    currentValues(
      deps,
      client.actor,
      orgId,
      visible.map((id) => ({ id, unit: info.get(id)?.unit ?? null })),
    ),
    effectiveWrites({ deps, orgId }),
  ]);
  const out: SseMessage[] = [];
  for (const id of visible)
    out.push({
      event: `pt-${id}`,
      data: await html(
        <PointValue
          pointId={id}
          cur={cur.get(id) ?? null}
          tz={ianaOf(info.get(id)?.tz)}
          showTime
          overridden={writes.has(id)}
        />,
      ),
    });
  for (const id of arrays) {
    if (!info.has(id)) continue;
    const e = await buildingEntity({ deps, actor: client.actor, orgId, entityId: id });
    const section = await prioritySection(deps, { actor: client.actor, csrf: null, canWrite: true }, e);
    if (section) out.push({ event: `pa-${id}`, data: await html(<PriorityArray {...section} />) });
  }
  return out;
}

const html = async (node: unknown): Promise<string> =>
  String(await (node as { toString(): string | Promise<string> }).toString());

/**
 * Whether `renderEvents` shows anything of `ev` to `client` (what its page shows of it): a page that
 * missed only events it ignores (another simulator's, system-wide record changes) needs no re-sync.
 */
export function relevantTo(client: SseClient, ev: BrokerEvent): boolean {
  const t = client.topics;
  if (ev.type === "values:written" || ev.type === "point:written") return pointsOf(t).length > 0;
  const data = (ev.data ?? {}) as Record<string, unknown>;
  const simId = typeof data.simulator_id === "number" ? data.simulator_id : null;
  if (simId === null) return false;
  const isSim = ev.type.startsWith("simulator:");
  if (!isSim && ev.type !== "activity:logged") return false;
  return (
    t.has("dashboard") ||
    t.has("simulators") ||
    t.has(`sim:${simId}`) ||
    (ev.type === "activity:logged" && t.has("activity"))
  );
}

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
  const points = pointsOf(client.topics);
  let valuesChanged = false;
  const written = new Set<number>();
  let newError = false;
  let listChanged = false;
  /** Simulators with new intervals (or reset): their chart changed. */
  const charted = new Set<number>();
  for (const ev of events) {
    // what the page does not show is not rendered (and a page that missed only such events is not re-synced)
    if (!relevantTo(client, ev)) continue;
    const data = (ev.data ?? {}) as Record<string, unknown>;
    if (ev.type === "values:written") valuesChanged = true;
    if (ev.type === "point:written" && typeof data.entityId === "number") {
      written.add(data.entityId);
      valuesChanged = true;
    }
    const simId = typeof data.simulator_id === "number" ? data.simulator_id : null;
    if (simId === null) continue;
    if (ev.type === "activity:logged" && data.event_type === "error") newError = true;
    if (ev.type.startsWith("simulator:")) touched.add(simId);
    if (ev.type.startsWith("simulator:") || ev.type === "activity:logged") listChanged = true;
    if (
      ev.type === "simulator:interval_written" ||
      (ev.type === "activity:logged" && data.event_type === "reset")
    )
      charted.add(simId);
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
        tz: await siteZone(deps, client.actor, v),
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
    if (dash)
      out.push({
        event: `sim-${id}`,
        data: await html(
          <SimulatorCard sim={await simulatorCard(deps, client.actor, v, "")} now={deps.clock.now()} />,
        ),
      });
    if (detail)
      out.push({
        event: `simd-${id}`,
        data: await html(
          <SimulatorLive sim={await simulatorSummary(deps, client.actor, v, "")} progress={v.progress} />,
        ),
      });
  }
  // the chart is not sent: the page reads it from its URL (at most every 5 s) after this notice
  for (const id of charted)
    if (client.topics.has(`sim:${id}`)) out.push({ event: `chart-${id}`, data: "changed" });
  if (listChanged && client.topics.has("simulators") && client.orgId !== null) {
    // the org's kept list: read once per viewer after an event, shared by the viewer's streams
    const rows = await simulatorListRows(deps, client.actor, client.orgId, "");
    out.push({ event: "simulators", data: await html(<SimulatorList simulators={rows} />) });
  }
  if (newError && client.topics.has("dashboard") && client.orgId !== null) {
    const sims = await orgSimulators(deps, client.actor, client.orgId);
    out.push({
      event: "errors",
      data: await html(<RecentErrors errors={await recentErrors(deps, client.actor, sims)} />),
    });
  }
  if (valuesChanged && points.length > 0) {
    const arrays = [...client.topics].flatMap((t) => {
      const m = /^point:(\d+)$/.exec(t);
      return m && written.has(Number(m[1])) ? [Number(m[1])] : [];
    });
    // values that cannot be read now (primary down) are sent with the next write instead
    out.push(...(await pointMessages(deps, client, points, arrays).catch(() => [])));
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
        .filter((t) =>
          /^(dashboard|simulators|activity|sim:\d+|point:\d+|points:\d+(\.\d+){0,199})$/.test(t),
        ),
    );
    const client: SseClient = { actor: p.actor, orgId: p.org?.id ?? null, topics };
    const { actor } = p;
    return sseResponse(c, client, {
      broker: deps.broker,
      render: (cl, evs) => renderEvents(deps, cl, evs),
      // everything the fragments depend on: the viewer (its grants are read by user) and the topics
      shareKey: `console|${viewerKey(actor, client.orgId ?? 0)}|${[...topics].sort().join(",")}`,
      tick: topics.has("dashboard")
        ? async () => [
            {
              event: "databases",
              data: await html(<DatabaseCards databases={await databaseSummaries(deps)} />),
            },
            { event: "ingest", data: await html(<IngestPanel rate={ingestRate(deps, client.orgId)} />) },
          ]
        : undefined,
      tickMs: 5000,
      // what the page has seen (`since` of its URL, or the browser's Last-Event-ID on a reconnect)
      since: c.req.query("since") ?? null,
      relevant: relevantTo,
      minGapMs: topics.has("simulators") ? LIST_GAP_MS : 0,
    });
  });
}
