// The remote runner (`haystack-sim simulate`) against a real app over PostgreSQL: requests go
// through the app's own fetch, a 503 of `POST /bulk/value` is injected, the clock is controlled.
// Also: the remote-runner routes (state, activity, checkpoint), the activity stream (SSE), the
// metrics route and the simulator families of /metrics.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import { silentLogger } from "../../src/log.ts";
import { readActivity } from "../../src/simulator/activity.ts";
import { createChunkThread } from "../../src/simulator/chunk-thread.ts";
import { observeSimulators } from "../../src/simulator/metrics.ts";
import { parseSimulateArgs } from "../../src/simulator/remote.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { loadCheckpoint } from "../../src/simulator/store.ts";
import { bearer, seedOrg } from "../harness/auth.ts";
import { runCli } from "../harness/proc.ts";
import { clock, HOUR, historyOf, inProcessRunner, simEnv } from "./helpers.ts";

const RETAIL_POINTS = 126;
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

/** A clock a few hours in the past (values may not be more than a day ahead of the server). */
const recent = () => {
  const t = new Date(Math.floor(Date.now() / HOUR) * HOUR - 10 * HOUR + 7 * 60_000);
  return clock(t.toISOString());
};

async function setup() {
  const env = await simEnv("postgres");
  const c = recent();
  const metrics = observeSimulators(env.deps, env.deps.metrics);
  const v = await createSimulator({
    deps: env.deps,
    actor: systemActor,
    orgId: env.seeded.org.id,
    input: { key: "shop1", template: "retail-rtu", interval_minutes: 60, backfill_days: 1 },
  });
  let down = false;
  const requests: string[] = [];
  const fetch = async (req: Request) => {
    const path = new URL(req.url).pathname;
    requests.push(`${req.method} ${path}`);
    if (down && path === "/bulk/value")
      return Response.json({ detail: "primary database unavailable" }, { status: 503 });
    return env.app.fetch(req);
  };
  const runner = (holder = "r1") => inProcessRunner(env, v.id, c.now, { holder, fetch, batchValues: 1000 });
  return {
    env,
    c,
    v,
    runner,
    requests,
    setDown: (d: boolean) => {
      down = d;
    },
    stopMetrics: metrics.stop,
  };
}

