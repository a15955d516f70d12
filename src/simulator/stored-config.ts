/**
 * The one reader of a stored simulator configuration. The document is validated when it is stored
 * (create, update); every reader (engine, service views, remote-runner routes, remote runners, pages)
 * takes the parsed configuration and its building's entities from `storedConfigOf`, which parses a
 * version once and caches it by (simulator id, `updated_at`). A hit is checked against the
 * document's text, since two databases (tests, a remote runner's servers) can hold the same id and
 * version.
 */
import { parseSimulatorConfig, type SimulatorConfig } from "./config.ts";
import { buildEntities } from "./model/entities.ts";
import { faultEntities, faultRecords } from "./model/faults.ts";
import type { Entity } from "./model/types.ts";

/** A stored configuration, parsed, with its building's entities (shared: do not mutate). */
export interface StoredConfig {
  config: SimulatorConfig;
  entities: Entity[];
  entityCount: number;
  /** Entities with history (`his`): the points written per interval. */
  pointCount: number;
}

/** The stored row's identity and document; `updated_at` changes with every configuration update. */
export interface StoredConfigRow {
  simulator_id: number;
  updated_at: Date | string;
  config: Record<string, unknown>;
}

const MAX_CACHED = 64;
const cache = new Map<string, { text: string; parsed: StoredConfig }>();

/**
 * The parsed configuration of this stored version.
 * @throws Error when the stored document is invalid (it was validated when stored, so a bug).
 */
export function storedConfigOf(row: StoredConfigRow): StoredConfig {
  const key = keyOf(row);
  const text = JSON.stringify(row.config);
  const hit = cache.get(key);
  if (hit && hit.text === text) return hit.parsed;
  const r = parseSimulatorConfig(row.config);
  if (!r.ok) throw new Error(`stored simulator configuration is invalid: ${r.issues[0]?.message}`);
  return remember(key, text, shapeOf(r.config, simulatorEntities(r.config)));
}

/**
 * Caches the configuration a verb has just validated and stored as `row` (create, update), so the
 * stored version is not parsed again.
 */
export function rememberStoredConfig(
  row: StoredConfigRow,
  config: SimulatorConfig,
  entities: Entity[] = simulatorEntities(config),
): StoredConfig {
  return remember(keyOf(row), JSON.stringify(row.config), shapeOf(config, entities));
}

/**
 * The entities of a simulator: its building's, then one `fault` entity per configured fault (the
 * ground truth, linked to its equipment and evidence points).
 */
export function simulatorEntities(config: SimulatorConfig): Entity[] {
  const building = buildEntities(config.building);
  return [...building, ...faultEntities(faultRecords(config.faults, building), building)];
}

function keyOf(row: StoredConfigRow): string {
  const version = typeof row.updated_at === "string" ? Date.parse(row.updated_at) : row.updated_at.getTime();
  return `${row.simulator_id}@${version}`;
}

function shapeOf(config: SimulatorConfig, entities: Entity[]): StoredConfig {
  return {
    config,
    entities,
    entityCount: entities.length,
    pointCount: entities.filter((e) => e.tags.his).length,
  };
}

function remember(key: string, text: string, parsed: StoredConfig): StoredConfig {
  cache.delete(key);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, { text, parsed });
  return parsed;
}
