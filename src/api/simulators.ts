// Simulator routes: configuration, control, status, metrics and activity. Handlers parse the wire
// shape (zod), call a simulator service verb with the request's actor, and reply. Reads need
// membership of the simulator's org, configuration and control org admin; API tokens work.
// Both spellings are served: the issue's (`/simulator/config/{id}`, `/simulator/state/{id}`,
// `/simulator/activity/{id}`, `run-now`) and the short ones (`/simulator/{id}`, `/run`, …).
// `POST /simulator/state/{id}`, `POST /simulator/activity/{id}` and `GET /simulator/state/{id}?
// checkpoint=true` serve remote runners (`haystack-sim simulate`); `GET /simulator/activity/stream/
// {id}` is the live activity (SSE). `POST /simulator/state/{id}` with the plan's body (no runner
// field: `service_name`, `status`, `last_run_timestamp`, `totalizers`, `config`, `error_message`)
// is a plan client's report of its state: stored, and answered by GET while it is newer than this
// server's own last interval (simulator/service/state.ts).
// The plan's shapes are served beside ours (CONTRACT.md, `/simulator` rows): `simulator_name` is our
// `name` (and gives the key when none is sent), `building_config` our `config` (object, JSON or
// YAML text), and every configuration answer carries `simulator_id`, `simulator_name`,
// `building_config` and `database_config`. Ours wins where a body sends both spellings.
// `database_config` (a mapping, or JSON/YAML text of one; null clears it, absent keeps it) is the
// client's record, stored and answered back with its secrets masked (`********`: passwords, tokens,
// the password of a DSN; simulator/database-config.ts). This server never connects with it: it
// writes every simulator to its own configured databases, never to one a request names. State and health answers
// carry the plan's `simulator_id`, `service_name`, `last_run_timestamp`, `totalizers`, `config`,
// `error_message`, `config_status`, `created_at` and `updated_at`.
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { ServiceDeps } from "../deps.ts";
import { actorOf } from "../http/auth.ts";
import type { AppEnv } from "../http/env.ts";
import { idField, idParam, intField, jsonBody, pagingFields, parse } from "../http/validate.ts";
import { parseTimestamp } from "../ingest/timestamps.ts";
import { type SseMessage, sseResponse } from "../realtime/sse.ts";
import { ACTIVITY_TYPES } from "../simulator/activity.ts";
import type { ModelState } from "../simulator/model/types.ts";
import {
  backfillRange,
  createSimulator,
  deleteSimulator,
  getSimulator,
  listActivity,
  listSimulators,
  PLAN_STATUSES,
  pauseSimulator,
  readRemoteCheckpoint,
  reportPlanState,
  reportRemoteActivity,
  reportRemoteState,
  resetSimulator,
  resumeSimulator,
  runNow,
  type SimulatorInput,
  type SimulatorView,
  simulatorFaults,
  simulatorMetrics,
  simulatorState,
  simulatorTemplates,
  startSimulator,
  stopSimulator,
  updateSimulatorConfig,
} from "../simulator/service.ts";

const Settings = {
  name: z.string().min(1).max(255).optional(),
  template: z.string().min(1).max(100).optional(),
  config: z.union([z.string().max(1_000_000), z.record(z.string(), z.unknown())]).optional(),
  interval_minutes: intField().optional(),
  seed: intField({ min: 0 }).optional(),
  backfill_days: intField({ min: 0, max: 366 }).optional(),
  max_gap_days: intField({ min: 0, max: 366 }).optional(),
  // the plan's names (see the header)
  simulator_name: z.string().min(1).max(255).optional(),
  building_config: z.union([z.string().max(1_000_000), z.record(z.string(), z.unknown())]).optional(),
  database_config: z.union([z.string().max(100_000), z.record(z.string(), z.unknown())]).nullish(),
};
const CreateBody = z.object({
  org_id: idField,
  key: z.string().min(1).max(40).optional(),
  status: z.enum(["running", "paused", "stopped"]).optional(),
  ...Settings,
});
const UpdateBody = z.object({ key: z.string().optional(), ...Settings });

/** A simulator key from a plan client's `simulator_name` ("Main Office #2" → `main_office_2`). */
export function keyFromName(name: string): string {
  const key = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .slice(0, 40)
    .replace(/[_-]+$/, "");
  return key || "simulator";
}

/** Our input from a body in either spelling (ours wins where both are sent). */
function inputOf(
  b: z.output<typeof UpdateBody> & { status?: SimulatorInput["status"] },
  deriveKey: boolean,
): SimulatorInput {
  const { simulator_name, building_config, ...ours } = b;
  const input: SimulatorInput = {
    ...ours,
    name: ours.name ?? simulator_name,
    config: ours.config ?? building_config,
  };
  if (deriveKey && input.key === undefined && simulator_name !== undefined)
    input.key = keyFromName(simulator_name);
  for (const k of Object.keys(input) as (keyof SimulatorInput)[]) if (input[k] === undefined) delete input[k];
  return input;
}

