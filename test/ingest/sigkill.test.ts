// SIGKILL during a stream of POST /bulk/value on a real server with a primary and a secondary:
// every request answered 200 is in the primary, and after a restart and catch-up in the
// secondary, exactly once.
import { afterAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { openDatabase } from "../../src/db/index.ts";
import { newPostgresUrl } from "../harness/db.ts";
import { startServe, waitFor } from "../harness/proc.ts";

const ADMIN = { email: "ops@example.com", password: "sigkill-test-password-1" };
const procs: Subprocess[] = [];
afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
});

test("every request answered 200 before a SIGKILL is in the primary and, after catch-up, in the secondary", async () => {
  const primaryUrl = await newPostgresUrl({ migrated: false });
  const secondaryUrl = await newPostgresUrl({ migrated: false });
  const env = {
    DATABASE_URL: primaryUrl,
    SECONDARY_DATABASE_URLS: `replica=${secondaryUrl}`,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    DEMO: "false",
    SIMULATORS: "false",
    LOG_LEVEL: "warn",
  };
  const s1 = await startServe({ env });
  procs.push(s1.proc);
  const basic = `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString("base64")}`;
  const tok = await fetch(`${s1.url}/authorize/token`, { method: "POST", headers: { authorization: basic } });
  expect(tok.status).toBe(200);
  const headers = {
    authorization: `Bearer ${((await tok.json()) as { access_token: string }).access_token}`,
    "content-type": "application/json",
  };
  const orgs = (await (await fetch(`${s1.url}/user/org`, { headers })).json()) as {
    org: { id: number; key: string };
  }[];
  const org = orgs.find((o) => o.org.key === "demo")!.org;
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${s1.url}/entity`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        org_id: org.id,
        tags: [{ tag_name: "id", value_s: `kill.p${i}` }, { tag_name: "point" }, { tag_name: "his" }],
      }),
    });
    expect(r.status).toBe(200);
    ids.push(((await r.json()) as { id: number }).id);
  }

  // Stream requests of 500 values each (100 timestamps × 5 points); remember the acknowledged ones.
  const acked: number[] = [];
  const base = Date.UTC(2025, 0, 1);
  let stop = false;
  const stream = (async () => {
    for (let n = 0; n < 400 && !stop; n++) {
      const values = [];
      for (let k = 0; k < 100; k++)
        for (const id of ids)
          values.push({
            entity_id: id,
            ts: new Date(base + (n * 100 + k) * 60_000).toISOString(),
            value_n: n + k / 100,
          });
      try {
        const r = await fetch(`${s1.url}/bulk/value`, {
          method: "POST",
          headers,
          body: JSON.stringify({ org_id: org.id, values }),
        });
        if (r.status === 200) acked.push(n);
      } catch {
        return; // the server is gone
      }
    }
  })();
  await waitFor(() => acked.length >= 15, 60_000, "15 acknowledged requests");
  s1.proc.kill("SIGKILL");
  stop = true;
  await s1.proc.exited;
  await stream;

  const expected = new Set<string>();
  for (const n of acked)
    for (let k = 0; k < 100; k++)
      for (const id of ids) expected.add(`${id}@${new Date(base + (n * 100 + k) * 60_000).toISOString()}`);

  const rowsOf = async (url: string) => {
    const db = await openDatabase({ key: "check", url });
    try {
      return await db.query<{ entity_id: number; ts: Date }>("SELECT entity_id, ts FROM core.values_demo");
    } finally {
      await db.close();
    }
  };
  const primaryRows = new Set((await rowsOf(primaryUrl)).map((r) => `${r.entity_id}@${r.ts.toISOString()}`));
  expect([...expected].filter((k) => !primaryRows.has(k))).toEqual([]);
  expect(acked.length).toBeGreaterThanOrEqual(15);

  // Restart: the outbox catches the secondary up; then both hold the same rows, once each.
  const s2 = await startServe({ env });
  procs.push(s2.proc);
  await waitFor(
    async () => {
      const h = (await (await fetch(`${s2.url}/health/databases`)).json()) as {
        databases: { key: string; backlog: number; status: string }[];
      };
      const r = h.databases.find((d) => d.key === "replica");
      return r?.status === "healthy" && r.backlog === 0;
    },
    60_000,
    "the secondary's backlog to drain",
  );
  s2.proc.kill("SIGTERM");
  expect(await s2.proc.exited).toBe(0);
  const secondary = await rowsOf(secondaryUrl);
  const secondaryKeys = secondary.map((r) => `${r.entity_id}@${r.ts.toISOString()}`);
  expect(new Set(secondaryKeys).size).toBe(secondaryKeys.length);
  expect(new Set(secondaryKeys)).toEqual(primaryRows);
}, 180_000);
