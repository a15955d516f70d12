// CLI entry: `serve` (default) | `migrate` | `backup <file>` | `restore <file>` | `user …` |
// `token …` | `simulate …` | `version` | `help` (see HELP below). Loads the configuration once,
// then does one thing. Exit codes: 0 ok, 1 failure, 2 bad usage or configuration.
// Only the logger and the embedded engine's artifacts are loaded up front: the embedded engine's
// WebAssembly compile (db/engine.ts; the longest step of a later start, on background threads) is
// started first, then the configuration, the server and each command are imported when chosen, so
// that the compile overlaps the loading of the rest of the application.
import type { Config } from "./config.ts";
import { warmEngineFor } from "./db/engine.ts";
import type { ServiceDeps } from "./deps.ts";
import { AppError } from "./errors.ts";
import { createLogger, type Logger } from "./log.ts";
import { VERSION } from "./version.ts";

const HELP = `haystack-sim ${VERSION}: Project Haystack building simulator and data service

Usage: haystack-sim [command]

Commands:
  serve            start the server (default)
  migrate          apply pending database migrations and exit
  backup <file>    write the embedded databases (primary and state) to <file>
  restore <file>   replace the embedded databases with the contents of <file>
  user create <email> [--org KEY] [--role member|admin] [--app-admin] [--name NAME] [--password-stdin]
  user set-password <email> [--password-stdin]
  user disable <email>
                   manage users (a password is read from stdin, or generated and printed once)
  token create --org KEY --user EMAIL --name NAME [--role member|admin] [--expires-days N]
  token revoke <id>
  token list [--org KEY]
                   manage API tokens (a new token's secret is printed once)
  simulate --api-url URL --token TOKEN --simulator-id N [--holder NAME]
                   run one simulator here, writing to another server's REST API
  version          print the version
  help             print this help

Configuration comes from the environment (see README): PORT, HOST, DATA_DIR, DATABASE_URL,
SECONDARY_DATABASE_URLS, STATE_DB_URL, LOG_LEVEL, ...
`;

function fail(message: string, code = 1): never {
  process.stderr.write(`haystack-sim: ${message}\n`);
  process.exit(code);
}

async function serve(config: Config, log: Logger): Promise<void> {
  const { guardDatabaseFaults } = await import("./db/faults.ts");
  const { startServer } = await import("./server.ts");
  // Before any connection opens: an error escaping a database connection becomes a logged,
  // counted failure of that database, never the end of the process.
  guardDatabaseFaults(log);
  const running = await startServer(config, log, { onFatal: () => process.exit(1) });
  let signals = 0;
  const onSignal = (sig: string) => {
    signals += 1;
    if (signals > 1) {
      log.warn("second signal: exiting now", { signal: sig });
      process.exit(1);
    }
    log.info("signal received", { signal: sig });
    running.stop().then(
      () => process.exit(0),
      (e) => {
        log.error("shutdown failed", { error: e });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
}

/** Runs an administration command straight on the databases (migrated first), then delivers the
 * changes to reachable secondaries. An embedded directory held by a running server fails at open
 * with the lock's message. */
async function admin(config: Config, log: Logger, run: (deps: ServiceDeps) => Promise<void>): Promise<void> {
  const { logImported, migrateAll, openDatabases } = await import("./db/index.ts");
  const { createServices } = await import("./services.ts");
  const dbs = await openDatabases(config, logImported(log));
  try {
    await migrateAll(dbs, (key, error) => log.warn("secondary not migrated", { key, error }));
    const deps = createServices({ config, dbs, log });
    await run(deps);
    for (const t of deps.replicator.targets) await deps.replicator.deliver(t);
  } finally {
    await dbs.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd = "serve", ...args] = argv;
  if (cmd === "help" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(HELP);
    return;
  }
  if (cmd === "version" || cmd === "--version") {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const usesDatabase = ["serve", "migrate", "backup", "restore", "user", "token"].includes(cmd);
  if (usesDatabase) warmEngineFor(process.env);
  const { ConfigError, loadConfig } = await import("./config.ts");
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  try {
    switch (cmd) {
      case "serve":
        return await serve(config, log);
      case "migrate": {
        const { logImported, migrateAll, openDatabases } = await import("./db/index.ts");
        const dbs = await openDatabases(config, logImported(log));
        try {
          for (const r of await migrateAll(dbs, (key, error) =>
            log.warn("secondary not migrated", { key, error }),
          ))
            process.stdout.write(
              `${r.scope}: ${r.applied.length ? `applied ${r.applied.join(", ")}` : "up to date"}\n`,
            );
        } finally {
          await dbs.close();
        }
        return;
      }
      case "backup": {
        const file = args[0] ?? fail("usage: haystack-sim backup <file>", 2);
        const { backupEmbedded } = await import("./db/backup.ts");
        for (const p of await backupEmbedded(config, file))
          process.stdout.write(`${p.key}: ${p.bytes} bytes\n`);
        process.stdout.write(`backup written to ${file}\n`);
        return;
      }
      case "restore": {
        const file = args[0] ?? fail("usage: haystack-sim restore <file>", 2);
        const { restoreEmbedded } = await import("./db/backup.ts");
        for (const p of await restoreEmbedded(config, file)) process.stdout.write(`${p.key}: restored\n`);
        return;
      }
      case "user":
      case "token": {
        const { tokenCommand, userCommand } = await import("./access/cli.ts");
        const io = {
          out: (s: string) => process.stdout.write(s),
          stdin: () => new Response(Bun.stdin.stream()).text(),
        };
        return await admin(config, log, (deps) =>
          cmd === "user" ? userCommand(deps, args, io) : tokenCommand(deps, args, io),
        );
      }
      case "simulate": {
        const { createRemoteRunner, parseSimulateArgs } = await import("./simulator/remote.ts");
        const a = parseSimulateArgs(args);
        if (!a.ok) return fail(a.message, 2);
        // The first signal stops after the chunk in flight and releases the lease; a second one
        // exits at once (as `serve` does).
        const stop = new AbortController();
        for (const sig of ["SIGTERM", "SIGINT"] as const)
          process.on(sig, () => {
            if (stop.signal.aborted) {
              log.warn("second signal: exiting now", { signal: sig });
              process.exit(1);
            }
            log.info("signal received", { signal: sig });
            stop.abort();
          });
        return await createRemoteRunner({ ...a, log }).run(stop.signal);
      }
      default:
        fail(`unknown command "${cmd}"; run "haystack-sim help"`, 2);
    }
  } catch (e) {
    if (e instanceof (await import("./access/cli.ts")).UsageError) fail(e.message, 2);
    if (e instanceof AppError) fail(e.message);
    fail(e instanceof Error ? e.message : String(e));
  }
}

await main(process.argv.slice(2));