/** A configuration answer with the plan's names beside ours. */
const planConfig = (v: SimulatorView) => ({
  ...v,
  simulator_id: v.id,
  simulator_name: v.name,
  building_config: v.config,
});
const BackfillBody = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .optional();
const ResetBody = z.object({ confirm: z.string() });
const OrgQuery = z.object({ org_id: idField });
const PLAN_FIELDS = [
  "service_name",
  "status",
  "last_run_timestamp",
  "totalizers",
  "config",
  "error_message",
] as const;
const StateQuery = z.object({ checkpoint: z.enum(["true", "false"]).optional() });
const StateBody = z.object({
  holder: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  status: z.enum(["running", "paused", "stopped", "waiting", "error"]),
  error: z.string().max(2000).nullish(),
  last_interval: z.iso.datetime({ offset: true }).optional(),
  first_interval: z.iso.datetime({ offset: true }).optional(),
  state: z.record(z.string(), z.unknown()).optional(),
  points: z.number().int().min(0).optional(),
  duration_ms: z.number().min(0).optional(),
  release: z.boolean().optional(),
});
/** A wire timestamp (CONTRACT.md: `Z`, an offset, or UTC without either), within what is stored. */
const timestamp = z.string().transform((s, ctx) => {
  const t = parseTimestamp(s);
  if (t) return t;
  ctx.addIssue({ code: "invalid_format", format: "datetime", message: "invalid timestamp" });
  return z.NEVER;
});
/** The plan's `SimulatorState` as a plan client reports it (absent keeps, null clears). */
const PlanStateBody = z
  .object({
    service_name: z.string().min(1).max(100).optional(),
    status: z.enum(PLAN_STATUSES).optional(),
    last_run_timestamp: timestamp.nullish(),
    totalizers: z.record(z.string(), z.unknown()).nullish(),
    config: z.record(z.string(), z.unknown()).nullish(),
    error_message: z.string().max(10_000).nullish(),
  })
  .refine((b) => Object.values(b).some((x) => x !== undefined), {
    message: `expected at least one of ${PLAN_FIELDS.join(", ")}`,
  });
/** A body in the plan's names: an object with no field only a remote runner sends. */
const RUNNER_ONLY = [
  "holder",
  "error",
  "last_interval",
  "first_interval",
  "state",
  "points",
  "duration_ms",
  "release",
];
const isPlanState = (b: unknown): boolean =>
  b !== null && typeof b === "object" && !Array.isArray(b) && !RUNNER_ONLY.some((k) => k in b);
const ActivityBody = z.object({
  events: z
    .array(
      z.object({
        type: z.enum(ACTIVITY_TYPES),
        message: z.string().min(1).max(2000),
        details: z.record(z.string(), z.unknown()).nullish(),
        timestamp: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .min(1)
    .max(1000),
});
/** Broker events a simulator's activity stream forwards (when they concern that simulator). */
const STREAM_EVENTS = new Set(["activity:logged", "simulator:status_changed", "simulator:interval_written"]);
const FaultsQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(["json", "csv"]).optional(),
});
const ActivityQuery = z.object({
  type: z.enum(ACTIVITY_TYPES).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  ...pagingFields(),
});

async function body<T extends z.ZodType>(c: Context, schema: T, optional = false): Promise<z.output<T>> {
  return parse(schema, await jsonBody(c, optional ? { empty: undefined } : {}), "body") as z.output<T>;
}

function query<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  return parse(schema, c.req.query(), "query") as z.output<T>;
}

const idOf = (c: Context): number => idParam(c, "id");

const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

