// The last-resort guard (src/db/faults.ts): an error that escapes a database connection outside
// every promise is logged and counted as a failure of that database, and the process goes on;
// an error of our own still ends the process (status 1), as it would without the guard.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { openDatabase } from "../../src/db/index.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});

const script = new URL("../fixtures/escaped-fault.ts", import.meta.url).pathname;

async function run(kind: "database" | "other") {
  const p = Bun.spawn([process.execPath, script, cluster.url(), kind], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { out, err, code };
}

test("an error escaping a database connection is logged and counted against that database; the process lives on", async () => {
  const { out, code } = await run("database");
  expect(code).toBe(0);
  const seen = JSON.parse(out);
  expect(seen.counts).toEqual({ replica: 1 });
  expect(seen.lines).toHaveLength(1);
  expect(seen.lines[0]).toContain("an error escaped a database connection");
  expect(seen.lines[0]).toContain('"database":"replica"');
  // Marked down by the guard, then found up again by its probe: the next query is answered.
  expect(seen.seenDown).toBe(true);
  expect(seen.answered).toEqual([{ one: 1 }]);
});

test("an error of our own is not swallowed: logged, status 1", async () => {
  const { out, code } = await run("other");
  expect(code).toBe(1);
  expect(out).toBe("");
});

test("with several databases on one server, an escaped error is counted against the database whose connection threw it", async () => {
  const admin = await openDatabase({ key: "admin", url: cluster.url() });
  await admin.exec("CREATE DATABASE replica_db");
  await admin.close();
  const fixture = new URL("../fixtures/escaped-fault-several.ts", import.meta.url).pathname;
  const p = Bun.spawn([process.execPath, fixture, cluster.url(), cluster.url("replica_db")], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
  const seen = JSON.parse(out);
  expect(seen.counts).toEqual({ replica: 1, primary: 1 });
  expect(seen.lines).toHaveLength(2);
  expect(seen.lines[0]).toContain('"database":"replica"');
  expect(seen.lines[1]).toContain('"database":"primary"');
  expect(seen.answered).toEqual({ primary: [{ one: 1 }], replica: [{ one: 1 }] });
}, 60_000);
