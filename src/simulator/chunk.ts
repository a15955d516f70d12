/**
 * Pure chunk generation: the values of consecutive intervals of a building, mapped to entity ids.
 * Shared by the engine and remote runners, so both produce identical rows for identical inputs.
 */
import type { ValueInput } from "../ingest/write.ts";
import type { SimulatorConfig } from "./config.ts";
import { generateInterval } from "./model/generate.ts";
import type { Entity, ModelState, OverrideValue } from "./model/types.ts";

/**
 * The values of consecutive intervals `list` starting from `state` (operator overrides apply from
 * the first), mapped to entity ids, in (entity_id, ts) order, and the state after the last one.
 * Pure: the engine and remote runners (`remote.ts`) produce identical rows for identical inputs.
 * @throws Error when an entity has no id in `map`.
 */
export function generateChunk(o: ChunkInput): { values: ValueInput[]; state: ModelState } {
  const rows = new EntityRows();
  let next = o.state;
  for (const ts of o.list) next = generateOne(o, ts, next, rows);
  return { values: rows.values(), state: next };
}

/**
 * `generateChunk`, giving way to the event loop after each interval, so that I/O in flight (the
 * previous chunk being written) proceeds while the model computes this one. Same rows, same state.
 */
export async function generateChunkAsync(
  o: ChunkInput,
): Promise<{ values: ValueInput[]; state: ModelState }> {
  const rows = new EntityRows();
  let next = o.state;
  for (const ts of o.list) {
    next = generateOne(o, ts, next, rows);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { values: rows.values(), state: next };
}

/**
 * A chunk's rows gathered per entity, given in (entity_id, ts) order: the order every write locks
 * rows in, so the ingest path finds the batch sorted and does not sort it again (a sort of 20,000
 * rows was a fifth of a chunk's generation, profiled). Intervals are generated in time order, so
 * each entity's rows are already in ts order.
 */
class EntityRows {
  private readonly byEntity = new Map<number, ValueInput[]>();

  push(v: ValueInput): void {
    const rows = this.byEntity.get(v.entity_id);
    if (rows) rows.push(v);
    else this.byEntity.set(v.entity_id, [v]);
  }

  values(): ValueInput[] {
    const ids = [...this.byEntity.keys()].sort((a, b) => a - b);
    const out: ValueInput[] = [];
    for (const id of ids) for (const v of this.byEntity.get(id) as ValueInput[]) out.push(v);
    return out;
  }
}

interface ChunkInput {
  config: SimulatorConfig;
  entities: Entity[];
  map: ReadonlyMap<string, number>;
  state: ModelState;
  list: readonly Date[];
  overrides?: Record<string, OverrideValue>;
}

/** Generates interval `ts` from `state`, adds its rows to `values`, returns the next state. */
function generateOne(o: ChunkInput, ts: Date, state: ModelState, values: EntityRows): ModelState {
  const { config } = o;
  const out = generateInterval({
    building: config.building,
    entities: o.entities,
    seed: config.seed,
    ts,
    intervalMinutes: config.intervalMinutes,
    state,
    quality: config.quality,
    faults: config.faults,
    overrides: ts === o.list[0] ? o.overrides : undefined,
    noise: config.noise,
  });
  for (const row of out.rows) {
    const entityId = o.map.get(row.localId);
    if (entityId === undefined) throw new Error(`no entity for ${row.localId}`);
    values.push({
      entity_id: entityId,
      ts: row.ts,
      value_n: row.value_n,
      value_b: row.value_b,
      value_s: row.value_s,
      status: row.status,
    });
  }
  return out.state;
}
