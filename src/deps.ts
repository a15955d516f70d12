// What services need from the running process: configuration, databases, logging, the clock,
// replication to secondaries, the live-event broker and the per-process state (runtime.ts).
// Built once by createServices (services.ts) and passed to every service verb; services never
// read process.env or import hono.
import type { Config } from "./config.ts";
import type { Databases } from "./db/index.ts";
import type { Replicator } from "./ingest/replicate.ts";
import type { Logger } from "./log.ts";
import type { Broker } from "./realtime/broker.ts";
import type { ProcessRuntime } from "./runtime.ts";

/** Where services read the current time; tests inject a fixed or stepping clock. */
export interface Clock {
  now(): Date;
}

export interface ServiceDeps {
  readonly config: Config;
  readonly dbs: Databases;
  readonly log: Logger;
  readonly clock: Clock;
  /** Copies every primary write to the secondaries (outbox). */
  readonly replicator: Replicator;
  /** Publishes live events (SSE). */
  readonly broker: Broker;
  /** Per-process state of the services (runtime.ts), one per createServices. */
  readonly runtime: ProcessRuntime;
}
