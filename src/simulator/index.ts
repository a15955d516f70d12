/**
 * Simulators: building templates, the simulator configuration (zod, JSON or YAML, including the
 * original `building_config.yaml` keys) and, under `model/`, the pure model that turns a building into
 * entities and interval values. The engine, jobs and routes that run simulators live elsewhere and use
 * only this API.
 */
export {
  type BuildingInput,
  buildingSchema,
  type ConfigIssue,
  type NoiseConfig,
  type ParseResult,
  parseSimulatorConfig,
  type SimulatorConfig,
  templateBuilding,
} from "./config.ts";
export * from "./model/index.ts";
export { getTemplate, listTemplates, TEMPLATES, type Template } from "./templates/index.ts";
