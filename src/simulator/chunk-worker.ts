/**
 * The chunk worker: a thread of its own that runs the pure model (`generateChunk`) for the
 * simulator runs of this process, so the next chunk is generated while the simulator thread writes
 * the previous one. Started by `chunk-thread.ts`; an extra entry point of the compiled build
 * (`package.json`). It holds each open run's configuration and entities (sent once, so the model's
 * caches keyed by them stay warm) and answers each chunk with its rows as transferred columns and
 * the state after it, or with the error the model threw.
 */
import { generateChunk } from "./chunk.ts";
import { chunkTransfer, encodeChunk, type FromWorker, type ToWorker } from "./chunk-codec.ts";
import type { SimulatorConfig } from "./config.ts";
import type { Entity } from "./model/types.ts";

declare const self: Worker;

interface Session {
  config: SimulatorConfig;
  entities: Entity[];
  map: Map<string, number>;
}

const sessions = new Map<number, Session>();

const reply = (m: FromWorker, transfer: ArrayBuffer[] = []) => self.postMessage(m, transfer);

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  if (m.op === "open") {
    sessions.set(m.session, { config: m.config, entities: m.entities, map: new Map(m.map) });
    return;
  }
  if (m.op === "close") {
    sessions.delete(m.session);
    return;
  }
  try {
    const s = sessions.get(m.session);
    if (!s) throw new Error(`chunk worker: no open run ${m.session}`);
    const { values, state } = generateChunk({
      config: s.config,
      entities: s.entities,
      map: s.map,
      state: m.state,
      list: m.list.map((ms) => new Date(ms)),
      overrides: m.overrides,
    });
    const columns = encodeChunk(values);
    reply({ op: "chunk", id: m.id, ok: true, columns, state }, chunkTransfer(columns));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply({ op: "chunk", id: m.id, ok: false, message: err.message, stack: err.stack });
  }
};

reply({ op: "ready" });
