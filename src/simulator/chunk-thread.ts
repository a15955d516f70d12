/**
 * The model's own thread for a process's simulator runs: one Bun Worker (`chunk-worker.ts`) that
 * generates chunks while this thread writes them, so the primary and the model work at the same
 * time rather than one after the other. Same rows, same order, same state as `generateChunk` here
 * (the model is pure; the rows come back as columns, `chunk-codec.ts`).
 *
 * The worker is only an accelerator: if it cannot be started (or dies), chunks are generated on
 * this thread instead, which the debug log says once. An error the model throws in the worker is
 * the chunk's error, as it would be here. Started when a run opens it, it stops when no run has it
 * open and on `close` (the runtime's stop); it never keeps the process alive by itself.
 */
import type { ValueInput } from "../ingest/write.ts";
import type { Logger } from "../log.ts";
import { generateChunkAsync } from "./chunk.ts";
import { decodeChunk, type FromWorker, type ToWorker } from "./chunk-codec.ts";
import type { SimulatorConfig } from "./config.ts";
import type { Entity, ModelState, OverrideValue } from "./model/types.ts";

/** One run's inputs, fixed for its chunks. */
export interface ChunkRun {
  config: SimulatorConfig;
  entities: Entity[];
  map: ReadonlyMap<string, number>;
}

export interface ChunkResult {
  values: ValueInput[];
  state: ModelState;
}

/** A run's chunk generator: `generate` as often as needed, then `close`. */
export interface ChunkSession {
  generate(
    state: ModelState,
    list: readonly Date[],
    overrides?: Record<string, OverrideValue>,
  ): Promise<ChunkResult>;
  close(): void;
}

export interface ChunkThread {
  open(run: ChunkRun): ChunkSession;
  /** Stops the worker; later sessions start it again. */
  close(): Promise<void>;
  /** How the last chunk was generated (tests, logs): on the worker or on this thread. */
  readonly mode: "worker" | "inline" | "idle";
}

export interface ChunkThreadOptions {
  log: Logger;
  /** `inline`: never start the worker. */
  use?: "worker" | "inline";
  /** The worker's module (tests); defaults to `chunk-worker.ts`, in the executable too. */
  url?: string | URL;
  /** How long the worker may take to start before chunks are generated here (default 10 s). */
  startMs?: number;
}

/**
 * The worker's module. In the compiled executable every module is bundled into one file and
 * `import.meta.url` is the executable's: the worker is an extra entry point there, named by its path
 * from the build's root (`bun build --compile --root .`).
 */
export function chunkWorkerUrl(): URL {
  return import.meta.url.includes("/$bunfs/")
    ? new URL("./src/simulator/chunk-worker.ts", import.meta.url)
    : new URL("./chunk-worker.ts", import.meta.url);
}

interface Pending {
  session: InlineSession;
  resolve(r: ChunkResult): void;
  reject(e: Error): void;
  state: ModelState;
  list: readonly Date[];
  overrides?: Record<string, OverrideValue>;
}

interface InlineSession {
  id: number;
  run: ChunkRun;
  opened: boolean;
}

/** In-thread generation of one chunk: what the worker does, here (yielding between intervals). */
function inline(
  run: ChunkRun,
  state: ModelState,
  list: readonly Date[],
  overrides?: Record<string, OverrideValue>,
) {
  return generateChunkAsync({ ...run, state, list, overrides });
}

