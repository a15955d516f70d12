// Configuration: parsed once from the environment at start, frozen, passed in. No other module
// reads process.env. Defaults make a local run work with nothing set.
import { z } from "zod";

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const dbUrl = z
  .string()
  .trim()
  .refine((s) => /^(postgres|postgresql):\/\/./.test(s) || /^pglite:\/\/./.test(s), {
    message: "must be a postgres://… or pglite://<dir> URL",
  });

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ["1", "0", "true", "false", "yes", "no", "on", "off"].includes(s), {
    message: "must be true or false",
  })
  .transform((s) => ["1", "true", "yes", "on"].includes(s));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().trim().min(1).default("./data"),
  DATABASE_URL: dbUrl.optional(),
  SECONDARY_DATABASE_URLS: z.string().optional(),
  STATE_DB_URL: dbUrl.optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  LOG_FORMAT: z.enum(["text", "json"]).default("text"),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  ADMIN_EMAIL: z.string().email().default("admin@example.com"),
  ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  DEMO: bool.default(true),
  POLLER_CONFIG_KEY: z.string().optional(),
  RETAIN_DAYS: int(1, 100000).optional(),
  TIMESCALE_CHUNK_DAYS: int(1, 365).default(7),
  TIMESCALE_COMPRESS_AFTER: int(1, 100000).optional(),
  BODY_LIMIT_MB: int(1, 1024).default(32),
  BULK_MAX_VALUES: int(1, 10_000_000).default(100_000),
  SESSION_HOURS: int(1, 24 * 365).default(24),
  SIMULATORS: bool.default(true),
  SIMULATOR_LEASE_SECONDS: int(5, 3600).default(90),
  PUBLIC_URL: z.string().url().optional(),
  TRUST_PROXY: bool.default(false),
});

export interface DatabaseTarget {
  /** Stable name shown in health and metrics; never the URL. */
  readonly key: string;
  readonly url: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly primary: DatabaseTarget;
  readonly secondaries: readonly DatabaseTarget[];
  /**
   * The state database; `sameAsPrimary` when it shares the primary's database (the default, for a
   * server primary and for an embedded one). `formerDir`: where the embedded state database lived
   * in its own directory before it moved into the embedded primary (`$DATA_DIR/state`); a directory
   * found there is imported into the primary once (db/layout.ts).
   */
  readonly state: DatabaseTarget & { readonly sameAsPrimary: boolean; readonly formerDir?: string };
  readonly logLevel: LogLevel;
  readonly logFormat: "text" | "json";
  readonly authSecret: string | undefined;
  readonly adminEmail: string;
  readonly adminPassword: string | undefined;
  readonly demo: boolean;
  readonly pollerConfigKey: string | undefined;
  readonly retainDays: number | undefined;
  readonly timescaleChunkDays: number;
  /** TimescaleDB only: compress history chunks older than this many days (off when unset). */
  readonly timescaleCompressAfterDays: number | undefined;
  readonly bodyLimitBytes: number;
  readonly bulkMaxValues: number;
  readonly sessionHours: number;
  readonly simulators: boolean;
  /** How long a process's claim on a simulator lasts without renewal (after a crash: the takeover delay). */
  readonly simulatorLeaseMs: number;
  readonly publicUrl: string | undefined;
  /** Take the client address from the last X-Forwarded-For hop (behind one reverse proxy). */
  readonly trustProxy: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function joinDir(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, "")}/${name}`;
}

/**
 * Parses the environment into a frozen Config.
 * @throws ConfigError naming every bad key at once.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as a shell `FOO=` usually means.
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(clean);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join(".") || "(env)"}: ${issue.message}`);
    }
  }
  const secondaries: DatabaseTarget[] = [];
  const raw = clean.SECONDARY_DATABASE_URLS ?? "";
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((item, i) => {
      const m = /^([a-z][a-z0-9_-]{0,39})=(.+)$/i.exec(item);
      const key = m ? m[1]! : `secondary${i + 1}`;
      const url = m ? m[2]! : item;
      if (!dbUrl.safeParse(url).success) {
        problems.push(`SECONDARY_DATABASE_URLS: item ${i + 1} must be [key=]postgres://… or pglite://<dir>`);
      } else if (secondaries.some((s) => s.key === key) || key === "primary" || key === "state") {
        problems.push(`SECONDARY_DATABASE_URLS: duplicate or reserved key "${key}"`);
      } else {
        secondaries.push({ key, url });
      }
    });
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const primaryUrl = e.DATABASE_URL ?? `pglite://${joinDir(e.DATA_DIR, "primary")}`;
  const primaryEmbedded = primaryUrl.startsWith("pglite://");
  // One embedded engine for building and state data: a second PGlite instance costs ~100 MB more
  // resident memory and its own start. The state tables are separate tables with their own
  // migrations ledger scope, as on a server primary without STATE_DB_URL.
  const stateUrl = e.STATE_DB_URL ?? primaryUrl;
  const formerDir = !e.STATE_DB_URL && primaryEmbedded ? joinDir(e.DATA_DIR, "state") : undefined;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    primary: { key: "primary", url: primaryUrl },
    secondaries: Object.freeze(secondaries),
    state: {
      key: "state",
      url: stateUrl,
      sameAsPrimary: stateUrl === primaryUrl,
      ...(formerDir ? { formerDir } : {}),
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    authSecret: e.AUTH_SECRET,
    adminEmail: e.ADMIN_EMAIL,
    adminPassword: e.ADMIN_PASSWORD,
    demo: e.DEMO,
    pollerConfigKey: e.POLLER_CONFIG_KEY,
    retainDays: e.RETAIN_DAYS,
    timescaleChunkDays: e.TIMESCALE_CHUNK_DAYS,
    timescaleCompressAfterDays: e.TIMESCALE_COMPRESS_AFTER,
    bodyLimitBytes: e.BODY_LIMIT_MB * 1024 * 1024,
    bulkMaxValues: e.BULK_MAX_VALUES,
    sessionHours: e.SESSION_HOURS,
    simulators: e.SIMULATORS,
    simulatorLeaseMs: e.SIMULATOR_LEASE_SECONDS * 1000,
    publicUrl: e.PUBLIC_URL,
    trustProxy: e.TRUST_PROXY,
  });
}
