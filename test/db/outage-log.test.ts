// A primary stopped with pg_ctl and started again: the log has one "database unavailable" error
// line when it is found down and one "database recovered" line when it answers again, per outage.
import { afterAll, expect, test } from "bun:test";
import { logAvailabilityChanges } from "../../src/db/health.ts";
import { type Database, openDatabase } from "../../src/db/index.ts";
import { createLogger } from "../../src/log.ts";
import { type PgCluster, startCluster } from "../harness/pg.ts";
import { waitFor } from "../harness/proc.ts";

let cluster: PgCluster | undefined;
let db: Database | undefined;
afterAll(async () => {
  await db?.close();
  await cluster?.destroy();
});

test("one unavailable and one recovered line per outage, naming the database", async () => {
  cluster = await startCluster();
  db = await openDatabase({ key: "primary", url: cluster.url() });
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: "info", format: "json", write: (l) => lines.push(JSON.parse(l)) });
  const dbs = {
    primary: db,
    secondaries: [],
    state: db,
    stateIsPrimary: true,
    all: () => [db!],
    close: async () => {},
  };
  logAvailabilityChanges(dbs, log);
  const said = (msg: string) => lines.filter((l) => l.msg === msg);
  for (let outage = 1; outage <= 2; outage++) {
    await cluster.stop("fast");
    // Requests fail while it is down; each failure would notify, but only the first is logged.
    for (let i = 0; i < 3; i++) await db.query("SELECT 1").catch(() => {});
    await waitFor(() => !db!.availability().up, 20_000);
    await db.query("SELECT 1").catch(() => {});
    expect(said("database unavailable").length).toBe(outage);
    await cluster.start();
    await waitFor(() => db!.availability().up, 20_000);
    const recovered = said("database recovered");
    expect(recovered.length).toBe(outage);
    expect(recovered.at(-1)).toMatchObject({ database: "primary", level: "info" });
    expect(typeof recovered.at(-1)!.down_seconds).toBe("number");
  }
  expect(said("database unavailable")[0]).toMatchObject({ database: "primary", level: "error" });
});
