// The compiled executable, copied alone into an empty directory, starts, migrates an embedded
// database there and serves /health; it carries migrations, PGlite and its seed inside, and the
// simulator's chunk worker (an extra entry point of the build): the demo's backfill runs on it.
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startServe, waitFor } from "../harness/proc.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "hs-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("bun run build produces one executable that runs alone in an empty directory", async () => {
  const build = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  expect(build.exitCode, build.stderr.toString()).toBe(0);
  const bin = join(dir, "haystack-sim");
  copyFileSync(join(ROOT, "dist", "haystack-sim"), bin);
  Bun.spawnSync(["chmod", "+x", bin]);
  expect(readdirSync(dir)).toEqual(["haystack-sim"]);

  const version = await runCli(["version"], {}, { cmd: [bin], cwd: dir });
  expect(version.code).toBe(0);

  const s = await startServe({ cmd: [bin], cwd: dir, env: { DEMO: "false" } });
  try {
    expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ status: "ok" });
    const dbs = (await (await fetch(`${s.url}/health/databases`)).json()) as { overall_status: string };
    expect(dbs.overall_status).toBe("healthy");
    // The built-in seed carries the migrations: a first start creates the database, migrating nothing.
    expect(s.logs()).toContain("created the embedded database");
    expect(s.logs()).not.toContain("migrated");
    expect(existsSync(join(dir, "data", "primary", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    // One directory for the building and the state tables; nothing of the former layout.
    expect(readdirSync(join(dir, "data")).sort()).toEqual(["primary", "primary.lock"]);
  } finally {
    s.proc.kill("SIGTERM");
    expect(await s.proc.exited).toBe(0);
  }

  // A later start on the same directory: opens it as it is, creates and migrates nothing.
  const again = await startServe({ cmd: [bin], cwd: dir, env: { DEMO: "false" } });
  try {
    expect(await (await fetch(`${again.url}/health`)).json()).toEqual({ status: "ok" });
    expect(again.logs()).not.toContain("created the embedded database");
    expect(again.logs()).not.toContain("migrated");
    expect(again.logs()).not.toContain("ERROR");
  } finally {
    again.proc.kill("SIGTERM");
    expect(await again.proc.exited).toBe(0);
  }
  expect(again.logs()).toContain("stopped");
}, 180_000);

test("the executable's simulator generates the demo backfill on its chunk worker, and stops on SIGTERM", async () => {
  const bin = join(dir, "haystack-sim");
  expect(existsSync(bin)).toBe(true);
  const demoDir = mkdtempSync(join(tmpdir(), "hs-bin-demo-"));
  try {
    const s = await startServe({ cmd: [bin], cwd: demoDir, env: { LOG_LEVEL: "debug" } });
    try {
      await waitFor(() => /simulator backfill complete/.test(s.logs()), 120_000, "the demo backfill");
      expect(s.logs()).toContain("simulator chunk worker started");
      expect(s.logs()).not.toContain("chunk worker unavailable");
      expect(s.logs()).not.toContain("simulator run failed");
    } finally {
      s.proc.kill("SIGTERM");
      expect(await s.proc.exited).toBe(0);
    }
  } finally {
    rmSync(demoDir, { recursive: true, force: true });
  }
}, 180_000);
