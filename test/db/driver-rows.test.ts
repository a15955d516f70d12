// postgres.js after a query that fails part-way through its rows (porsager/postgres #1119, #1181):
// the driver counted rows per connection and reset the count only on CommandComplete, so the next
// query on that connection resolved with its rows shifted behind holes (`[ <2498 empty items>,
// row ]`), which failed far away (a `.map` over the holes). A streamed hisRead whose second page
// fails is such a query. With the patch in patches/ the next query's rows start at 0. Fails on
// the unpatched driver.
import { afterAll, beforeAll, expect, test } from "bun:test";
import postgres from "postgres";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});

test("a query failing after some rows leaves the next query on the connection whole", async () => {
  const sql = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  try {
    await expect(sql`SELECT i, 1 / (40 - i) AS boom FROM generate_series(1, 50) i`).rejects.toThrow(
      /division by zero/,
    );
    const rows = await sql`SELECT x FROM generate_series(1, 5) x`;
    expect(rows.length).toBe(5);
    expect([...rows].map((r) => r.x)).toEqual([1, 2, 3, 4, 5]);
  } finally {
    await sql.end({ timeout: 5 });
  }
});

test("through the app's database interface, with parameters (extended protocol)", async () => {
  const db: Database = await openDatabase({ key: "rows", url: cluster.url(), max: 1 });
  try {
    await expect(
      db.query("SELECT i, 1.0 / ($1::int4 - i) AS boom FROM generate_series(1, $2::int4) i", [3000, 4000]),
    ).rejects.toThrow(/division by zero/);
    const rows = await db.query<{ x: number }>("SELECT $1::int4 AS x", [7]);
    expect(rows).toEqual([{ x: 7 }]);
  } finally {
    await db.close();
  }
});
