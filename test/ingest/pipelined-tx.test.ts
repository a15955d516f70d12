// The pipelined transaction of the write path (db/connect.ts `transaction(fn, {pipelined: true})`):
// BEGIN is sent with fn's statements, so what it must keep is the transaction itself: everything
// commits together, fn's failure rolls everything back, and a statement that failed without fn
// awaiting it turns the commit into a rejection (never a silent partial or lost write).
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";

let cluster: PgCluster;
let db: Database;

beforeAll(async () => {
  cluster = await startCluster();
  db = await openDatabase({ key: "pipelined", url: cluster.url(), max: 2 });
});
afterAll(async () => {
  await db?.close();
  await cluster?.destroy();
});
beforeEach(() => db.exec("DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY)"));

const ids = async () => (await db.query<{ id: number }>("SELECT id FROM t ORDER BY id")).map((r) => r.id);

test("statements sent without waiting commit together, in one transaction", async () => {
  const out = await db.transaction(
    async (tx) => {
      const [a, b, xid] = await Promise.all([
        tx.query("INSERT INTO t VALUES (1)"),
        tx.query("INSERT INTO t VALUES (2)"),
        tx.query<{ same: boolean }>("SELECT txid_current_if_assigned() IS NOT NULL AS same"),
      ]);
      return { a, b, xid };
    },
    { pipelined: true },
  );
  expect(out.xid[0]?.same).toBe(true);
  expect(await ids()).toEqual([1, 2]);
});

test("fn's failure rolls back what it wrote; the pool's connections stay usable", async () => {
  const failing = db.transaction(
    async (tx) => {
      await tx.query("INSERT INTO t VALUES (1)");
      await tx.query("INSERT INTO t VALUES (1)");
    },
    { pipelined: true },
  );
  await expect(failing).rejects.toMatchObject({ code: "23505" });
  expect(await ids()).toEqual([]);
  for (let i = 0; i < 4; i++)
    await db.transaction((tx) => tx.query("INSERT INTO t VALUES ($1)", [10 + i]), { pipelined: true });
  expect(await ids()).toEqual([10, 11, 12, 13]);
});

test("a failed statement fn did not await makes the commit reject, and nothing is stored", async () => {
  const unseen = db.transaction(
    async (tx) => {
      tx.query("INSERT INTO t VALUES (1), (1)").catch(() => {});
      await tx.query("SELECT 1").catch(() => {});
    },
    { pipelined: true },
  );
  await expect(unseen).rejects.toThrow(/ROLLBACK/);
  expect(await ids()).toEqual([]);
});