export function simulatorRoutes(deps: ServiceDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/simulator/templates", (c) => {
    actorOf(c);
    return c.json(simulatorTemplates());
  });

  for (const path of ["/simulator", "/simulator/config"]) {
    app.get(path, async (c) => {
      const { org_id } = query(c, OrgQuery);
      return c.json((await listSimulators({ deps, actor: actorOf(c), orgId: org_id })).map(planConfig));
    });
    app.post(path, async (c) => {
      const { org_id, ...b } = await body(c, CreateBody);
      const v = await createSimulator({ deps, actor: actorOf(c), orgId: org_id, input: inputOf(b, true) });
      return c.json(planConfig(v), 201);
    });
  }

  for (const path of ["/simulator/:id{[0-9]+}", "/simulator/config/:id{[0-9]+}"]) {
    app.get(path, async (c) =>
      c.json(planConfig(await getSimulator({ deps, actor: actorOf(c), id: idOf(c) }))),
    );
    app.put(path, async (c) => {
      const input = inputOf(await body(c, UpdateBody), false);
      return c.json(planConfig(await updateSimulatorConfig({ deps, actor: actorOf(c), id: idOf(c), input })));
    });
    app.delete(path, async (c) => {
      await deleteSimulator({ deps, actor: actorOf(c), id: idOf(c) });
      return c.json({ detail: "deleted" });
    });
  }

  for (const path of [
    "/simulator/:id{[0-9]+}/status",
    "/simulator/state/:id{[0-9]+}",
    "/simulator/health/:id{[0-9]+}",
  ]) {
    app.get(path, async (c) => {
      if (query(c, StateQuery).checkpoint === "true")
        return c.json(await readRemoteCheckpoint({ deps, actor: actorOf(c), id: idOf(c) }));
      return c.json(await simulatorState({ deps, actor: actorOf(c), id: idOf(c) }));
    });
  }

  // A remote runner (`haystack-sim simulate`) reports its state and activity.
  // A plan client's report (no `holder`) is stored and answered as GET answers it.
  app.post("/simulator/state/:id{[0-9]+}", async (c) => {
    const raw = await jsonBody(c);
    if (isPlanState(raw)) {
      const p = parse(PlanStateBody, raw, "body");
      return c.json(await reportPlanState({ deps, actor: actorOf(c), id: idOf(c), input: p }));
    }
    const b = parse(StateBody, raw, "body");
    return c.json(
      await reportRemoteState({
        deps,
        actor: actorOf(c),
        id: idOf(c),
        input: {
          ...b,
          last_interval: date(b.last_interval),
          first_interval: date(b.first_interval),
          state: b.state as ModelState | undefined,
        },
      }),
    );
  });
  app.post("/simulator/activity/:id{[0-9]+}", async (c) => {
    const b = await body(c, ActivityBody);
    const events = b.events.map((e) => ({ ...e, timestamp: date(e.timestamp) }));
    return c.json(await reportRemoteActivity({ deps, actor: actorOf(c), id: idOf(c), events }), 201);
  });

  // Live activity of one simulator (member): `activity:logged`, `simulator:status_changed` and
  // `simulator:interval_written` events, data as JSON.
  app.get("/simulator/activity/stream/:id{[0-9]+}", async (c) => {
    const actor = actorOf(c);
    const v = await getSimulator({ deps, actor, id: idOf(c) });
    return sseResponse(
      c,
      { actor, orgId: v.org_id, topics: new Set([`sim:${v.id}`]) },
      {
        broker: deps.broker,
        // the frames are the events' own data: the same for every member of the org
        shareKey: `api-activity|${v.id}`,
        render: async (_client, events) => {
          const out: SseMessage[] = [];
          for (const e of events) {
            const data = e.data as { simulator_id?: unknown } | null;
            if (!STREAM_EVENTS.has(e.type) || data?.simulator_id !== v.id) continue;
            out.push({ event: e.type, data: JSON.stringify({ ...data, at: e.at }) });
          }
          return out;
        },
      },
    );
  });

  // Ground truth of the injected faults (member), for scoring an FDD tool: JSON or CSV, per time range.
  app.get("/simulator/:id{[0-9]+}/faults", async (c) => {
    const q = query(c, FaultsQuery);
    const r = await simulatorFaults({
      deps,
      actor: actorOf(c),
      id: idOf(c),
      from: date(q.from),
      to: date(q.to),
    });
    if (q.format === "csv") {
      return c.body(r.csv, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="simulator-${idOf(c)}-faults.csv"`,
      });
    }
    return c.json(r.records);
  });

  app.get("/simulator/:id{[0-9]+}/metrics", async (c) =>
    c.json(await simulatorMetrics({ deps, actor: actorOf(c), id: idOf(c) })),
  );

  const control = {
    start: startSimulator,
    stop: stopSimulator,
    pause: pauseSimulator,
    resume: resumeSimulator,
  } as const;
  for (const [verb, fn] of Object.entries(control)) {
    app.post(`/simulator/:id{[0-9]+}/${verb}`, async (c) =>
      c.json(await fn({ deps, actor: actorOf(c), id: idOf(c) })),
    );
  }
  for (const verb of ["run", "run-now"]) {
    app.post(`/simulator/:id{[0-9]+}/${verb}`, async (c) =>
      c.json(await runNow({ deps, actor: actorOf(c), id: idOf(c) }), 202),
    );
  }
  app.post("/simulator/:id{[0-9]+}/backfill", async (c) => {
    const b = await body(c, BackfillBody, true);
    return c.json(
      await backfillRange({ deps, actor: actorOf(c), id: idOf(c), from: date(b?.from), to: date(b?.to) }),
      202,
    );
  });
  app.post("/simulator/:id{[0-9]+}/reset", async (c) => {
    const b = await body(c, ResetBody);
    return c.json(await resetSimulator({ deps, actor: actorOf(c), id: idOf(c), confirm: b.confirm }));
  });

  for (const path of ["/simulator/:id{[0-9]+}/activity", "/simulator/activity/:id{[0-9]+}"]) {
    app.get(path, async (c) => {
      const q = query(c, ActivityQuery);
      const skip = q.skip ?? 0;
      const limit = q.limit ?? 100;
      const events = await listActivity({
        deps,
        actor: actorOf(c),
        id: idOf(c),
        type: q.type,
        since: date(q.since),
        until: date(q.until),
        skip,
        limit,
      });
      return c.json({
        events: events.map((e) => ({ ...e, timestamp: e.timestamp.toISOString() })),
        skip,
        limit,
        count: events.length,
      });
    });
  }

  return app;
}
