// Throwaway clusters die with the process that started them: a test process killed by `timeout`
// or SIGKILL leaves no postmaster and no directory behind (the watcher of each cluster), and a
// cluster whose watcher was killed too is reaped by the next process that starts one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reapOrphanClusters } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";

const PG = new URL("../harness/pg.ts", import.meta.url).pathname;

/** The postmaster of a cluster directory while it runs. */
function postmaster(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

describe("throwaway clusters of a killed test process", () => {
  let root: string;
  const started: Bun.Subprocess[] = [];

  beforeAll(() => {
    // a private temporary root, so only this test's clusters are looked at
    root = mkdtempSync(join(tmpdir(), "hs-orphans-"));
    chmodSync(root, 0o755);
  });
  afterAll(async () => {
    for (const p of started) p.kill("SIGKILL");
    await reapOrphanClusters(root);
    rmSync(root, { recursive: true, force: true });
  });

  /** A process that starts a cluster and waits; resolves with the cluster's directory. */
  async function owner(): Promise<{ proc: Bun.Subprocess<"ignore", "pipe", "inherit">; dir: string }> {
    const code = `import { startCluster } from ${JSON.stringify(PG)};
      const c = await startCluster();
      console.log(c.dir);
      await Bun.sleep(120_000);`;
    const proc = Bun.spawn([process.execPath, "-e", code], {
      env: { ...process.env, TMPDIR: root },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    });
    started.push(proc);
    const reader = proc.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the owner process exited: ${text}`);
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const dir = text.trim();
    expect(dir.startsWith(root)).toBe(true);
    expect(postmaster(dir)).toBeNumber();
    return { proc, dir };
  }

  test("SIGKILL of the owner: the watcher stops the postmaster and removes the directory", async () => {
    const { proc, dir } = await owner();
    const pid = postmaster(dir)!;
    proc.kill("SIGKILL");
    await proc.exited;
    await waitFor(() => postmaster(dir) === undefined && !existsSync(dir), 30_000, "the cluster to go");
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  test("owner and watcher both killed: the next start reaps it; a live owner's cluster stays", async () => {
    const live = await owner();
    const dead = await owner();
    const watcher = Number(readFileSync(join(dead.dir, "watcher"), "utf8"));
    process.kill(watcher, "SIGKILL");
    dead.proc.kill("SIGKILL");
    await dead.proc.exited;
    expect(postmaster(dead.dir)).toBeNumber(); // orphaned: nobody else would stop it

    expect(await reapOrphanClusters(root)).toEqual([dead.dir]);
    expect(postmaster(dead.dir)).toBeUndefined();
    expect(existsSync(dead.dir)).toBe(false);
    expect(postmaster(live.dir)).toBeNumber();

    live.proc.kill("SIGTERM"); // as `timeout` ends a process
    await live.proc.exited;
    await waitFor(
      () => postmaster(live.dir) === undefined && !existsSync(live.dir),
      30_000,
      "the cluster to go",
    );
  });
});
