// Wires one running server: opens the databases, migrates them, builds the app, serves it, then
// starts background work. `stop()` is the graceful path used on SIGTERM/SIGINT and by tests.
import type { Server } from "bun";
import { bootstrap } from "./access/bootstrap.ts";
import { accessRetentionService } from "./access/retention.ts";
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { engineCompileTimes } from "./db/engine.ts";
import { logAvailabilityChanges } from "./db/health.ts";
import { type Databases, logImported, migrateAll, openDatabases } from "./db/index.ts";
import type { AppDeps } from "./http/env.ts";
import { retentionService } from "./ingest/retention.ts";
import type { Logger } from "./log.ts";
import { createServices } from "./services.ts";
import { simulatorBackgroundService } from "./simulator/jobs.ts";
import { VERSION } from "./version.ts";

export interface RunningServer {
  readonly server: Server<unknown>;
  readonly url: string;
  readonly deps: AppDeps;
  /** Stops accepting requests, lets in-flight ones finish, stops background work, closes databases. */
  stop(): Promise<void>;
}

/** Background work started after the server listens, stopped (awaited) before databases close. */
export interface BackgroundService {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface StartOptions {
  /** Databases already open (tests); by default those of the config are opened. */
  dbs?: Databases;
  /**
   * Called once the server has stopped because an embedded database engine aborted (it cannot
   * answer again): the process must exit non-zero so its supervisor restarts it on the data
   * directory. `main.ts` exits with status 1.
   */
  onFatal?: (reason: string) => void;
}

/**
 * Each phase's end in ms since the process started (`modules`: the server's code loaded, `open`:
 * the databases, then `migrate`, `bootstrap`, `listen`, `background`) and, when this process
 * compiled the embedded engine, when that compile started and ended.
 */
function startupTimeline(marks: readonly [string, number][]): Record<string, number> {
  const out: Record<string, number> = {};
  const { compileStartMs, compiledMs } = engineCompileTimes();
  if (compileStartMs !== undefined) out.engine_compile_start = Math.round(compileStartMs);
  if (compiledMs !== undefined) out.engine_compiled = Math.round(compiledMs);
  for (const [phase, at] of marks) out[phase] = Math.round(at);
  return out;
}

export async function startServer(
  config: Config,
  log: Logger,
  opts: StartOptions = {},
): Promise<RunningServer> {
  const marks: [string, number][] = [["modules", performance.now()]];
  const mark = (phase: string) => marks.push([phase, performance.now()]);
  const dbs: Databases = opts.dbs ?? (await openDatabases(config, logImported(log)));
  mark("open");
  for (const db of dbs.all())
    if (db.created) log.info("created the embedded database", { database: db.key, dir: db.dir });
  try {
    const results = await migrateAll(dbs, (key, error) =>
      log.warn("secondary database not migrated (unreachable); it will be retried", { key, error }),
    );
    for (const r of results) {
      if (r.applied.length) log.info("migrated", { database: r.key, scope: r.scope, applied: r.applied });
      for (const note of r.notes) log.warn(note, { database: r.key });
    }
  } catch (e) {
    await dbs.close();
    throw e;
  }

  mark("migrate");
  const deps = createServices({ config, dbs, log });
  logAvailabilityChanges(dbs, log);
  const { replicator } = deps;
  try {
    await bootstrap(deps);
  } catch (e) {
    await dbs.close();
    throw e;
  }
  mark("bootstrap");
  const app = createApp(deps);
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    maxRequestBodySize: config.bodyLimitBytes + 1024 * 1024,
    fetch: (req, srv) => app.fetch(req, { server: srv }),
  });
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`;
  mark("listen");
  log.info("listening", { url: `http://${config.host}:${server.port}`, version: VERSION });

  const background: BackgroundService[] = [
    { name: "outbox.deliver", start: () => replicator.start(), stop: () => replicator.stop() },
    retentionService(deps),
    accessRetentionService(deps),
    simulatorBackgroundService(deps),
  ];
  for (const s of background) await s.start();
  mark("background");
  log.debug("startup timeline (ms since the process started)", startupTimeline(marks));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info("shutting down");
      const serverStopped = server.stop(false);
      for (const s of [...background].reverse()) {
        try {
          await s.stop();
        } catch (e) {
          log.error("background service did not stop cleanly", { service: s.name, error: e });
        }
      }
      await Promise.race([serverStopped, Bun.sleep(10_000)]);
      await server.stop(true);
      await dbs.close();
      log.info("stopped");
    })();
    return stopping;
  };
  // An embedded engine that aborted is down for good (db/connect.ts): serving on would answer 503
  // forever. Stop at once instead; what was acknowledged is committed in the data directory, and a
  // restart recovers it as after a crash.
  for (const db of dbs.all())
    if (db.kind === "pglite")
      db.onAvailability((a) => {
        if (a.up || stopping) return;
        const reason = `embedded database ${db.key} aborted`;
        log.error(`${reason}: stopping the server; it must be restarted`, { database: db.key });
        stop().then(
          () => opts.onFatal?.(reason),
          (e) => {
            log.error("shutdown failed", { error: e });
            opts.onFatal?.(reason);
          },
        );
      });
  return { server, url, deps, stop };
}
