// One-line structured logging. Text for people, JSON for collectors. Never log secrets: callers
// pass fields, and fields named like secrets are redacted here as a last line of defence.
import type { LogLevel } from "./config.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET = /pass(word)?|secret|token|authorization|cookie|hash/i;

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

function redact(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = SECRET.test(k) ? "[redacted]" : v instanceof Error ? v.message : v;
  }
  return out;
}

function fmtValue(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

export function createLogger(
  opts: { level: LogLevel; format: "text" | "json"; write?: (line: string) => void },
  base: Fields = {},
): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel, msg: string, fields?: Fields) => {
    if (ORDER[level] < ORDER[opts.level]) return;
    const all = redact({ ...base, ...fields });
    const time = new Date().toISOString();
    if (opts.format === "json") {
      write(JSON.stringify({ time, level, msg, ...all }));
    } else {
      const rest = Object.entries(all)
        .map(([k, v]) => `${k}=${fmtValue(v)}`)
        .join(" ");
      write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? ` ${rest}` : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger({ level: "error", format: "text", write: () => {} });
