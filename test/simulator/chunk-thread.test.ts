// The model on its own thread (`chunk-thread.ts`, a Bun Worker): the same rows, in the same order,
// and the same state as generating on this thread, chunk after chunk; the model's errors are the
// chunk's error; a worker that cannot start falls back to this thread (said once at debug); and a
// whole backfill through the engine stores identical rows and checkpoint either way.
import { describe, expect, test } from "bun:test";
import { systemActor } from "../../src/access/actor.ts";
import type { Logger } from "../../src/log.ts";
import { generateChunk } from "../../src/simulator/chunk.ts";
import { type ChunkRun, createChunkThread } from "../../src/simulator/chunk-thread.ts";
import { parseSimulatorConfig } from "../../src/simulator/config.ts";
import { initialState } from "../../src/simulator/model/generate.ts";
import { intervalsBetween } from "../../src/simulator/model/time.ts";
import type { ModelState } from "../../src/simulator/model/types.ts";
import { createSimulator } from "../../src/simulator/service.ts";
import { loadCheckpoint } from "../../src/simulator/store.ts";
import { simulatorEntities } from "../../src/simulator/stored-config.ts";
import { simEnv } from "./helpers.ts";

function capture(): Logger & { lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const log = {
    lines,
    debug: (msg: string) => lines.push({ level: "debug", msg }),
    info: (msg: string) => lines.push({ level: "info", msg }),
    warn: (msg: string) => lines.push({ level: "warn", msg }),
    error: (msg: string) => lines.push({ level: "error", msg }),
    child: () => log,
  };
  return log;
}

