// First start on an empty embedded database (DEMO unset): org `demo` gets the office simulator,
// running, with one day of history and live values within a minute.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServe, waitFor } from "../harness/proc.ts";
import { ADMIN, api, serverToken } from "./helpers.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Sim {
  id: number;
  key: string;
  template: string;
  status: string;
  interval_minutes: number;
  first_interval: string | null;
  last_interval: string | null;
  points_written: number;
  point_count: number;
}

test("the demo org's office simulator runs with one day of history within a minute", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hs-demo-"));
  dirs.push(dir);
  const started = Date.now();
  const s = await startServe({
    env: { DATA_DIR: dir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: "warn" },
  });
  try {
    const token = await serverToken(s.url);
    const orgs = await api<Array<{ id: number; key: string }>>(s.url, token, "/org");
    const demo = orgs.find((o) => o.key === "demo");
    expect(demo).toBeDefined();
    let sim: Sim | undefined;
    await waitFor(
      async () => {
        [sim] = await api<Sim[]>(s.url, token, `/simulator?org_id=${demo!.id}`);
        // The backfill writes in chunks and last_interval moves with each: the day is there when
        // the simulator has caught up with the current interval.
        if (!sim?.last_interval || sim.status !== "running" || sim.first_interval === null) return false;
        return Date.now() - Date.parse(sim.last_interval) < sim.interval_minutes * 60_000 + 60_000;
      },
      60_000,
      "the demo simulator's first day of history",
    );
    // Start-up (migrations of a new embedded directory) plus the first day's backfill.
    expect(Date.now() - started).toBeLessThan(90_000);
    expect(sim).toMatchObject({ key: "demo-office", template: "office-tower", status: "running" });
    const step = sim!.interval_minutes * 60_000;
    const first = Date.parse(sim!.first_interval!);
    const last = Date.parse(sim!.last_interval!);
    // One day of backfill up to the current interval.
    expect(last - first).toBe(86_400_000 - step);
    expect(Date.now() - last).toBeLessThan(step + 60_000);
    expect(sim!.points_written).toBe((86_400_000 / step) * sim!.point_count);
    // A point's values are readable through the REST API.
    const [row] = await api<Array<{ entity_id: number; tags: unknown[] }>>(s.url, token, "/filter", {
      method: "POST",
      body: JSON.stringify({ org_id: demo!.id, filter: "elec and power and sensor and his" }),
    });
    const current = await api<Array<{ value_n: number | null; ts: string }>>(s.url, token, "/point/current", {
      method: "POST",
      body: JSON.stringify({ org_id: demo!.id, points: [row!.entity_id] }),
    });
    expect(current[0]?.value_n).toBeGreaterThanOrEqual(0);
    expect(Date.parse(current[0]!.ts)).toBe(last);
  } finally {
    s.proc.kill("SIGTERM");
    await s.proc.exited;
  }
}, 180_000);
