/**
 * A generated chunk's rows as columns of typed arrays, so the chunk worker (`chunk-worker.ts`)
 * hands them to the simulator thread by transfer instead of a structured clone of 20,000 objects.
 * Exact: decoding gives objects with the same keys in the same order, the same values (`-0`, NaN,
 * `undefined` and `null` included) and rows in the same order as `generateChunk` made them.
 */
import type { ValueInput } from "../ingest/write.ts";
import type { SimulatorConfig } from "./config.ts";
import type { Entity, ModelState, OverrideValue } from "./model/types.ts";

/** The rows of one chunk, by column. `flags` says which value fields a row has (bits below). */
export interface ChunkColumns {
  entity: Float64Array;
  ts: Float64Array;
  num: Float64Array;
  flags: Uint16Array;
  /** `value_s` of the rows that have one, in row order. */
  strings: string[];
  /** Index into `statuses` of each row's status (when the row has one). */
  status: Uint8Array;
  statuses: string[];
}

const N = 1; // value_n is a number
const N_NULL = 2;
const B = 4; // value_b is a boolean
const B_TRUE = 8;
const B_NULL = 16;
const S = 32; // value_s is a string
const S_NULL = 64;
const ST = 128; // status is a string
const ST_NULL = 256;

/**
 * Encodes the rows `generateChunk` makes (keys entity_id, ts, value_n, value_b, value_s, status).
 * @throws Error for a row it cannot give back exactly (another key, a value of another type).
 */
export function encodeChunk(values: readonly ValueInput[]): ChunkColumns {
  const n = values.length;
  const c: ChunkColumns = {
    entity: new Float64Array(n),
    ts: new Float64Array(n),
    num: new Float64Array(n),
    flags: new Uint16Array(n),
    strings: [],
    status: new Uint8Array(n),
    statuses: [],
  };
  const statusIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const v = values[i] as ValueInput;
    if (v.value_ts !== undefined || v.value_dict !== undefined) throw new Error("chunk row not encodable");
    let f = 0;
    c.entity[i] = v.entity_id;
    c.ts[i] = v.ts.getTime();
    if (typeof v.value_n === "number") {
      f |= N;
      c.num[i] = v.value_n;
    } else if (v.value_n === null) f |= N_NULL;
    else if (v.value_n !== undefined) throw new Error("chunk row not encodable");
    if (typeof v.value_b === "boolean") f |= v.value_b ? B | B_TRUE : B;
    else if (v.value_b === null) f |= B_NULL;
    else if (v.value_b !== undefined) throw new Error("chunk row not encodable");
    if (typeof v.value_s === "string") {
      f |= S;
      c.strings.push(v.value_s);
    } else if (v.value_s === null) f |= S_NULL;
    else if (v.value_s !== undefined) throw new Error("chunk row not encodable");
    if (typeof v.status === "string") {
      f |= ST;
      let k = statusIndex.get(v.status);
      if (k === undefined) {
        k = c.statuses.length;
        if (k > 255) throw new Error("chunk row not encodable");
        statusIndex.set(v.status, k);
        c.statuses.push(v.status);
      }
      c.status[i] = k;
    } else if (v.status === null) f |= ST_NULL;
    else if (v.status !== undefined) throw new Error("chunk row not encodable");
    c.flags[i] = f;
  }
  return c;
}

/** The buffers of `c`, to transfer with it. */
export function chunkTransfer(c: ChunkColumns): ArrayBuffer[] {
  return [c.entity.buffer, c.ts.buffer, c.num.buffer, c.flags.buffer, c.status.buffer] as ArrayBuffer[];
}

/** The rows of `c`, as `generateChunk` gave them (one `Date` per distinct instant). */
export function decodeChunk(c: ChunkColumns): ValueInput[] {
  const n = c.entity.length;
  const out = new Array<ValueInput>(n);
  const dates = new Map<number, Date>();
  let s = 0;
  for (let i = 0; i < n; i++) {
    const f = c.flags[i] as number;
    const ms = c.ts[i] as number;
    let ts = dates.get(ms);
    if (ts === undefined) {
      ts = new Date(ms);
      dates.set(ms, ts);
    }
    out[i] = {
      entity_id: c.entity[i] as number,
      ts,
      value_n: f & N ? c.num[i] : f & N_NULL ? null : undefined,
      value_b: f & B ? (f & B_TRUE) !== 0 : f & B_NULL ? null : undefined,
      value_s: f & S ? c.strings[s++] : f & S_NULL ? null : undefined,
      status: f & ST ? c.statuses[c.status[i] as number] : f & ST_NULL ? null : undefined,
    };
  }
  return out;
}

/** Messages to the chunk worker: a run's inputs once (`open`), then one `chunk` per chunk. */
export type ToWorker =
  | {
      op: "open";
      session: number;
      config: SimulatorConfig;
      entities: Entity[];
      map: Array<[string, number]>;
    }
  | {
      op: "chunk";
      id: number;
      session: number;
      state: ModelState;
      /** The chunk's intervals, epoch ms. */
      list: number[];
      overrides?: Record<string, OverrideValue>;
    }
  | { op: "close"; session: number };

/** Messages from the chunk worker: `ready` once its handler is installed, then one per `chunk`. */
export type FromWorker =
  | { op: "ready" }
  | { op: "chunk"; id: number; ok: true; columns: ChunkColumns; state: ModelState }
  | { op: "chunk"; id: number; ok: false; message: string; stack?: string };
