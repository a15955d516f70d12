// The embedded engine: a seed dump is unpacked onto disk (then opened as an existing directory),
// and the engine runs with the memory settings sized for a small team.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EMBEDDED_SETTINGS, openDatabase } from "../../src/db/connect.ts";
import { unpackDataDir } from "../../src/db/seed.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("a data directory dump unpacks onto disk and opens with its rows", async () => {
  const data = mkdtempSync(join(tmpdir(), "hs-engine-"));
  dirs.push(data);
  const mem = await openDatabase({ key: "t", url: "pglite://memory" });
  let dump: Blob;
  try {
    await mem.exec("CREATE TABLE t (n int PRIMARY KEY, s text); INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    dump = await mem.dumpDataDir!();
  } finally {
    await mem.close();
  }
  expect(await unpackDataDir(dump, join(data, "db"))).toBe(true);
  expect(existsSync(join(data, "db.seeding"))).toBe(false);
  // A directory with contents is never overwritten.
  expect(await unpackDataDir(dump, join(data, "db"))).toBe(false);
  const db = await openDatabase({ key: "t", url: `pglite://${data}/db` });
  try {
    expect(await db.query("SELECT n, s FROM t ORDER BY n")).toEqual([
      { n: 1, s: "one" },
      { n: 2, s: "two" },
    ]);
  } finally {
    await db.close();
  }
}, 120_000);

test("the embedded engine runs with the small-team memory settings", async () => {
  const db = await openDatabase({ key: "t", url: "pglite://memory" });
  try {
    for (const [name, value] of Object.entries(EMBEDDED_SETTINGS)) {
      const [r] = await db.query<{ v: string }>("SELECT current_setting($1) AS v", [name]);
      expect([name, r!.v]).toEqual([name, value]);
    }
  } finally {
    await db.close();
  }
}, 120_000);
