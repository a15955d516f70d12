// A server stopped and started again on the same embedded data directory (issue 15): after SIGTERM
// and after SIGKILL the next `serve` on that DATA_DIR answers, its databases are healthy, and every
// value acknowledged before the stop is there, once.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerProcess, startServe } from "../harness/proc.ts";

const ADMIN = { email: "ops@example.com", password: "restart-test-password" };
const dirs: string[] = [];
const running: ServerProcess[] = [];
afterAll(async () => {
  for (const s of running) s.proc.kill("SIGKILL");
  await Promise.all(running.map((s) => s.proc.exited));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serve(data: string): Promise<ServerProcess> {
  const s = await startServe({
    env: {
      DATA_DIR: data,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      DEMO: "false",
      LOG_LEVEL: "warn",
    },
    timeoutMs: 90_000,
  });
  running.push(s);
  return s;
}

async function signIn(url: string): Promise<Record<string, string>> {
  const basic = `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString("base64")}`;
  const r = await fetch(`${url}/authorize/token`, { method: "POST", headers: { authorization: basic } });
  expect(r.status).toBe(200);
  const { access_token } = (await r.json()) as { access_token: string };
  return { authorization: `Bearer ${access_token}`, "content-type": "application/json" };
}

async function demoOrg(url: string, headers: Record<string, string>): Promise<number> {
  const orgs = (await (await fetch(`${url}/user/org`, { headers })).json()) as {
    org: { id: number; key: string };
  }[];
  return orgs.find((o) => o.org.key === "demo")!.org.id;
}

const BASE = Date.UTC(2025, 0, 1);

/** Writes 10 values to one point, one a minute from minute `from`; the request is answered 200. */
async function writeValues(
  url: string,
  headers: Record<string, string>,
  org: number,
  id: number,
  from: number,
) {
  const values = Array.from({ length: 10 }, (_, k) => ({
    entity_id: id,
    ts: new Date(BASE + (from + k) * 60_000).toISOString(),
    value_n: from + k,
  }));
  const r = await fetch(`${url}/bulk/value`, {
    method: "POST",
    headers,
    body: JSON.stringify({ org_id: org, values }),
  });
  expect(r.status).toBe(200);
}

async function storedMinutes(url: string, headers: Record<string, string>, org: number, id: number) {
  const r = await fetch(`${url}/value/${id}?org_id=${org}&limit=1000`, { headers });
  expect(r.status).toBe(200);
  const rows = (await r.json()) as { ts: string; value_n: number }[];
  return rows.map((v) => v.value_n).sort((a, b) => a - b);
}

async function stop(s: ServerProcess, signal: "SIGTERM" | "SIGKILL"): Promise<number> {
  s.proc.kill(signal);
  const code = await s.proc.exited;
  running.splice(running.indexOf(s), 1);
  return code;
}

test("a restart on the same data directory serves, after SIGTERM and after SIGKILL, with every acknowledged value", async () => {
  const root = mkdtempSync(join(tmpdir(), "hs-restart-"));
  dirs.push(root);
  const data = join(root, "data");

  const first = await serve(data);
  let headers = await signIn(first.url);
  const org = await demoOrg(first.url, headers);
  const created = await fetch(`${first.url}/entity`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      org_id: org,
      tags: [{ tag_name: "id", value_s: "restart.p1" }, { tag_name: "point" }, { tag_name: "his" }],
    }),
  });
  expect(created.status).toBe(200);
  const id = ((await created.json()) as { id: number }).id;
  await writeValues(first.url, headers, org, id, 0);
  expect(await stop(first, "SIGTERM")).toBe(0);

  const second = await serve(data);
  headers = await signIn(second.url);
  expect(await storedMinutes(second.url, headers, org, id)).toEqual(Array.from({ length: 10 }, (_, k) => k));
  await writeValues(second.url, headers, org, id, 10);
  await stop(second, "SIGKILL");

  const third = await serve(data);
  headers = await signIn(third.url);
  const health = (await (await fetch(`${third.url}/health/databases`)).json()) as { overall_status: string };
  expect(health.overall_status).toBe("healthy");
  expect(await storedMinutes(third.url, headers, org, id)).toEqual(Array.from({ length: 20 }, (_, k) => k));
  expect(third.logs()).not.toContain("uncaught");
  expect(await stop(third, "SIGTERM")).toBe(0);
}, 300_000);
