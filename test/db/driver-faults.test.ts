// postgres.js under server faults (porsager/postgres #1066, #1154, #1208): a query buffered for a
// connection whose socket has just closed used to throw `TypeError: null is not an object
// (evaluating 'socket.write')` from a setImmediate callback, outside every promise, and so end the
// process. With the patch in patches/ (applied by bun install through patchedDependencies) every
// such query settles with a catchable error and nothing escapes. These tests fail (an uncaught
// TypeError, and a query that never settles) on the unpatched driver. A reserved connection (the
// pipelined transaction) whose socket closed while the pool reconnected it for another query left a
// later ROLLBACK waiting forever (the stop under load found it once pg_ctl no longer blocked the
// event loop); the patch makes such a handle reject every later query.
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "bun:test";
import postgres from "postgres";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { outcome } from "../harness/outcome.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";

let cluster: PgCluster;
const escaped: unknown[] = [];
const onEscape = (e: unknown) => escaped.push(e);

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});
beforeEach(() => {
  escaped.length = 0;
  process.on("uncaughtException", onEscape);
  process.on("unhandledRejection", onEscape);
});
afterEach(() => {
  process.off("uncaughtException", onEscape);
  process.off("unhandledRejection", onEscape);
});

test("a reserved connection whose backend was terminated rejects every later query; nothing escapes", async () => {
  const sql = postgres(cluster.url(), { max: 2, onnotice: () => {} });
  const killer = postgres(cluster.url(), { max: 1 });
  try {
    const reserved = await sql.reserve();
    const [row] = await reserved`SELECT pg_backend_pid() AS pid`;
    await killer`SELECT pg_terminate_backend(${row!.pid})`;
    await waitFor(
      async () => (await killer`SELECT 1 FROM pg_stat_activity WHERE pid = ${row!.pid}`).length === 0,
      10_000,
      "the backend to exit",
    );
    // The first query may meet the reset itself; the later ones find the socket already gone
    // (the path that threw from nextWrite).
    const results: string[] = [];
    for (let i = 0; i < 5; i++) results.push(await outcome(reserved`SELECT 1`));
    expect(results.every((r) => r.startsWith("rejected "))).toBe(true);
    expect(results.at(-1)).toBe("rejected CONNECTION_CLOSED");
    expect(escaped).toEqual([]);
    reserved.release();
  } finally {
    await Promise.allSettled([sql.end({ timeout: 1 }), killer.end({ timeout: 1 })]);
  }
});

test("a server stopped (pg_ctl stop -m fast) under load, three times: every query settles, nothing escapes, the pool serves again", async () => {
  const db: Database = await openDatabase({ key: "p", url: cluster.url() });
  try {
    for (let round = 0; round < 3; round++) {
      let stop = false;
      const outcomes = { ok: 0, failed: 0 };
      // Eight writers of small statements (the < 1 KiB writes buffered until the next tick), in
      // and out of transactions, until the server is gone.
      const workers = Array.from({ length: 8 }, async (_, w) => {
        while (!stop) {
          const q =
            w % 4 === 0 || w % 4 === 2
              ? db.query("SELECT $1::int AS n", [w])
              : w % 4 === 1
                ? db.transaction(async (tx) => tx.query("SELECT $1::int AS n", [w]))
                : db.transaction(async (tx) => tx.query("SELECT $1::int AS n", [w]), { pipelined: true });
          const r = await outcome(q);
          if (r === "pending") throw new Error(`a query never settled (worker ${w}, round ${round})`);
          if (r === "ok") outcomes.ok++;
          else outcomes.failed++;
          // A database known to be down rejects without I/O: yield so timers still run.
          await new Promise((r) => setImmediate(r));
        }
      });
      await waitFor(() => outcomes.ok > 50, 10_000, "load to run");
      await cluster.stop("fast");
      await waitFor(() => outcomes.failed > 0, 10_000, "queries to fail");
      stop = true;
      await Promise.all(workers);
      expect(escaped).toEqual([]);
      await cluster.start();
      await waitFor(
        async () => (await outcome(db.query("SELECT 1 AS one"))) === "ok",
        20_000,
        "the pool to serve again",
      );
    }
    expect(await db.query("SELECT 2 AS two")).toEqual([{ two: 2 }]);
    expect(escaped).toEqual([]);
  } finally {
    await db.close();
  }
}, 180_000);
