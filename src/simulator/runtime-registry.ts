/**
 * The simulator runtime's contract and the one per-process registry that maps service deps to the
 * runtime running in this process. Service verbs find the runtime here (`runtimeOf`); the engine
 * registers itself here (`registerRuntime`). This is the only module-level state of the engine.
 */
import type { ServiceDeps } from "../deps.ts";
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

const runtimes = new WeakMap<ServiceDeps, SimulatorRuntime>();

/** The runtime registered for these deps (by `createSimulatorRuntime`), if any. */
export function runtimeOf(deps: ServiceDeps): SimulatorRuntime | undefined {
  return runtimes.get(deps);
}

/** Registers the runtime of this process for `deps` (a later one replaces it). */
export function registerRuntime(deps: ServiceDeps, runtime: SimulatorRuntime): void {
  runtimes.set(deps, runtime);
}
