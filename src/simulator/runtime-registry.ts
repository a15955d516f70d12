/**
 * The simulator runtime's contract and the one per-process registry that maps service deps to the
 * runtime running in this process. Service verbs find the runtime here (`simulatorRuntimeOf`); the
 * engine registers itself here (`registerRuntime`). The runtime is held in deps.runtime (runtime.ts),
 * not in module state.
 */
import type { ServiceDeps } from "../deps.ts";
import { slot } from "../runtime.ts";
import type { SimulatorPorts } from "./ports.ts";
import type { RunStatus } from "./store.ts";

/** What the runtime knows of one simulator it has seen. */
export interface LiveStatus {
  status: RunStatus;
  error: string | null;
  lastRun: Date | null;
  lastTs: Date | null;
  lastDurationMs: number | null;
  lastPoints: number | null;
  nextRun: Date | null;
  holder: boolean;
  progress: { kind: "gap_fill" | "backfill"; done: number; total: number } | null;
}

export interface TickResult {
  written: number;
  intervals: number;
  status: RunStatus;
}

export interface TickOptions {
  /** Ignore `maxGapDays` (an explicit backfill). */
  ignoreMaxGap?: boolean;
  /** For a simulator without history: start after this instant instead of `backfillDays` ago. */
  from?: Date;
  /** Stop at this interval end instead of now. */
  until?: Date;
}

export interface SimulatorRuntime {
  readonly holder: string;
  /** The verbs of other services the runtime (and the service verbs) use. */
  readonly ports: SimulatorPorts;
  now(): Date;
  /** Runs a first supervise pass (in the background) and schedules `simulator.supervise`. */
  start(): Promise<void>;
  /** Stops every job, lets running ticks finish their current chunk, releases leases. */
  stop(): Promise<void>;
  /** Reconciles jobs and leases with the simulators in the primary. */
  supervise(): Promise<void>;
  /** Brings one simulator up to date now (waits for a running tick instead of overlapping it). */
  tick(id: number, opts?: TickOptions): Promise<TickResult>;
  /** Asks a running tick to stop after its current chunk. */
  cancel(id: number): void;
  /** Forgets a simulator (deleted or reset): stops its job and drops cached entities and errors. */
  forget(id: number): Promise<void>;
  status(id: number): LiveStatus | undefined;
  /** Status of every simulator this process knows, and the lag of those it runs (for /metrics). */
  overview(): Array<{ id: number; status: RunStatus; held: boolean; lagSeconds: number | null }>;
}

/** The runtime running in this process, once the engine registered it (a slot of deps.runtime). */
const SIMULATOR_RUNTIME = slot("simulator.runtime", (): { current?: SimulatorRuntime } => ({}));

/** The simulator runtime registered in this process (by `createSimulatorRuntime`), if any. */
export function simulatorRuntimeOf(deps: Pick<ServiceDeps, "runtime">): SimulatorRuntime | undefined {
  return SIMULATOR_RUNTIME.of(deps).current;
}

/** Registers the simulator runtime of this process (a later one replaces it). */
export function registerRuntime(deps: Pick<ServiceDeps, "runtime">, runtime: SimulatorRuntime): void {
  SIMULATOR_RUNTIME.of(deps).current = runtime;
}
