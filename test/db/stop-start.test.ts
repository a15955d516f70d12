// Repeated stops of a secondary and of the primary under load (issue 12): a real `serve` process
// on two throwaway PostgreSQL servers (loopback), four writers and a reader of the REST API, and
// `pg_ctl stop -m fast` / start of the secondary, then of the primary, three times each. The
// process stays up; every request is answered (200, or 503 while the primary is down) before
// Bun's 10 s idle timeout; nothing escapes to the last-resort guard's "uncaught" path; and
// afterwards every acknowledged value is in the primary and, caught up, in the secondary, once.
import { afterAll, expect, test } from "bun:test";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { type ServerProcess, startServe, waitFor } from "../harness/proc.ts";

const ADMIN = { email: "ops@example.com", password: "stop-start-test-password" };
let server: ServerProcess | undefined;
const clusters: PgCluster[] = [];
const dbs: Database[] = [];
afterAll(async () => {
  server?.proc.kill("SIGKILL");
  await server?.proc.exited;
  await Promise.allSettled(dbs.map((d) => d.close()));
  await Promise.allSettled(clusters.map((c) => c.destroy()));
});

async function newDatabase(c: PgCluster): Promise<string> {
  const admin = await openDatabase({ key: "admin", url: c.url() });
  try {
    await admin.exec("CREATE DATABASE hs");
  } finally {
    await admin.close();
  }
  return c.url("hs");
}

test("three stops of the secondary and three of the primary under load: the process lives, every request is answered, nothing acknowledged is lost", async () => {
  const [primary, secondary] = await Promise.all([startCluster(), startCluster()]);
  clusters.push(primary!, secondary!);
  server = await startServe({
    env: {
      DATABASE_URL: await newDatabase(primary!),
      SECONDARY_DATABASE_URLS: `replica=${await newDatabase(secondary!)}`,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      DEMO: "false",
      SIMULATORS: "false",
      LOG_LEVEL: "warn",
    },
    timeoutMs: 90_000,
  });
  const url = server.url;
  const basic = `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString("base64")}`;
  const tok = await fetch(`${url}/authorize/token`, { method: "POST", headers: { authorization: basic } });
  const headers = {
    authorization: `Bearer ${((await tok.json()) as { access_token: string }).access_token}`,
    "content-type": "application/json",
  };
  const orgs = (await (await fetch(`${url}/user/org`, { headers })).json()) as {
    org: { id: number; key: string };
  }[];
  const org = orgs.find((o) => o.org.key === "demo")!.org;
  const ids: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await fetch(`${url}/entity`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        org_id: org.id,
        tags: [{ tag_name: "id", value_s: `stop.p${i}` }, { tag_name: "point" }, { tag_name: "his" }],
      }),
    });
    expect(r.status).toBe(200);
    ids.push(((await r.json()) as { id: number }).id);
  }

  const statuses = new Map<string, number>();
  const unanswered: string[] = [];
  const acked = new Set<number>();
  let batch = 0;
  let stop = false;
  const base = Date.UTC(2025, 0, 1);
  /** One request, answered within 9 s (Bun's idle timeout is 10 s), its status counted. */
  const call = async (what: string, path: string, init: RequestInit = {}) => {
    try {
      const r = await fetch(`${url}${path}`, { ...init, headers, signal: AbortSignal.timeout(9000) });
      await r.arrayBuffer();
      statuses.set(`${what} ${r.status}`, (statuses.get(`${what} ${r.status}`) ?? 0) + 1);
      return r.status;
    } catch (e) {
      unanswered.push(`${what}: ${String(e)}`);
      return 0;
    }
  };
  // Four writers of 10 timestamps × 4 points per request, one reader.
  const writers = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const n = batch++;
      const values = ids.flatMap((id) =>
        Array.from({ length: 10 }, (_, k) => ({
          entity_id: id,
          ts: new Date(base + (n * 10 + k) * 60_000).toISOString(),
          value_n: n + k / 100,
        })),
      );
      const status = await call("write", "/bulk/value", {
        method: "POST",
        body: JSON.stringify({ org_id: org.id, values }),
      });
      if (status === 200) acked.add(n);
      else await Bun.sleep(20);
    }
  });
  const reader = (async () => {
    while (!stop) {
      await call("read", `/value/${ids[0]}?org_id=${org.id}`);
      await Bun.sleep(20);
    }
  })();
  /** Waits until `n` more writes are acknowledged (the system serves again). */
  const moreAcked = (n: number) => {
    const target = acked.size + n;
    return waitFor(() => acked.size >= target, 30_000, `${n} acknowledged writes`);
  };

  try {
    await moreAcked(20);
    for (let round = 0; round < 3; round++) {
      await secondary!.stop("fast");
      await moreAcked(20); // writes go on while the secondary is down
      await secondary!.start();
      await moreAcked(10);
      await primary!.stop("fast");
      const refused = statuses.get("write 503") ?? 0;
      await waitFor(
        () => (statuses.get("write 503") ?? 0) > refused + 10,
        30_000,
        "503s while the primary is down",
      );
      await primary!.start();
      await moreAcked(20);
    }
  } finally {
    stop = true;
    await Promise.all([...writers, reader]);
  }

  expect(server.proc.exitCode).toBeNull();
  expect(unanswered).toEqual([]);
  // Only these answers: 200, and 503 while the primary was down (never a 500).
  const allowed = ["read 200", "read 503", "write 200", "write 503"];
  expect([...statuses.keys()].filter((k) => !allowed.includes(k))).toEqual([]);
  expect(statuses.get("write 200")).toBeGreaterThan(0);
  expect(server.logs()).not.toContain("uncaught error");
  expect((await fetch(`${url}/health`)).status).toBe(200);

  // Every acknowledged batch is in the primary and, once caught up, in the secondary: exactly once.
  const p = await openDatabase({ key: "check-primary", url: primary!.url("hs") });
  const s = await openDatabase({ key: "check-replica", url: secondary!.url("hs") });
  dbs.push(p, s);
  const rows = async (db: Database) =>
    (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM core.values_demo"))[0]!.n;
  const expected = acked.size * ids.length * 10;
  expect(await rows(p)).toBeGreaterThanOrEqual(expected);
  const inPrimary = await rows(p);
  await waitFor(async () => (await rows(s)) === inPrimary, 60_000, "the secondary to catch up");
  const ackedTs = [...acked].map((n) => new Date(base + n * 10 * 60_000).toISOString());
  const [found] = await p.query<{ n: number }>(
    "SELECT count(DISTINCT ts)::int AS n FROM core.values_demo WHERE ts = ANY($1::timestamp[])",
    [ackedTs],
  );
  expect(found!.n).toBe(acked.size);
}, 300_000);
