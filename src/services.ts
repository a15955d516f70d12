// createServices: the one place the per-process service graph is built, by the server
// (server.ts), the CLI's admin commands (main.ts) and the test harness. Everything a service verb
// or route needs comes out of it; nothing else builds deps by hand.
import type { Config } from "./config.ts";
import { createHealthChecker } from "./db/health.ts";
import type { Databases } from "./db/index.ts";
import type { Clock } from "./deps.ts";
import type { AppDeps } from "./http/env.ts";
import { createReplicator, replicaBacklog } from "./ingest/replicate.ts";
import type { Logger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { createBroker } from "./realtime/broker.ts";
import { ProcessRuntime } from "./runtime.ts";
import { VERSION } from "./version.ts";

/** The wall clock: what every service reads the time from unless a test injects another. */
export const systemClock: Clock = { now: () => new Date() };

export interface ServicesInput {
  readonly config: Config;
  readonly dbs: Databases;
  readonly log: Logger;
  /** Defaults to the wall clock. */
  readonly clock?: Clock;
  /** The version reported by /health and the console (defaults to this build's). */
  readonly version?: string;
  /** Retry period of the outbox for secondaries with a backlog (ms); tests shorten it. */
  readonly replicatorRetryMs?: number;
}

/**
 * Builds the deps of one process over already opened (and migrated) databases: the replicator
 * (not started: the caller starts and stops it), the broker, metrics, the health checker, the
 * clock and the per-process state (runtime.ts). Opens nothing and starts nothing.
 */
export function createServices(input: ServicesInput): AppDeps {
  const { config, dbs, log } = input;
  const replicator = createReplicator({
    dbs,
    log,
    chunkDays: config.timescaleChunkDays,
    compressAfterDays: config.timescaleCompressAfterDays,
    retainDays: config.retainDays,
    ...(input.replicatorRetryMs !== undefined ? { retryMs: input.replicatorRetryMs } : {}),
  });
  return {
    config,
    dbs,
    log,
    clock: input.clock ?? systemClock,
    replicator,
    broker: createBroker(),
    runtime: new ProcessRuntime(),
    metrics: createMetrics(),
    health: createHealthChecker(dbs, replicaBacklog(replicator)),
    version: input.version ?? VERSION,
  };
}
