// Builds the real app over test databases (no listening socket): requests go through
// `app.request(...)`. The same factory the server uses, with a silent logger.
import { createApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { createHealthChecker } from "../../src/db/health.ts";
import type { Database, Databases } from "../../src/db/index.ts";
import type { AppDeps } from "../../src/http/env.ts";
import { createReplicator, replicaBacklog } from "../../src/ingest/replicate.ts";
import { silentLogger } from "../../src/log.ts";
import { createMetrics } from "../../src/metrics.ts";
import { createBroker } from "../../src/realtime/broker.ts";
import { type EngineName, testDatabase } from "./db.ts";

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  dbs: Databases;
}

/** Databases for an app: a primary (also the state database) and optional secondaries. */
export async function testDatabases(engine: EngineName, secondaries: Database[] = []): Promise<Databases> {
  const primary = await testDatabase(engine, "primary");
  return {
    primary,
    secondaries,
    state: primary,
    stateIsPrimary: true,
    all: () => [primary, ...secondaries],
    close: async () => {},
  };
}

export async function testApp(
  engine: EngineName,
  opts: { env?: Record<string, string>; dbs?: Databases } = {},
): Promise<TestApp> {
  const config: Config = loadConfig({ DEMO: "false", ...opts.env });
  const dbs = opts.dbs ?? (await testDatabases(engine));
  const metrics = createMetrics();
  const replicator = createReplicator({ dbs, log: silentLogger, retryMs: 200 });
  const deps: AppDeps = {
    config,
    dbs,
    log: silentLogger,
    metrics,
    health: createHealthChecker(dbs, replicaBacklog(replicator)),
    replicator,
    broker: createBroker(),
    version: "test",
  };
  return { app: createApp(deps), deps, dbs };
}
