// copyIn (src/db/connect.ts): COPY FROM STDIN that settles with the server's answer. postgres.js
// resolves a COPY query with a writable stream; when the server refuses the data after the stream
// has ended (a unique violation found on the last rows) or the connection dies then, the stream
// never finishes and nothing rejects — awaiting it hangs. copyIn must reject in every such case.
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "bun:test";
import { copyField, copyIn, type Database, openDatabase } from "../../src/db/index.ts";
import { outcome } from "../harness/outcome.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";

let cluster: PgCluster;
let db: Database;
const escaped: unknown[] = [];
const onEscape = (e: unknown) => escaped.push(e);

beforeAll(async () => {
  cluster = await startCluster();
  db = await openDatabase({ key: "copy", url: cluster.url() });
});
afterAll(async () => {
  await db?.close();
  await cluster?.destroy();
});
beforeEach(async () => {
  escaped.length = 0;
  process.on("uncaughtException", onEscape);
  process.on("unhandledRejection", onEscape);
  if (db.availability().up)
    await db.exec("DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY, s text, n numeric, b bool)");
});
afterEach(() => {
  process.off("uncaughtException", onEscape);
  process.off("unhandledRejection", onEscape);
  expect(escaped).toEqual([]);
});

const line = (...xs: Parameters<typeof copyField>[0][]) => `${xs.map(copyField).join("\t")}\n`;
const TRICKY = ["tab\there", "new\nline", "back\\slash", "cr\rx", "\\N", ""];

async function roundTrip(d: Database) {
  const rows = TRICKY.map((s, i) => line(i + 1, s, i + 0.5, i % 2 === 0));
  rows.push(line(100, null, null, null));
  await d.transaction((tx) => copyIn(tx, "t (id, s, n, b)", rows.join("")));
  const got = await d.query<{ id: number; s: string | null; n: number | null; b: boolean | null }>(
    "SELECT id, s, n, b FROM t ORDER BY id",
  );
  expect(got).toEqual([
    ...TRICKY.map((s, i) => ({ id: i + 1, s, n: i + 0.5, b: i % 2 === 0 })),
    { id: 100, s: null, n: null, b: null },
  ]);
}

test("copies rows; tabs, newlines, backslashes, empty strings and nulls survive", async () => {
  await roundTrip(db);
  // Chunks of whole lines, on the pool outside a transaction.
  await copyIn(db, "t (id)", ["200\n201\n", "202\n"]);
  expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM t WHERE id >= 200"))[0]!.n).toBe(3);
});

test("a unique violation found after the data ended rejects with 23505; under a savepoint the transaction goes on", async () => {
  await db.exec("INSERT INTO t (id) VALUES (3)");
  const r = await db.transaction(async (tx) => {
    const first = await outcome(tx.savepoint!((sp) => copyIn(sp, "t (id)", "1\n2\n3\n")));
    // The connection is usable afterwards: a query, then a COPY that succeeds, in the same transaction.
    await tx.query("SELECT 1");
    const second = await outcome(copyIn(tx, "t (id)", "10\n11\n"));
    return [first, second];
  });
  expect(r).toEqual(["rejected 23505", "ok"]);
  expect((await db.query<{ id: number }>("SELECT id FROM t ORDER BY id")).map((x) => x.id)).toEqual([
    3, 10, 11,
  ]);
  // Outside a transaction, on the pool: rejected, and the pool's next copy works.
  expect(await outcome(copyIn(db, "t (id)", "3\n"))).toBe("rejected 23505");
  expect(await outcome(copyIn(db, "t (id)", "12\n"))).toBe("ok");
});

test("a row the server cannot read, while the data is still being sent, rejects (22P02) and stores nothing", async () => {
  const chunks = ["1\tx\tnot-a-number\tt\n"];
  for (let c = 0; c < 40; c++)
    chunks.push(Array.from({ length: 5000 }, (_, i) => line(10 + c * 5000 + i, "y", 1, true)).join(""));
  expect(await outcome(db.transaction((tx) => copyIn(tx, "t", chunks)))).toBe("rejected 22P02");
  expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM t"))[0]!.n).toBe(0);
});

test("a COPY into a table that does not exist rejects (42P01)", async () => {
  expect(await outcome(copyIn(db, "no_such_table", "1\n"))).toBe("rejected 42P01");
});

test("a backend terminated after the data ended, before the server answered, rejects", async () => {
  // A statement trigger holds the server inside COPY after it has read all the data.
  await db.exec(`CREATE FUNCTION t_slow() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
    CREATE TRIGGER t_slow AFTER INSERT ON t FOR EACH STATEMENT EXECUTE FUNCTION t_slow()`);
  try {
    const copying = outcome(
      db.transaction((tx) => copyIn(tx, "t (id)", "1\n2\n")),
      10_000,
    );
    const other = await openDatabase({ key: "copy-killer", url: cluster.url() });
    try {
      await waitFor(
        async () =>
          (await other.query("SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")).length === 1,
        10_000,
        "the COPY to sleep in its trigger",
      );
      await other.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'",
      );
    } finally {
      await other.close();
    }
    expect(await copying).toMatch(/^rejected /);
  } finally {
    await waitFor(async () => db.availability().up, 10_000, "the pool to recover").catch(() => {});
    await db.exec("DROP TABLE t").catch(() => {});
  }
});

test("the server killed while a large COPY is being sent rejects it; later calls reject too, nothing hangs", async () => {
  const row = "x".repeat(100);
  const chunks = Array.from({ length: 1000 }, (_, c) =>
    Array.from({ length: 500 }, (_, i) => line(c * 500 + i, row, i, false)).join(""),
  ); // ~55 MB
  // The server reads the rows slowly (a row trigger sleeps), so the data is still being sent when
  // the server is killed, however fast this process sends it while pg_ctl runs.
  await db.exec(`CREATE OR REPLACE FUNCTION t_drip() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$;
    CREATE TRIGGER t_drip BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_drip()`);
  const probe = await openDatabase({ key: "copy-probe", url: cluster.url() });
  const copying = outcome(
    db.transaction((tx) => copyIn(tx, "t", chunks)),
    20_000,
  );
  try {
    await waitFor(
      async () =>
        (await probe.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'COPY t FROM%'")).length === 1,
      10_000,
      "the COPY to start",
    );
  } finally {
    await probe.close();
  }
  try {
    await cluster.stop("immediate");
    expect(await copying).toMatch(/^rejected /);
    expect(await outcome(copyIn(db, "t (id)", "1\n"))).toMatch(/^rejected /);
  } finally {
    await cluster.start();
  }
});

test("embedded (PGlite): rows copied the same way; a unique violation rejects with 23505", async () => {
  const embedded = await openDatabase({ key: "copy-embedded", url: "pglite://memory" });
  try {
    await embedded.exec("CREATE TABLE t (id int PRIMARY KEY, s text, n numeric, b bool)");
    await roundTrip(embedded);
    const r = await embedded.transaction(async (tx) => {
      const first = await outcome(tx.savepoint!((sp) => copyIn(sp, "t (id)", "1\n")));
      await copyIn(tx, "t (id)", "300\n");
      return first;
    });
    expect(r).toBe("rejected 23505");
    expect((await embedded.query<{ n: number }>("SELECT count(*)::int AS n FROM t"))[0]!.n).toBe(8);
  } finally {
    await embedded.close();
  }
});
