// The compiled executable, copied alone into an empty directory, starts, migrates an embedded
// database there and serves /health; it carries migrations, PGlite and its seed inside.
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, startServe } from "../harness/proc.ts";

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
    expect(s.logs()).toContain("migrated");
    expect(existsSync(join(dir, "data", "primary", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
  } finally {
    s.proc.kill("SIGTERM");
    expect(await s.proc.exited).toBe(0);
  }
}, 180_000);
