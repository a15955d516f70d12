// The Haystack API during a primary outage: with a real PostgreSQL primary stopped (pg_ctl stop)
// and the state database apart, `about` (which needs no building data) still answers 200, for a
// bearer token and for a SCRAM auth token that were used before the outage, in Zinc and JSON;
// every op that reads or writes building data answers a 503 error grid. Started again, the
// primary serves the ops again.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Database } from "../../src/db/index.ts";
import { HDateTime, MARKER, readJsonGrid, readZincGrid } from "../../src/haystack/index.ts";
import { type StateApartApp, testAppStateApart } from "../harness/app.ts";
import { type SeededOrg, seedOrg, TEST_PASSWORD } from "../harness/auth.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";
import { callOp, scramLogin } from "./client.ts";
import { insertEntities, insertHistory } from "./fixture.ts";

let cluster: PgCluster;
let primary: Database;
let t: StateApartApp;
let acme: SeededOrg;
let scram = "";

beforeAll(async () => {
  cluster = await startCluster();
  t = await testAppStateApart(cluster.url());
  primary = t.primary;
  acme = await seedOrg(t.deps, { key: "acme", password: TEST_PASSWORD });
  const ids = await insertEntities(primary, acme.org.id, [
    `{id:@p1 dis:"Zone Temp" point sensor his kind:"Number" unit:"°F" tz:"UTC"}`,
    `{id:@sp1 dis:"Setpoint" point sp writable kind:"Number" unit:"°F" tz:"UTC"}`,
  ]);
  await insertHistory(primary, "acme", ids.get("p1")!, [[Date.UTC(2025, 0, 1), 70]]);
  const login = await scramLogin(t.app, "acme", acme.member.email, TEST_PASSWORD);
  if (!("token" in login)) throw new Error(`SCRAM login failed: ${login.failedStatus}`);
  scram = login.token;
}, 120_000);

afterAll(async () => {
  await t?.close();
  await cluster?.destroy();
});

const AUTHS = () => ({ bearer: `Bearer ${acme.member.token}`, scram: `BEARER authToken=${scram}` });

const HIS_WRITE = `ver:"3.0" id:@p1\nts,val\n2025-02-01T00:00:00Z UTC,1\n`;
/** Ops that read or write building data, each as a request. */
const DATA_OPS: [op: string, opts: { query?: Record<string, string>; body?: string }][] = [
  ["read", { query: { filter: "point" } }],
  ["read", { body: `ver:"3.0"\nid\n@p1\n` }],
  ["nav", { body: `ver:"3.0"\nnavId\nN\n` }],
  ["hisRead", { query: { id: "@p1", range: "2025-01-01" } }],
  ["hisWrite", { body: HIS_WRITE }],
  ["watchSub", { body: `ver:"3.0" watchDis:"w"\nid\n@p1\n` }],
  ["pointWrite", { body: `ver:"3.0"\nid\n@sp1\n` }],
  ["pointWrite", { body: `ver:"3.0"\nid,level,val\n@sp1,8,70\n` }],
  ["defs", {}],
];

test("while the primary is up, about and the data ops answer 200 for both tokens", async () => {
  for (const [kind, auth] of Object.entries(AUTHS())) {
    const about = await callOp(t.app, "acme", "about", { auth });
    expect([kind, about.status, about.grid!.rows[0]!.whoami]).toEqual([kind, 200, acme.member.email]);
    for (const [op, opts] of DATA_OPS) {
      const r = await callOp(t.app, "acme", op, { auth, ...opts });
      expect([kind, op, r.status, r.grid?.meta.err]).toEqual([kind, op, 200, undefined]);
    }
  }
});

test("primary stopped: about answers 200 (Zinc and JSON); the data ops answer a 503 error grid", async () => {
  await cluster.stop("fast");
  try {
    // The first request to fail finds it down (a probe); from then on it fails at once.
    const first = await callOp(t.app, "acme", "read", { auth: AUTHS().bearer, query: { filter: "point" } });
    expect(first.status).toBe(503);
    await waitFor(() => !primary.availability().up, 30_000, "the primary to be known down");
    for (const [kind, auth] of Object.entries(AUTHS())) {
      for (const accept of ["text/zinc", "application/json"]) {
        const about = await callOp(t.app, "acme", "about", { auth, accept });
        expect([kind, accept, about.status]).toEqual([kind, accept, 200]);
        expect(about.headers.get("content-type")).toContain(accept);
        const row = about.grid!.rows[0]!;
        expect(row.whoami).toBe(acme.member.email);
        expect(row.productName).toBe("haystack-sim");
        expect(row.serverTime).toBeInstanceOf(HDateTime);
      }
      for (const [op, opts] of DATA_OPS) {
        const r = await callOp(t.app, "acme", op, { auth, ...opts });
        expect([kind, op, r.status]).toEqual([kind, op, 503]);
        expect(r.headers.get("content-type")).toContain("text/zinc");
        const g = readZincGrid(r.text);
        expect(g.meta.err).toBe(MARKER);
        expect(String(g.meta.dis)).toContain("unavailable");
      }
      const js = await callOp(t.app, "acme", "read", {
        auth,
        query: { filter: "point" },
        accept: "application/json",
      });
      expect(js.status).toBe(503);
      expect(readJsonGrid(js.text).meta.err).toBe(MARKER);
    }
    // A token never seen before the outage is not let in on the strength of the memo.
    const unknown = await callOp(t.app, "acme", "about", { auth: "BEARER authToken=nope" });
    expect(unknown.status).not.toBe(200);
    // Nor is an org the caller is not a member of.
    const otherOrg = await callOp(t.app, "other", "about", { auth: AUTHS().bearer });
    expect(otherOrg.status).not.toBe(200);
  } finally {
    await cluster.start();
  }
  await waitFor(() => primary.availability().up, 30_000, "the probe to find the primary");
  for (const [op, opts] of DATA_OPS.slice(0, 4)) {
    const r = await callOp(t.app, "acme", op, { auth: AUTHS().scram, ...opts });
    expect([op, r.status, r.grid?.meta.err]).toEqual([op, 200, undefined]);
  }
}, 120_000);
