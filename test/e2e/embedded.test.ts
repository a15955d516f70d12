// The embedded database as an operator meets it: one command serves on ./data, a second server
// on the same directory is refused, SIGKILL loses nothing committed, SIGTERM exits 0, and
// backup/restore round-trip.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/index.ts";
import { runCli, startServe, waitFor } from "../harness/proc.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "hs-e2e-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function countRows(dir: string): Promise<number> {
  const db = await openDatabase({ key: "check", url: `pglite://${dir}` });
  try {
    return (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crash_test"))[0]!.n;
  } finally {
    await db.close();
  }
}

describe("embedded server lifecycle", () => {
  const data = tempDir();
  const env = { DATA_DIR: data, DEMO: "false", LOG_LEVEL: "info" };

  test("serves /health with migrations applied; a second server on the same directory is refused", async () => {
    const s = await startServe({ env, cwd: tempDir() });
    try {
      expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ status: "ok" });
      const dbHealth = (await (await fetch(`${s.url}/health/databases`)).json()) as {
        overall_status: string;
        databases: { key: string; engine: string }[];
      };
      expect(dbHealth.overall_status).toBe("healthy");
      // One embedded engine holds the building and the state tables (as a server primary does).
      expect(dbHealth.databases.map((d) => [d.key, d.engine])).toEqual([["primary", "pglite"]]);
      expect(JSON.stringify(dbHealth)).not.toContain(data);

      const second = await runCli(["serve"], { ...env, PORT: "0" });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain("in use by another haystack-sim process");

      const migrate = await runCli(["migrate"], env);
      expect(migrate.code).toBe(1);
      expect(migrate.stderr).toContain("stop that server first");

      const backup = await runCli(["backup", join(data, "..", "x.bak")], env);
      expect(backup.code).toBe(1);
      expect(backup.stderr).toContain("in use");
    } finally {
      s.proc.kill("SIGTERM");
      expect(await s.proc.exited).toBe(0);
    }
    expect(s.logs()).toContain("stopped");
  }, 180_000);

  test("after SIGKILL the server starts again on the same directory", async () => {
    const s = await startServe({ env });
    s.proc.kill("SIGKILL");
    await s.proc.exited;
    const again = await startServe({ env });
    try {
      const r = await fetch(`${again.url}/health/databases`);
      expect(((await r.json()) as { overall_status: string }).overall_status).toBe("healthy");
      expect(again.logs()).not.toContain("migrated");
    } finally {
      again.proc.kill("SIGTERM");
      expect(await again.proc.exited).toBe(0);
    }
  }, 180_000);
});

test("rows committed before a SIGKILL are there after reopening", async () => {
  const dir = join(tempDir(), "primary");
  for (let round = 0; round < 2; round++) {
    const child = Bun.spawn([process.execPath, `${ROOT}test/fixtures/writer.ts`, dir], {
      stdout: "pipe",
      stderr: "pipe",
    });
    let lastAcked = 0;
    const reader = (async () => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of child.stdout) {
        buf += dec.decode(chunk);
        const lines = buf.split("\n");
        buf = lines.pop() ?? "";
        for (const l of lines) if (l) lastAcked = Number(l);
      }
    })();
    const floor = lastAcked;
    await waitFor(() => lastAcked >= floor + 30, 60_000, "30 commits");
    child.kill("SIGKILL");
    await child.exited;
    await reader;
    expect(await countRows(dir)).toBeGreaterThanOrEqual(lastAcked);
  }
}, 180_000);

test("backup and restore round-trip the embedded databases", async () => {
  const data = tempDir();
  const env = { DATA_DIR: data };
  const migrated = await runCli(["migrate"], env);
  expect(migrated.code).toBe(0);
  expect(migrated.stdout).toContain("building: applied 0001_core");
  expect(migrated.stdout).toContain("state: applied 0001_state");
  const db = await openDatabase({ key: "p", url: `pglite://${data}/primary` });
  await db.exec("CREATE TABLE crash_test (n int PRIMARY KEY); INSERT INTO crash_test VALUES (1), (2)");
  await db.close();

  const file = join(data, "backup.hsb");
  const b = await runCli(["backup", file], env);
  expect(b.code).toBe(0);
  expect(b.stdout).toContain("primary:");
  expect(b.stdout).not.toContain("state:");

  const db2 = await openDatabase({ key: "p", url: `pglite://${data}/primary` });
  await db2.exec("INSERT INTO crash_test VALUES (3)");
  await db2.close();
  expect(await countRows(`${data}/primary`)).toBe(3);

  const r = await runCli(["restore", file], env);
  expect(r.code).toBe(0);
  expect(await countRows(`${data}/primary`)).toBe(2);
  expect((await runCli(["migrate"], env)).stdout).toContain("building: up to date");

  const bad = await runCli(["restore", join(ROOT, "package.json")], env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain("not a haystack-sim backup");
}, 180_000);

test("a bad configuration stops the start naming every bad key", async () => {
  const r = await runCli(["serve"], { PORT: "x", LOG_LEVEL: "loud" });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("PORT");
  expect(r.stderr).toContain("LOG_LEVEL");
}, 180_000);

test("help, version and unknown commands", async () => {
  const h = await runCli(["help"], {});
  expect(h.code).toBe(0);
  expect(h.stdout).toContain("backup <file>");
  const v = await runCli(["version"], {});
  expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  const u = await runCli(["frobnicate"], {});
  expect(u.code).toBe(2);
  expect(u.stderr).toContain('unknown command "frobnicate"');
}, 180_000);
