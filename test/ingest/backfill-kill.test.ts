// SIGKILL in the middle of a bulk backfill (many intervals per transaction, the next chunk
// generated while the previous one is written): after a restart the backfill resumes from the
// checkpoint, and the history holds every interval from the first to the last exactly once for
// every point, with the checkpoint's count of points written equal to the rows stored (a chunk
// written twice, or counted without its rows, would break the equality).
import { afterAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { openDatabase } from "../../src/db/index.ts";
import { newPostgresUrl } from "../harness/db.ts";
import { startServe, waitFor } from "../harness/proc.ts";
import { ADMIN, api, createOrgAndSimulator, serverToken } from "../simulator/helpers.ts";

interface Sim {
  id: number;
  status: string;
  interval_minutes: number;
  first_interval: string | null;
  last_interval: string | null;
  points_written: number;
  point_count: number;
}

const procs: Subprocess[] = [];
afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
});

test("a backfill killed mid-way resumes: every interval of every point stored once", async () => {
  const url = await newPostgresUrl({ migrated: false });
  const env = {
    DATABASE_URL: url,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    DEMO: "false",
    LOG_LEVEL: "warn",
  };
  const s1 = await startServe({ env });
  procs.push(s1.proc);
  const token1 = await serverToken(s1.url);
  const { sim } = await createOrgAndSimulator<Sim>(
    s1.url,
    token1,
    { name: "Kill", key: "kill" },
    { key: "tower", template: "office-tower", interval_minutes: 15, backfill_days: 2 },
  );
  const step = 15 * 60_000;
  const state = (base: string, token: string) => api<Sim>(base, token, `/simulator/${sim.id}`);

  // Killed once some chunks are committed and before the backfill reached now.
  let atKill: Sim | undefined;
  await waitFor(
    async () => {
      atKill = await state(s1.url, token1);
      return atKill.points_written > 0;
    },
    120_000,
    "the first committed chunk of the backfill",
  );
  s1.proc.kill("SIGKILL");
  await s1.proc.exited;
  expect(Date.now() - Date.parse(atKill!.last_interval!)).toBeGreaterThan(2 * step);

  const s2 = await startServe({ env });
  procs.push(s2.proc);
  const token2 = await serverToken(s2.url);
  let done: Sim | undefined;
  await waitFor(
    async () => {
      done = await state(s2.url, token2);
      return done.status === "running" && Date.now() - Date.parse(done.last_interval!) < 2 * step;
    },
    240_000,
    "the resumed backfill to reach now",
  );
  s2.proc.kill("SIGTERM");
  expect(await s2.proc.exited).toBe(0);

  const db = await openDatabase({ key: "check", url });
  try {
    const [rows] = await db.query<{
      n: number;
      distinct_keys: number;
      points: number;
      first: Date;
      last: Date;
    }>(
      `SELECT count(*)::int AS n, count(DISTINCT (entity_id, ts))::int AS distinct_keys,
              count(DISTINCT entity_id)::int AS points, min(ts) AS first, max(ts) AS last
         FROM core.values_kill`,
    );
    const [ck] = await db.query<{ points_written: number; first_ts: Date; last_ts: Date }>(
      "SELECT points_written::int AS points_written, first_ts, last_ts FROM core.hs_simulator_checkpoint WHERE simulator_id = $1",
      [sim.id],
    );
    const perPoint = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM core.values_kill GROUP BY entity_id ORDER BY 1",
    );
    const intervals = (rows!.last.getTime() - rows!.first.getTime()) / step + 1;
    expect(rows!.points).toBe(sim.point_count);
    expect(rows!.distinct_keys).toBe(rows!.n);
    expect(rows!.n).toBe(intervals * sim.point_count);
    expect(new Set(perPoint.map((p) => p.n))).toEqual(new Set([intervals]));
    expect(ck).toEqual({ points_written: rows!.n, first_ts: rows!.first, last_ts: rows!.last });
  } finally {
    await db.close();
  }
}, 420_000);
