// The embedded engine's artifacts (PGlite's wasm and file-system bundle, embedded in the executable
// by the `with { type: "file" }` imports) and their WebAssembly compiles, once per process. Imports
// nothing else, so that `main.ts` can start the compile before it loads the rest of the
// application: the compile (~0.3 s quiet, 0.5 s and more under load, on background threads; Bun
// has no cache for compiled modules) is the longest step of a later start, and everything up to
// opening the database (configuration, the app's modules) runs meanwhile.
import initdbWasmPath from "@electric-sql/pglite/initdb.wasm" with { type: "file" };
import pgliteDataPath from "@electric-sql/pglite/pglite.data" with { type: "file" };
import pgliteWasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };

let engine: Promise<WebAssembly.Module> | undefined;
let initdb: Promise<WebAssembly.Module> | undefined;
const timings: { compileStartMs?: number; compiledMs?: number } = {};

/** When the engine's compile started and ended, in ms since the process started (for the startup log). */
export const engineCompileTimes = (): Readonly<typeof timings> => timings;

const compile = (path: string) =>
  Bun.file(path)
    .arrayBuffer()
    .then((b) => WebAssembly.compile(b));

/** PGlite's PostgreSQL, compiled (started at most once per process). */
export function engineModule(): Promise<WebAssembly.Module> {
  if (!engine) {
    timings.compileStartMs = performance.now();
    engine = compile(pgliteWasmPath).then((m) => {
      timings.compiledMs = performance.now();
      return m;
    });
  }
  return engine;
}

/** PGlite's initdb, compiled: needed only to create a data directory without a seed. */
export function initdbModule(): Promise<WebAssembly.Module> {
  initdb ??= compile(initdbWasmPath);
  return initdb;
}

/** PGlite's file-system bundle (share/, the timezone data…). */
export const engineFsBundle = (): Blob => Bun.file(pgliteDataPath);

/**
 * Starts the engine's compile when the environment names no database or any embedded one
 * (`pglite://`), as `config.ts` will decide: a cheap guess from the raw variables, before the
 * configuration is parsed. A wrong guess costs only a background compile (or its overlap). Never
 * throws; a failed compile surfaces when the database is opened.
 */
export function warmEngineFor(env: Readonly<Record<string, string | undefined>>): void {
  const primary = env.DATABASE_URL?.trim();
  const embedded =
    !primary ||
    primary.startsWith("pglite://") ||
    !!env.STATE_DB_URL?.trim().startsWith("pglite://") ||
    !!env.SECONDARY_DATABASE_URLS?.includes("pglite://");
  if (embedded) engineModule().catch(() => {});
}