describe("remote runner", () => {
  test("backfills, runs live, waits through 503s, then fills the gap; checkpoint and activity on the server", async () => {
    const { env, c, v, runner, setDown, requests, stopMetrics } = await setup();
    const r = runner();
    const first = await r.step();
    expect(first).toEqual({ status: "running", intervals: 24, written: 24 * RETAIL_POINTS });
    // Chunks of at most 1000 values: 7 intervals of 126 points per POST /bulk/value.
    expect(requests.filter((x) => x === "POST /bulk/value").length).toBe(Math.ceil(24 / 7));
    c.advance(HOUR);
    expect(await r.step()).toEqual({ status: "running", intervals: 1, written: RETAIL_POINTS });

    setDown(true);
    for (let i = 0; i < 3; i++) {
      c.advance(HOUR);
      expect((await r.step()).status).toBe("waiting");
    }
    const waiting = await env.app.request(`/simulator/state/${v.id}`, {
      headers: bearer(env.seeded.member.token),
    });
    expect(((await waiting.json()) as Json).status).toBe("waiting");
    setDown(false);
    c.advance(HOUR);
    expect(await r.step()).toEqual({ status: "running", intervals: 4, written: 4 * RETAIL_POINTS });
    expect((await r.step()).intervals).toBe(0);

    const rows = await historyOf(env.deps, "acme", "shop1");
    expect(rows.length).toBe(29 * RETAIL_POINTS);
    const byId = new Map<string, typeof rows>();
    for (const x of rows) byId.set(x.id, [...(byId.get(x.id) ?? []), x]);
    for (const [id, series] of byId) {
      const ts = series.map((x) => x.ts.getTime());
      expect(new Set(ts).size).toBe(29);
      for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(HOUR);
      if (/energy|volume/i.test(id))
        for (let i = 1; i < series.length; i++)
          expect(series[i]!.value_n!).toBeGreaterThanOrEqual(series[i - 1]!.value_n!);
    }
    const ck = await loadCheckpoint(env.deps.dbs.primary, v.id);
    expect(ck?.points_written).toBe(rows.length);
    expect(ck?.last_ts.getTime()).toBe(Math.max(...rows.map((x) => x.ts.getTime())));

    const story = (await readActivity(env.deps, { simulatorId: v.id, skip: 0, limit: 200 }))
      .reverse()
      .filter((e) => e.details?.remote === true)
      .map((e) => e.event_type);
    expect(story[0]).toBe("backfill");
    const errorAt = story.indexOf("error");
    expect(errorAt).toBeGreaterThan(0);
    expect(story.filter((t) => t === "error").length).toBe(1);
    expect(story.slice(errorAt)).toEqual(["error", "gap_fill", "gap_fill", "recovered"]);

    // The metrics route and the Prometheus families.
    const m = (await (
      await env.app.request(`/simulator/${v.id}/metrics`, { headers: bearer(env.seeded.member.token) })
    ).json()) as Json;
    expect(m).toMatchObject({
      simulator_id: v.id,
      total_points_written: rows.length,
      total_entities: expect.any(Number),
      error_count_24h: 1,
    });
    expect(m.points_per_interval).toBe(RETAIL_POINTS);
    expect(typeof m.next_run).toBe("string");
    expect(typeof m.last_interval_duration_ms).toBe("number");
    const prom = await (await env.app.request("/metrics")).text();
    expect(prom).toContain(`hs_simulator_points_written_total{kind="remote"} ${rows.length}`);
    expect(prom).toContain("hs_simulator_errors_total 1");
    expect(prom).toContain('hs_simulator_write_duration_seconds_count{kind="remote"}');
    stopMetrics();

    // A second runner cannot take the simulator from the first while its lease is valid.
    const other = runner("r2");
    expect((await other.step()).status).toBe("error");
    // The first one releases it when it stops; then the second continues where it left.
    const stop = new AbortController();
    stop.abort();
    await r.run(stop.signal);
    c.advance(HOUR);
    expect(await other.step()).toEqual({ status: "running", intervals: 1, written: RETAIL_POINTS });
  });

  test("a backfill generates its chunks on the chunk worker: rows and checkpoint as on this thread", async () => {
    const stored: Array<{ rows: unknown[]; checkpoint: string }> = [];
    for (const use of ["worker", "inline"] as const) {
      const { env, c, v, stopMetrics } = await setup();
      stopMetrics();
      const chunks = createChunkThread({ log: silentLogger, use });
      const r = inProcessRunner(env, v.id, c.now, { batchValues: 1000, chunks });
      expect(await r.step()).toEqual({ status: "running", intervals: 24, written: 24 * RETAIL_POINTS });
      expect(chunks.mode).toBe(use);
      const stop = new AbortController();
      stop.abort();
      await r.run(stop.signal);
      const rows = await env.deps.dbs.primary.query(
        `SELECT entity_id, ts, value_n::text AS n, value_b, value_s, status
           FROM core.values_acme ORDER BY entity_id, ts`,
      );
      const ck = await loadCheckpoint(env.deps.dbs.primary, v.id);
      stored.push({
        rows,
        checkpoint: JSON.stringify([ck?.last_ts, ck?.first_ts, ck?.state, ck?.points_written]),
      });
    }
    const [worker, inline] = stored;
    expect(worker?.rows.length).toBe(24 * RETAIL_POINTS);
    expect(worker?.rows).toEqual(inline?.rows as unknown[]);
    expect(worker?.checkpoint).toBe(inline?.checkpoint as string);
  });

  test("a stop asked for during a backfill ends the run after the chunk in flight and releases the lease", async () => {
    // The signal comes while the first chunk is being posted (as SIGTERM reaches `simulate`
    // mid-request): run() must return without sleeping until the next interval (an hour here).
    const { env, c, v, runner, stopMetrics } = await setup();
    stopMetrics();
    const stop = new AbortController();
    let posts = 0;
    const r = inProcessRunner(env, v.id, c.now, {
      batchValues: 1000,
      fetch: async (req) => {
        if (new URL(req.url).pathname === "/bulk/value" && ++posts === 1) stop.abort();
        return env.app.fetch(req);
      },
    });
    const ran = r.run(stop.signal);
    const timeout = new Promise<"asleep">((resolve) => setTimeout(() => resolve("asleep"), 20_000));
    expect(await Promise.race([ran.then(() => "returned" as const), timeout])).toBe("returned");
    expect(posts).toBe(1);
    const ck = await loadCheckpoint(env.deps.dbs.primary, v.id);
    expect(ck?.points_written).toBe(7 * RETAIL_POINTS);
    const state = (await (
      await env.app.request(`/simulator/state/${v.id}`, { headers: bearer(env.seeded.member.token) })
    ).json()) as Json;
    expect(state.status).toBe("stopped");
    // The lease is free: another runner continues where this one stopped.
    expect(await runner("r2").step()).toEqual({
      status: "running",
      intervals: 17,
      written: 17 * RETAIL_POINTS,
    });
  });

  test("routes for remote runners: who may report, what is validated, the live activity stream", async () => {
    const env = await simEnv("postgres");
    const other = await seedOrg(env.deps, { key: "other" });
    const v = await createSimulator({
      deps: env.deps,
      actor: systemActor,
      orgId: env.seeded.org.id,
      input: { key: "shop1", template: "retail-rtu", interval_minutes: 60, status: "stopped" },
    });
    const { admin, member } = env.seeded;
    const post = (path: string, token: string, body: unknown) =>
      env.app.request(path, {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const state = { holder: "r1", status: "running" };
    expect((await post(`/simulator/state/${v.id}`, member.token, state)).status).toBe(403);
    expect((await post(`/simulator/state/${v.id}`, other.admin.token, state)).status).toBe(403);
    expect((await post(`/simulator/state/${v.id}`, admin.token, { ...state, status: "nope" })).status).toBe(
      422,
    );
    const ok = await post(`/simulator/state/${v.id}`, admin.token, state);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Json).desired_status).toBe("stopped");
    expect((await post(`/simulator/state/${v.id}`, admin.token, { ...state, holder: "r2" })).status).toBe(
      409,
    );

    const ck = await env.app.request(`/simulator/state/${v.id}?checkpoint=true`, {
      headers: bearer(admin.token),
    });
    const body = (await ck.json()) as Json;
    expect(body.checkpoint).toBeNull();
    expect(Object.keys(body.entities).length).toBe(body.simulator.entity_count);

    const events = { events: [{ type: "generation", message: "hello from afar" }] };
    expect((await post(`/simulator/activity/${v.id}`, member.token, events)).status).toBe(403);
    expect(
      (await post(`/simulator/activity/${v.id}`, admin.token, { events: [{ type: "nope", message: "x" }] }))
        .status,
    ).toBe(422);

    // The stream: members only; it carries this simulator's events.
    expect(
      (await env.app.request(`/simulator/activity/stream/${v.id}`, { headers: bearer(other.member.token) }))
        .status,
    ).toBe(403);
    const abort = new AbortController();
    const res = await env.app.request(`/simulator/activity/stream/${v.id}`, {
      headers: bearer(member.token),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    const first = await reader.read();
    text += dec.decode(first.value);
    expect(text).toContain(": connected");
    expect((await post(`/simulator/activity/${v.id}`, admin.token, events)).status).toBe(201);
    for (let i = 0; i < 20 && !text.includes("hello from afar"); i++) {
      const r = await reader.read();
      if (r.done) break;
      text += dec.decode(r.value);
    }
    expect(text).toContain("event: activity:logged");
    expect(text).toContain('"message":"hello from afar"');
    abort.abort();
    await reader.cancel().catch(() => undefined);
  });

  test("the simulate command refuses bad usage with exit code 2 and is listed in help", async () => {
    const bad = await runCli(["simulate", "--token", "t"], { DEMO: "false" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("usage: haystack-sim simulate --api-url URL --token TOKEN --simulator-id N");
    expect((await runCli(["help"], {})).stdout).toContain("simulate --api-url URL");
  });

  test("simulate arguments", () => {
    expect(parseSimulateArgs(["--api-url", "http://x:8080", "--token", "t", "--simulator-id", "3"])).toEqual({
      ok: true,
      apiUrl: "http://x:8080",
      token: "t",
      simulatorId: 3,
      holder: undefined,
    });
    expect(parseSimulateArgs(["--api-url=http://x", "--token=t", "--simulator-id=0"]).ok).toBe(false);
    expect(parseSimulateArgs(["--api-url", "ftp://x", "--token", "t", "--simulator-id", "1"]).ok).toBe(false);
    expect(parseSimulateArgs(["--token", "t"]).ok).toBe(false);
    expect(parseSimulateArgs(["--bogus", "1"]).ok).toBe(false);
  });
});
