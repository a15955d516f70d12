// `haystack-sim simulate` as an operator runs it: a server (PostgreSQL, simulators not run there)
// and a separate process writing one simulator's backfill and live interval to it over HTTP;
// the backfill's chunks come from the chunk worker; SIGTERM stops the runner with exit code 0 and
// releases its lease.
import { expect, test } from "bun:test";
import { newPostgresUrl } from "../harness/db.ts";
import { sourceCommand, startServe, waitFor } from "../harness/proc.ts";
import { ADMIN, api, createOrgAndSimulator, serverToken } from "./helpers.ts";

interface Sim {
  id: number;
  status: string;
  points_written: number;
  point_count: number;
  last_interval: string | null;
}

/**
 * A server on a new PostgreSQL database (simulators not run there) with one retail simulator of
 * `backfillDays`, and a `simulate` runner started for it (debug log: it says where the chunks were
 * generated); `output` is the runner's stdout and stderr, read while it runs so a full pipe never
 * blocks it. `body` runs with both; the server is stopped after it.
 */
async function withRunner(
  backfillDays: number,
  extraArgs: string[],
  body: (o: {
    url: string;
    token: string;
    sim: Sim;
    runner: Bun.Subprocess<"ignore", "pipe", "pipe">;
    output: Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  const s = await startServe({
    env: {
      DATABASE_URL: await newPostgresUrl(),
      DEMO: "false",
      SIMULATORS: "false",
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: "warn",
    },
  });
  try {
    const token = await serverToken(s.url);
    const { sim } = await createOrgAndSimulator<Sim>(
      s.url,
      token,
      { name: "Remote", key: "remote" },
      { key: "shop", template: "retail-rtu", interval_minutes: 60, backfill_days: backfillDays },
    );
    const runner = Bun.spawn(
      [
        ...sourceCommand(),
        "simulate",
        "--api-url",
        s.url,
        "--token",
        token,
        "--simulator-id",
        String(sim.id),
        ...extraArgs,
      ],
      {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "debug" },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const output = Promise.all([new Response(runner.stdout).text(), new Response(runner.stderr).text()]).then(
      (o) => o.join(""),
    );
    await body({ url: s.url, token, sim, runner, output });
  } finally {
    s.proc.kill("SIGTERM");
    await s.proc.exited;
  }
}

test("simulate fills a simulator of another server and stops cleanly on SIGTERM", async () => {
  // Four days are two chunks of `POST /bulk/value`, so the second one comes from the chunk worker.
  await withRunner(4, ["--holder", "cli-test"], async ({ url, token, sim, runner, output }) => {
    try {
      let v: Sim | undefined;
      await waitFor(
        async () => {
          v = await api<Sim>(url, token, `/simulator/${sim.id}`);
          return v.points_written === 4 * 24 * v.point_count;
        },
        60_000,
        "the remote backfill",
      );
      expect(v!.status).toBe("running");
      const hour = 3_600_000;
      expect(Date.parse(v!.last_interval!)).toBe(Math.floor(Date.now() / hour) * hour);
    } finally {
      runner.kill("SIGTERM");
    }
    expect(await runner.exited).toBe(0);
    const log = await output;
    expect(log).toContain("simulator chunk worker started");
    expect(log).not.toContain("chunk worker unavailable");
    const state = await api<{ status: string }>(url, token, `/simulator/state/${sim.id}`);
    expect(state.status).toBe("stopped");
    const { events } = await api<{ events: Array<{ event_type: string; details: { remote?: boolean } }> }>(
      url,
      token,
      `/simulator/${sim.id}/activity?limit=100`,
    );
    const remote = events.filter((e) => e.details?.remote).map((e) => e.event_type);
    expect(remote).toContain("backfill");
    expect(remote[0]).toBe("stop");
  });
}, 180_000);

test("SIGTERM in the middle of a backfill on the chunk worker: the runner stops after the chunk in flight", async () => {
  // 90 days of hourly rows: about 27 chunks of `POST /bulk/value`, generated on the worker.
  await withRunner(90, [], async ({ url, token, sim, runner, output }) => {
    try {
      await waitFor(
        async () => (await api<Sim>(url, token, `/simulator/${sim.id}`)).points_written > 0,
        60_000,
        "the first chunk",
      );
    } finally {
      runner.kill("SIGTERM");
    }
    expect(await runner.exited).toBe(0);
    expect(await output).toContain("simulator chunk worker started");
    const after = await api<Sim>(url, token, `/simulator/${sim.id}`);
    // Stopped part-way, on a whole chunk: every interval it reported is all there.
    expect(after.points_written).toBeLessThan(90 * 24 * after.point_count);
    expect(after.points_written % after.point_count).toBe(0);
    const state = await api<{ status: string }>(url, token, `/simulator/state/${sim.id}`);
    expect(state.status).toBe("stopped");
  });
}, 180_000);
