// What services need from the running process: configuration, databases, logging, replication to
// secondaries and the live-event broker. Built once in server.ts (and by the test harness) and
// passed to every service verb; services never read process.env or import hono.
import type { Config } from "./config.ts";
import type { Databases } from "./db/index.ts";
import type { Replicator } from "./ingest/replicate.ts";
import type { Logger } from "./log.ts";
import type { Broker } from "./realtime/broker.ts";

export interface ServiceDeps {
  readonly config: Config;
  readonly dbs: Databases;
  readonly log: Logger;
  /** Copies every primary write to the secondaries (outbox). */
  readonly replicator: Replicator;
  /** Publishes live events (SSE). */
  readonly broker: Broker;
}
