// Builds the real app over test databases (no listening socket): requests go through
// `app.request(...)`. The same factories the server uses (createServices, createApp), with a
// silent logger and, when a test passes one, its own clock.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { type Database, type Databases, migrate, openDatabase } from "../../src/db/index.ts";
import type { Clock } from "../../src/deps.ts";
import type { AppDeps } from "../../src/http/env.ts";
import { createLogger, silentLogger } from "../../src/log.ts";
import { createServices } from "../../src/services.ts";
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
  opts: { env?: Record<string, string>; dbs?: Databases; clock?: Clock } = {},
): Promise<TestApp> {
  const config: Config = loadConfig({ DEMO: "false", ...opts.env });
  const dbs = opts.dbs ?? (await testDatabases(engine));
  const deps = createServices({
    config,
    dbs,
    log: process.env.TEST_LOG
      ? createLogger({ level: "error", format: "text", write: (l) => process.stderr.write(`${l}\n`) })
      : silentLogger,
    version: "test",
    replicatorRetryMs: 200,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return { app: createApp(deps), deps, dbs };
}

/** A test app whose state database is apart from its primary (see testAppStateApart). */
export interface StateApartApp extends TestApp {
  primary: Database;
  state: Database;
  /** Closes both databases and removes the state database's directory (not the primary's server). */
  close(): Promise<void>;
}

/**
 * The app of a server whose primary is the PostgreSQL database at `primaryUrl` and whose state
 * database is embedded apart (a new temporary directory), both migrated: the state database still
 * answers while the test stops the primary's server.
 */
export async function testAppStateApart(
  primaryUrl: string,
  opts: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<StateApartApp> {
  const dir = mkdtempSync(join(tmpdir(), "hs-state-"));
  const primary = await openDatabase({ key: "primary", url: primaryUrl });
  const state = await openDatabase({ key: "state", url: `pglite://${dir}` });
  const close = async () => {
    await Promise.allSettled([primary.close(), state.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrate(primary, "building");
    await migrate(state, "state");
    const t = await testApp("postgres", {
      ...opts,
      dbs: {
        primary,
        secondaries: [],
        state,
        stateIsPrimary: false,
        all: () => [primary, state],
        close: async () => {},
      },
    });
    return { ...t, primary, state, close };
  } catch (e) {
    await close();
    throw e;
  }
}