function office(): ChunkRun & { state: ModelState } {
  const parsed = parseSimulatorConfig({
    template: "office-tower",
    intervalMinutes: 15,
    seed: 11,
    quality: { stalePercent: 2, faultPercent: 1, networkPercent: 1 },
    faultScenario: { type: "fdd-benchmark", fromYear: 2025, toYear: 2025 },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const config = parsed.config;
  const entities = simulatorEntities(config);
  const map = new Map(entities.map((e, i) => [e.localId, 1000 + i * 3]));
  return {
    config,
    entities,
    map,
    state: initialState({ building: config.building, entities, seed: config.seed }),
  };
}

describe("chunk thread", () => {
  test("the worker gives the rows, order and state of generation on this thread, chunk after chunk", async () => {
    const run = office();
    const list = intervalsBetween(new Date("2025-01-05T00:00:00Z"), new Date("2025-01-07T00:00:00Z"), 15);
    const log = capture();
    const thread = createChunkThread({ log });
    const session = thread.open(run);
    let here = run.state;
    let there = run.state;
    const writable = run.entities.find((e) => e.tags.writable && e.tags.his && e.tags.kind);
    try {
      for (let i = 0; i < list.length; i += 32) {
        const chunk = list.slice(i, i + 32);
        // Overrides on the first chunk's first interval, released on the next chunk.
        const overrides =
          writable && i === 0
            ? { [writable.localId]: 55.5 }
            : writable && i === 32
              ? { [writable.localId]: null }
              : {};
        const a = generateChunk({ ...run, state: here, list: chunk, overrides });
        const b = await session.generate(there, chunk, overrides);
        expect(thread.mode).toBe("worker");
        expect(b.values.length).toBe(a.values.length);
        expect(Bun.deepEquals(b.values, a.values, true)).toBe(true);
        expect(Bun.deepEquals(b.state, a.state, true)).toBe(true);
        expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
        here = a.state;
        there = b.state;
      }
    } finally {
      session.close();
      await thread.close();
    }
    expect(log.lines.filter((l) => /unavailable/.test(l.msg))).toEqual([]);
  });

  test("an error of the model in the worker is the chunk's error, and the worker goes on", async () => {
    const run = office();
    const list = intervalsBetween(new Date("2025-01-05T00:00:00Z"), new Date("2025-01-05T02:00:00Z"), 15);
    const thread = createChunkThread({ log: capture() });
    const missing = run.entities.find((e) => e.tags.his)?.localId as string;
    const partial = new Map([...run.map].filter(([id]) => id !== missing));
    const bad = thread.open({ ...run, map: partial });
    const good = thread.open(run);
    try {
      expect(() => generateChunk({ ...run, map: partial, state: run.state, list })).toThrow(
        `no entity for ${missing}`,
      );
      await expect(bad.generate(run.state, list)).rejects.toThrow(`no entity for ${missing}`);
      const a = generateChunk({ ...run, state: run.state, list });
      const b = await good.generate(run.state, list);
      expect(thread.mode).toBe("worker");
      expect(Bun.deepEquals(b.values, a.values, true)).toBe(true);
    } finally {
      bad.close();
      good.close();
      await thread.close();
    }
  });

  test("a worker that cannot start: chunks are generated here, identically, said once at debug", async () => {
    const run = office();
    const list = intervalsBetween(new Date("2025-01-05T00:00:00Z"), new Date("2025-01-05T04:00:00Z"), 15);
    const log = capture();
    const thread = createChunkThread({ log, url: new URL("./no-such-worker.ts", import.meta.url) });
    const session = thread.open(run);
    try {
      const a = generateChunk({ ...run, state: run.state, list: list.slice(0, 8) });
      const b = await session.generate(run.state, list.slice(0, 8));
      const c = await session.generate(b.state, list.slice(8));
      expect(thread.mode).toBe("inline");
      expect(Bun.deepEquals(b.values, a.values, true)).toBe(true);
      const a2 = generateChunk({ ...run, state: a.state, list: list.slice(8) });
      expect(Bun.deepEquals(c.values, a2.values, true)).toBe(true);
    } finally {
      session.close();
      await thread.close();
    }
    const said = log.lines.filter((l) => /chunk worker unavailable/.test(l.msg));
    expect(said.length).toBe(1);
    expect(said[0]?.level).toBe("debug");
  });

  test("closing with a chunk in flight settles it and stops the worker", async () => {
    const run = office();
    const list = intervalsBetween(new Date("2025-01-05T00:00:00Z"), new Date("2025-01-06T00:00:00Z"), 15);
    const thread = createChunkThread({ log: capture() });
    const session = thread.open(run);
    const inFlight = session.generate(run.state, list);
    await thread.close();
    await expect(inFlight).rejects.toThrow("chunk thread stopped");
    session.close();
    // A later run starts it again.
    const again = thread.open(run);
    const a = generateChunk({ ...run, state: run.state, list: list.slice(0, 4) });
    const b = await again.generate(run.state, list.slice(0, 4));
    expect(Bun.deepEquals(b.values, a.values, true)).toBe(true);
    again.close();
    await thread.close();
  });
});

describe("backfill through the engine (PGlite)", () => {
  test("rows and checkpoint are the same generated on the worker or on this thread", async () => {
    const stored: Array<{ rows: unknown[]; checkpoint: unknown; mode: string }> = [];
    for (const use of ["worker", "inline"] as const) {
      const env = await simEnv("pglite", "acme", "2025-03-10T12:07:00Z");
      {
        const sim = await createSimulator({
          deps: env.deps,
          actor: systemActor,
          orgId: env.seeded.org.id,
          input: { key: "shop", template: "retail-rtu", interval_minutes: 15, backfill_days: 2, seed: 5 },
        });
        // Small chunks: a two-day backfill is many transactions, each with its checkpoint.
        const chunks = createChunkThread({ log: capture(), use });
        const rt = env.runtime({ chunkRows: 126 * 10, chunks });
        const r = await rt.tick(sim.id);
        expect(chunks.mode).toBe(use);
        await rt.stop();
        expect(r.status).toBe("running");
        expect(r.intervals).toBeGreaterThan(4 * 10);
        const rows = await env.deps.dbs.primary.query(
          `SELECT entity_id, ts, value_n::text AS n, value_b, value_s, status
             FROM core.values_acme ORDER BY entity_id, ts`,
        );
        const ck = await loadCheckpoint(env.deps.dbs.primary, sim.id);
        stored.push({ rows, checkpoint: ck && { ...ck, updated_at: undefined }, mode: use });
      }
    }
    const [worker, inline] = stored;
    expect(worker?.rows.length).toBeGreaterThan(0);
    expect(worker?.rows).toEqual(inline?.rows as unknown[]);
    expect(JSON.stringify(worker?.checkpoint)).toBe(JSON.stringify(inline?.checkpoint));
  });
});
