import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { createApp } from "../../src/app.ts";
import { AppError, type ErrorCode } from "../../src/errors.ts";
import { testApp } from "../harness/app.ts";
import { appAdmin, bearer } from "../harness/auth.ts";
import { ENGINES, testDatabase } from "../harness/db.ts";
import { json } from "../harness/http.ts";

describe.each(ENGINES)("operations routes on %s", (engine) => {
  test("GET /health answers ok without auth", async () => {
    const { app } = await testApp(engine);
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("GET /health/databases reports keys, roles and status only", async () => {
    const secondary = await testDatabase(engine, "replica");
    const { app, dbs } = await testApp(engine);
    const withSecondary = { ...dbs, secondaries: [secondary], all: () => [dbs.primary, secondary] };
    const t = await testApp(engine, { dbs: withSecondary });
    const res = await t.app.request("/health/databases");
    const body = await json(res);
    const shape = z
      .object({
        overall_status: z.literal("healthy"),
        total_databases: z.literal(2),
        healthy_databases: z.literal(2),
        databases: z.array(
          z
            .object({
              key: z.string(),
              is_primary: z.boolean(),
              role: z.enum(["primary", "secondary", "state"]),
              status: z.literal("healthy"),
              latency_ms: z.number().nonnegative(),
              engine: z.enum(["postgresql", "timescaledb", "pglite"]),
              timescaledb_version: z.string().nullable(),
              backlog: z.literal(0),
              lag_seconds: z.number().nonnegative().optional(),
            })
            .strict(),
        ),
      })
      .strict();
    expect(shape.safeParse(body).success).toBe(true);
    expect(body.databases.map((d: { key: string; role: string }) => [d.key, d.role])).toEqual([
      ["primary", "primary"],
      ["replica", "secondary"],
    ]);
    expect(JSON.stringify(body)).not.toMatch(/postgres:|127\.0\.0\.1|memory/);
    expect((await app.request("/health")).status).toBe(200);
  });

  test("an unreachable secondary degrades; an unreachable primary is critical", async () => {
    const broken = await testDatabase(engine, "gone");
    await broken.close();
    const { dbs } = await testApp(engine);
    const degraded = await testApp(engine, {
      dbs: { ...dbs, secondaries: [broken], all: () => [dbs.primary, broken] },
    });
    const d = await json(await degraded.app.request("/health/databases"));
    expect(d.overall_status).toBe("degraded");
    expect(d.healthy_databases).toBe(1);
    expect(d.databases[1]).toMatchObject({ key: "gone", status: "unhealthy", latency_ms: null });

    const critical = await testApp(engine, {
      dbs: { ...dbs, primary: broken, state: broken, all: () => [broken] },
    });
    const c = await json(await critical.app.request("/health/databases"));
    expect(c.overall_status).toBe("critical");
  });

  test("GET /metrics is Prometheus text with request and database series", async () => {
    const { app } = await testApp(engine);
    await app.request("/health");
    const res = await app.request("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE hs_http_requests_total counter");
    expect(text).toContain('hs_http_requests_total{method="GET",route="/health",status="200"} 1');
    expect(text).toContain('hs_database_up{database="primary",role="primary"} 1');
    expect(text).toContain("hs_process_resident_memory_bytes");
  });
});

describe("error mapping", () => {
  // One database for the whole block; a fresh app per test (Hono takes no routes after a request).
  let shared: Promise<Awaited<ReturnType<typeof testApp>>> | undefined;
  // The routes below are not public: requests carry an application admin's bearer token.
  let admin: Promise<Record<string, string>> | undefined;
  const sharedApp = async () => {
    shared ??= testApp("pglite");
    const { deps } = await shared;
    admin ??= appAdmin(deps).then((a) => bearer(a.token));
    return { app: createApp(deps), auth: await admin };
  };
  const cases: [ErrorCode, number][] = [
    ["invalid", 422],
    ["unauthorized", 401],
    ["forbidden", 403],
    ["not_found", 404],
    ["conflict", 409],
    ["too_large", 413],
    ["rate_limited", 429],
    ["unavailable", 503],
    ["internal", 500],
  ];
  test.each(cases)("AppError %s answers %d with {detail}", async (code, status) => {
    const { app, auth } = await sharedApp();
    app.get(`/boom/${code}`, () => {
      throw new AppError(code, `message for ${code}`);
    });
    const res = await app.request(`/boom/${code}`, { headers: auth });
    expect(res.status).toBe(status);
    // A 422 has FastAPI's one shape, a list of field errors, even when only a message was given
    // (a GET's problem is placed at its query); every other status is {detail: message}.
    expect(await res.json()).toEqual(
      code === "invalid"
        ? { detail: [{ loc: ["query"], msg: `message for ${code}`, type: "value_error" }] }
        : { detail: `message for ${code}` },
    );
  });

  test("structured detail and explicit status are passed through", async () => {
    const { app, auth } = await sharedApp();
    app.get("/syntax", () => {
      throw new AppError("invalid", "bad filter", "1:7 expected value", 400);
    });
    const res = await app.request("/syntax", { headers: auth });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: "1:7 expected value" });
  });

  test("unexpected errors answer a generic 500 without the exception text", async () => {
    const { app, auth } = await sharedApp();
    app.get("/crash", () => {
      throw new Error("secret internals at /srv/x");
    });
    const res = await app.request("/crash", { headers: auth });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ detail: "internal server error" });
  });

  test("unknown routes answer 404 {detail}; request ids are echoed when well-formed", async () => {
    const { app, auth } = await sharedApp();
    const res = await app.request("/no/such/route", { headers: { ...auth, "x-request-id": "abc-123" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: "not found" });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    const bad = await app.request("/health", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).not.toBe("<script>");
  });

  test("a body over the limit answers 413", async () => {
    const { app } = await testApp("pglite", { env: { BODY_LIMIT_MB: "1" } });
    app.post("/echo", async (c) => c.json({ n: (await c.req.text()).length }));
    const res = await app.request("/echo", { method: "POST", body: "x".repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect((await json(res)).detail).toContain("exceeds");
  });
});
