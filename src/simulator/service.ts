/**
 * Simulator service verbs: create, configure, control, reset, delete, list and read simulators, and
 * their activity. Every verb takes `{deps, actor, …}` and checks the actor again (cron and start-up
 * call them without HTTP). Reads need membership of the simulator's org, everything else org admin;
 * an id the actor cannot see answers `forbidden` (no existence oracle).
 *
 * A simulator is a poller of type `simulator` (`core.poller_config`, owned by the catalog, which
 * keeps its config Fernet-encrypted) plus its readable definition in `core.hs_simulator` (same id).
 * Running happens in the process's runtime (`engine.ts`); verbs that control it tell the runtime
 * when one is registered. The verbs live in `service/` by group; this module is their one entry.
 */
export { SIMULATOR_KEY, type SimulatorInput } from "./service/common.ts";
export {
  backfillRange,
  pauseSimulator,
  type RunNowResult,
  resetSimulator,
  resumeSimulator,
  runNow,
  startSimulator,
  stopSimulator,
} from "./service/control.ts";
export {
  createSimulator,
  deleteSimulator,
  ensureDemoSimulator,
  updateSimulatorConfig,
} from "./service/define.ts";
export {
  getSimulator,
  listActivity,
  listSimulators,
  simulatorErrors24h,
  simulatorFaults,
  simulatorMetrics,
  simulatorTemplates,
} from "./service/reads.ts";
export {
  type RemoteCheckpoint,
  type RemoteStateInput,
  readRemoteCheckpoint,
  reportRemoteActivity,
  reportRemoteState,
} from "./service/remote.ts";
export {
  PLAN_STATUSES,
  type PlanStateInput,
  reportPlanState,
  type SimulatorStateAnswer,
  simulatorState,
} from "./service/state.ts";
export type { SimulatorView } from "./service/view.ts";
export {
  listWeatherFiles,
  MAX_EPW_BYTES,
  readWeatherFiles,
  removeWeatherFile,
  uploadWeatherFile,
  type WeatherFileView,
  weatherSites,
} from "./service/weather.ts";