export function createChunkThread(o: ChunkThreadOptions): ChunkThread {
  const startMs = o.startMs ?? 10_000;
  let worker: Worker | null = null;
  let ready = false;
  let startTimer: ReturnType<typeof setTimeout> | null = null;
  let startedAt = 0;
  /** Set once the worker failed: every later chunk is generated here. */
  let broken = o.use === "inline";
  let said = false;
  let mode: ChunkThread["mode"] = "idle";
  let nextSession = 1;
  let nextId = 1;
  const open = new Set<InlineSession>();
  const pending = new Map<number, Pending>();
  /** Requests made before the worker said it is ready, in order. */
  let queued: number[] = [];

  const fallBack = (reason: string, error?: unknown) => {
    broken = true;
    if (!said) {
      said = true;
      o.log.debug("simulator chunk worker unavailable: generating chunks on the main thread", {
        reason,
        error,
      });
    }
    stopWorker();
    // Generation is pure: what the worker did not answer is generated here, identically.
    const left = [...pending.values()];
    pending.clear();
    queued = [];
    for (const p of left) inline(p.session.run, p.state, p.list, p.overrides).then(p.resolve, p.reject);
  };

  const stopWorker = () => {
    if (startTimer) clearTimeout(startTimer);
    startTimer = null;
    const w = worker;
    worker = null;
    ready = false;
    for (const s of open) s.opened = false;
    if (w) {
      w.onmessage = null;
      // Anything the stopped worker still reports is of no consequence (and never unhandled).
      w.onerror = (event: ErrorEvent) => event.preventDefault?.();
      w.removeEventListener("close", onClose);
      w.terminate();
    }
  };

  const onClose = () => {
    if (worker) fallBack("the worker exited");
  };

  const send = (m: ToWorker) => worker?.postMessage(m);

  const post = (id: number) => {
    const p = pending.get(id);
    if (!p || !worker) return;
    if (!p.session.opened) {
      const { config, entities, map } = p.session.run;
      send({ op: "open", session: p.session.id, config, entities, map: [...map] });
      p.session.opened = true;
    }
    send({
      op: "chunk",
      id,
      session: p.session.id,
      state: p.state,
      list: p.list.map((d) => d.getTime()),
      overrides: p.overrides,
    });
  };

  const onMessage = (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    if (m.op === "ready") {
      ready = true;
      o.log.debug("simulator chunk worker started", { ms: Math.round(performance.now() - startedAt) });
      if (startTimer) clearTimeout(startTimer);
      startTimer = null;
      const q = queued;
      queued = [];
      for (const id of q) post(id);
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker?.unref();
    if (m.ok) {
      let values: ValueInput[];
      try {
        values = decodeChunk(m.columns);
      } catch (e) {
        p.reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      p.resolve({ values, state: m.state });
    } else {
      const e = new Error(m.message);
      if (m.stack) e.stack = m.stack;
      p.reject(e);
    }
  };

  const startWorker = (): boolean => {
    if (worker) return true;
    try {
      startedAt = performance.now();
      const w = new Worker(o.url ?? chunkWorkerUrl());
      worker = w;
      w.onmessage = onMessage;
      w.onerror = (event: ErrorEvent) => {
        event.preventDefault?.();
        fallBack(ready ? "the worker failed" : "the worker did not start", event.message ?? event.error);
      };
      w.addEventListener("close", onClose);
      startTimer = setTimeout(() => {
        if (!ready) fallBack(`the worker did not start within ${startMs} ms`);
      }, startMs);
      (startTimer as { unref?: () => void }).unref?.();
      return true;
    } catch (e) {
      fallBack("the worker could not be created", e);
      return false;
    }
  };

  const release = () => {
    if (open.size === 0 && pending.size === 0 && worker) stopWorker();
  };

  return {
    get mode() {
      return mode;
    },
    open(run) {
      const s: InlineSession = { id: nextSession++, run, opened: false };
      open.add(s);
      // Started now, so it loads while the run generates its first chunk (on its own thread).
      if (!broken) startWorker();
      let closed = false;
      return {
        generate(state, list, overrides) {
          if (closed) return Promise.reject(new Error("chunk session closed"));
          if (broken || !startWorker()) {
            mode = "inline";
            return inline(run, state, list, overrides);
          }
          mode = "worker";
          const id = nextId++;
          return new Promise<ChunkResult>((resolve, reject) => {
            pending.set(id, { session: s, resolve, reject, state, list, overrides });
            worker?.ref();
            if (ready) post(id);
            else queued.push(id);
          });
        },
        close() {
          if (closed) return;
          closed = true;
          open.delete(s);
          // A chunk generated ahead that the run no longer needs is left to finish or be dropped.
          for (const [id, p] of pending)
            if (p.session === s) {
              pending.delete(id);
              p.reject(new Error("chunk session closed"));
            }
          queued = queued.filter((id) => pending.has(id));
          if (s.opened) send({ op: "close", session: s.id });
          if (pending.size === 0) worker?.unref();
          release();
        },
      };
    },
    async close() {
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new Error("chunk thread stopped"));
      }
      queued = [];
      stopWorker();
    },
  };
}
