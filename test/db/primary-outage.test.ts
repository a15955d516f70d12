// A primary that stops answering (behind a loopback proxy that cuts its connections and then
// accepts new ones without a word, the worst case for a pool): once the health checker has found
// it down, value writes and reads answer 503 without waiting on the pool, i.e. before a pool
// connect to the same server (started at the same moment) has even given up. When the server
// answers again, the probe finds it and the next write succeeds.
import { afterAll, beforeAll, expect, test } from "bun:test";
import postgres from "postgres";
import { type Database, migrate, openDatabase } from "../../src/db/index.ts";
import { MARKER, readJsonGrid, readZincGrid } from "../../src/haystack/index.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { bearer, type SeededOrg, seedOrg } from "../harness/auth.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";
import { startProxy, type TcpProxy } from "../harness/proxy.ts";
import { makePoints, type TestPoint } from "../ingest/fixtures.ts";

let cluster: PgCluster;
let proxy: TcpProxy;
let primary: Database;
let t: TestApp;
let acme: SeededOrg;
let pts: TestPoint[];

beforeAll(async () => {
  cluster = await startCluster();
  proxy = await startProxy(cluster.port);
  primary = await openDatabase({
    key: "primary",
    url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
  });
  await migrate(primary, "building");
  await migrate(primary, "state");
  t = await testApp("postgres", {
    dbs: {
      primary,
      secondaries: [],
      state: primary,
      stateIsPrimary: true,
      all: () => [primary],
      close: async () => {},
    },
  });
  acme = await seedOrg(t.deps, { key: "acme" });
  pts = await makePoints(t.deps, acme.org.id, 3, { prefix: "acme" });
});
afterAll(async () => {
  await t?.deps.replicator.stop();
  await primary?.close();
  proxy?.close();
  await cluster?.destroy();
});

let minute = 0;
const post = () =>
  t.app.request("/bulk/value", {
    method: "POST",
    headers: { ...bearer(acme.member.token), "content-type": "application/json" },
    body: JSON.stringify({
      org_id: acme.org.id,
      values: pts.map((p) => ({
        entity_id: p.id,
        ts: new Date(Date.UTC(2025, 1, 1, 0, minute++)).toISOString(),
        value_n: 1,
      })),
    }),
  });
const read = () =>
  t.app.request(`/value/${pts[0]!.id}?org_id=${acme.org.id}`, { headers: bearer(acme.member.token) });

test("a primary known to be down answers 503 before the pool could reconnect; back, the next write succeeds", async () => {
  expect((await post()).status).toBe(200);
  proxy.blackhole();
  // The health checker's ping gets no answer: the primary is down from now on.
  const report = await t.deps.health.check(500);
  expect(report.overall_status).toBe("critical");
  expect(primary.availability()).toMatchObject({ up: false });

  for (const request of [post, read]) {
    // A pool connect to the same address, started together with the request: it can only fail
    // by its connect timeout, since the server neither answers nor refuses.
    const pool = postgres(`postgres://postgres@127.0.0.1:${proxy.port}/postgres`, {
      max: 1,
      connect_timeout: 3,
    });
    const first = await Promise.race([
      Promise.resolve(request()).then((res) => `answered ${res.status}`),
      pool`SELECT 1`.then(
        () => "pool connected",
        () => "pool gave up",
      ),
    ]);
    expect(first).toBe("answered 503");
    await pool.end({ timeout: 0 });
  }
  // Haystack clients get Haystack answers: an error grid in the format they accept, 503 kept.
  const hs = (op: string, accept: string, body?: string) =>
    t.app.request(`/api/acme/${op}`, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        ...bearer(acme.member.token),
        accept,
        ...(body === undefined ? {} : { "content-type": "text/zinc" }),
      },
      ...(body === undefined ? {} : { body }),
    });
  const hisWrite = `ver:"3.0" id:@p1\nts,val\n2025-02-01T00:00:00Z UTC,1\n`;
  // (`about` answers during an outage for an org resolved before it: test/haystack-api/outage.test.ts.)
  for (const [op, body] of [
    ["nav", undefined],
    ["read", undefined],
    ["hisWrite", hisWrite],
  ] as const) {
    const zinc = await hs(op, "text/zinc", body);
    expect(zinc.status).toBe(503);
    expect(zinc.headers.get("content-type")).toContain("text/zinc");
    const g = readZincGrid(await zinc.text());
    expect(g.meta.err).toBe(MARKER);
    expect(String(g.meta.dis)).toContain("unavailable");
    const js = await hs(op, "application/json", body);
    expect(js.status).toBe(503);
    expect(js.headers.get("content-type")).toContain("application/json");
    expect(readJsonGrid(await js.text()).meta.err).toBe(MARKER);
  }
  // Liveness stays 200 (a restart would not bring the primary back) but says the truth.
  const health = await t.app.request("/health");
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok", databases: "critical", unavailable: ["primary"] });

  proxy.restore();
  await waitFor(() => primary.availability().up, 10_000, "the probe to find the primary");
  expect((await post()).status).toBe(200);
  expect((await read()).status).toBe(200);
  expect(await (await t.app.request("/health")).json()).toEqual({ status: "ok" });
});
