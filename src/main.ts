// CLI entry: `serve` (default) | `migrate` | `backup <file>` | `restore <file>` | `version` | `help`.
// Loads the configuration once, then does one thing. Exit codes: 0 ok, 1 failure, 2 bad usage or
// configuration.
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { backupEmbedded, restoreEmbedded } from "./db/backup.ts";
import { DirectoryLockedError, migrateAll, openDatabases } from "./db/index.ts";
import { createLogger, type Logger } from "./log.ts";
import { startServer } from "./server.ts";
import { VERSION } from "./version.ts";

const HELP = `haystack-sim ${VERSION}: Project Haystack building simulator and data service

Usage: haystack-sim [command]

Commands:
  serve            start the server (default)
  migrate          apply pending database migrations and exit
  backup <file>    write the embedded databases (primary and state) to <file>
  restore <file>   replace the embedded databases with the contents of <file>
  version          print the version
  help             print this help

Configuration comes from the environment (see README): PORT, HOST, DATA_DIR, DATABASE_URL,
SECONDARY_DATABASE_URLS, STATE_DB_URL, LOG_LEVEL, ...
`;

function fail(message: string, code = 1): never {
  process.stderr.write(`haystack-sim: ${message}\n`);
  process.exit(code);
}

function lockedMessage(e: DirectoryLockedError): string {
  return `${e.message}.`;
}

async function serve(config: Config, log: Logger): Promise<void> {
  const running = await startServer(config, log);
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
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const targets = [config.primary, ...(config.state.sameAsPrimary ? [] : [config.state])];
  try {
    switch (cmd) {
      case "serve":
        return await serve(config, log);
      case "migrate": {
        const dbs = await openDatabases(config);
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
        for (const p of await backupEmbedded(targets, file))
          process.stdout.write(`${p.key}: ${p.bytes} bytes\n`);
        process.stdout.write(`backup written to ${file}\n`);
        return;
      }
      case "restore": {
        const file = args[0] ?? fail("usage: haystack-sim restore <file>", 2);
        for (const p of await restoreEmbedded(targets, file)) process.stdout.write(`${p.key}: restored\n`);
        return;
      }
      default:
        fail(`unknown command "${cmd}"; run "haystack-sim help"`, 2);
    }
  } catch (e) {
    if (e instanceof DirectoryLockedError) fail(lockedMessage(e));
    fail(e instanceof Error ? e.message : String(e));
  }
}

await main(process.argv.slice(2));
