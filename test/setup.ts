// Preloaded by bun test (bunfig.toml): every process runs in UTC, and the shared resources of
// the harness (the PostgreSQL cluster, open databases) are released after the last test.
import { afterAll } from "bun:test";
import { closeAll } from "./harness/db.ts";

process.env.TZ = "UTC";

afterAll(async () => {
  await closeAll();
});
