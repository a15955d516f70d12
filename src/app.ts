// createApp(deps): the Hono root. Mounts request ids, metrics, security headers, the body limit,
// authentication, the Haystack API, operations routes (health, metrics), the REST API, the console
// pages with their SSE stream and static assets, and the one error edge. Importable by tests: it
// opens nothing itself; everything concrete comes in through deps (see services.ts).
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { accessRoutes } from "./api/access.ts";
import { catalogRoutes } from "./api/catalog.ts";
import { filterRoutes } from "./api/filter.ts";
import { pollerRoutes } from "./api/pollers.ts";
import { simulatorWeatherRoutes } from "./api/simulator-weather.ts";
import { simulatorRoutes } from "./api/simulators.ts";
import { valueRoutes } from "./api/values.ts";
import { escapedFaults } from "./db/faults.ts";
import { AppError } from "./errors.ts";
import { haystackErrorResponse, haystackRoutes } from "./haystack-api/routes.ts";
import { authMiddleware, securityHeaders } from "./http/auth.ts";
import type { AppDeps, AppEnv } from "./http/env.ts";
import { errorHandler } from "./http/errors.ts";
import { inputHygiene } from "./http/hygiene.ts";
import { mountWeb, pageErrorRenderer } from "./web/index.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { log, metrics } = deps;
  // `strict: false`: a path with a trailing slash is routed (and seen by every middleware, as
  // `c.req.path`) without it, so the original's slash forms (`POST /bulk/value/`, `/orgtag/`, …)
  // answer like the plain ones (FastAPI redirected them, keeping the method and body).
  const app = new Hono<AppEnv>({ strict: false });

  metrics.processStart.set({}, Math.floor(deps.clock.now().getTime() / 1000));
  metrics.registry.onCollect(() => metrics.memory.set({}, process.memoryUsage().rss));
  metrics.registry.onCollect(async () => {
    const report = await deps.health.recent(1000, 1000);
    for (const d of report.databases) {
      metrics.dbUp.set({ database: d.key, role: d.role }, d.status === "healthy" ? 1 : 0);
      if (d.latency_ms !== null)
        metrics.dbLatency.set({ database: d.key, role: d.role }, d.latency_ms / 1000);
      if (d.role === "secondary") metrics.dbBacklog.set({ database: d.key }, d.backlog);
      if (d.lag_seconds !== undefined) metrics.dbLag.set({ database: d.key }, d.lag_seconds);
      if (d.timescaledb_version)
        metrics.timescale.set({ database: d.key, version: d.timescaledb_version }, 1);
    }
    for (const db of deps.dbs.all())
      metrics.dbAvailable.set({ database: db.key }, db.availability().up ? 1 : 0);
    for (const [key, n] of escapedFaults()) metrics.dbEscaped.set({ database: key }, n);
  });

  app.use(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("log", log.child({ requestId }));
    const start = performance.now();
    await next();
    const seconds = (performance.now() - start) / 1000;
    c.res.headers.set("x-request-id", requestId);
    c.res.headers.set("dq-request-id", requestId);
    const route = c.req.routePath || "unmatched";
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    if (route !== "/health")
      log.debug("request", {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
      });
  });

  app.use(securityHeaders());

  app.use(
    bodyLimit({
      maxSize: deps.config.bodyLimitBytes,
      onError: () => {
        throw new AppError("too_large", `request body exceeds ${deps.config.bodyLimitBytes} bytes`);
      },
    }),
  );

  // Every request after this point is authenticated unless its route is on the public list.
  app.use(authMiddleware(deps));
  // Strings a database cannot store, JSON too deep for recursive code, ids beyond int4: refused
  // here with a 422, before any route (http/hygiene.ts).
  // (path parameters named from the routes registered below)
  app.use(inputHygiene(() => app.routes));

  // The Haystack API: our bearer credentials are resolved above; its own exchange (HELLO/SCRAM,
  // `BEARER authToken=`) and Haystack 401 challenges pass through to it (see http/auth.ts).
  app.route("/", haystackRoutes(deps));

  // Liveness, the container's healthcheck: 200 `{"status":"ok"}` while the process serves, since a
  // restart does not bring a database back. While a database is known down (its availability gate,
  // no round trip here) the answer says so: `databases` "critical" (primary or state) or
  // "degraded" (a secondary) and the `unavailable` keys.
  app.get("/health", (c) => {
    const down = deps.dbs.all().filter((db) => !db.availability().up);
    if (down.length === 0) return c.json({ status: "ok" });
    const critical = down.some((db) => db === deps.dbs.primary || db === deps.dbs.state);
    return c.json({
      status: "ok",
      databases: critical ? "critical" : "degraded",
      unavailable: down.map((db) => db.key),
    });
  });

  app.get("/health/databases", async (c) => {
    const report = await deps.health.check();
    return c.json(report);
  });

  app.get("/metrics", async (c) => {
    const body = await deps.metrics.registry.render();
    return c.body(body, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.route("/", valueRoutes(deps));
  app.route("/", filterRoutes(deps));
  app.route("/", catalogRoutes(deps));
  app.route("/", pollerRoutes(deps));
  app.route("/", simulatorRoutes(deps));
  app.route("/", simulatorWeatherRoutes(deps));

  mountWeb(app, deps);

  app.route("/", accessRoutes(deps));

  // One error edge: JSON for the APIs, a page or fragment for the console (which also sends
  // browsers without a session to the sign-in page); unknown routes answer through it too.
  const pages = pageErrorRenderer(deps);
  const onError = errorHandler(
    log,
    async (c, answer) => haystackErrorResponse(c, answer) ?? pages(c, answer),
  );
  app.notFound((c) => onError(new AppError("not_found", "not found"), c));
  app.onError(onError);
  return app;
}
