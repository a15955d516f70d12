/**
 * Control loop dynamics: a discrete PI controller scanning every `SCAN_MIN` (15 s), an actuator with
 * output limits and a stroke time (rate limit), and first-order-plus-dead-time processes, simulated
 * in sub-steps across an interval so a loop behaves the same at any interval length. A loop tuned to
 * its process (SIMC rules) settles without hunting; a mistuned one (gain too high, integral too short:
 * the `hunting` fault) overshoots and oscillates in a limit cycle bounded by its actuator. Pure: the
 * state is plain numbers the caller keeps in `ModelState.loops`.
 */

/** Controller scan and simulation sub-step, minutes. */
export const SCAN_MIN = 0.25;

/** Proportional gain (output % per unit of error) and integral time (minutes) of a PI controller. */
export interface PiTuning {
  kc: number;
  tiMin: number;
}

/** Output limits of a controller and the full-stroke time of its actuator, minutes. */
export interface Actuator {
  lo: number;
  hi: number;
  strokeMin: number;
}

/** A PI loop's state: controller output (the command point), its integral term, actuator position. */
export interface PiState {
  out: number;
  i: number;
  act: number;
}

/**
 * SIMC tuning (Skogestad, J. Process Control 2003) of a first-order-plus-dead-time process with gain
 * `gain` (PV units per output %), time constant `tauMin` and dead time `deadMin` (the actuator's
 * stroke counted as dead time), closed-loop time constant `tauC` = the effective dead time: a
 * well-damped response without oscillation. `mistune` multiplies the gain and divides the integral
 * time (a loop left at aggressive defaults, or tuned on another season's process).
 */
export function simcTuning(gain: number, tauMin: number, deadMin: number, mistune = 1): PiTuning {
  const theta = Math.max(deadMin, SCAN_MIN);
  const k = Math.max(Math.abs(gain), 1e-9);
  const kc = tauMin / (k * 2 * theta);
  const tiMin = Math.min(tauMin, 8 * theta);
  // A controller's integral time is never below its scan (it would integrate faster than it samples).
  return { kc: kc * mistune, tiMin: Math.max(SCAN_MIN, tiMin / mistune) };
}

/**
 * One scan of a PI controller with error `e` (in the direction that raises the output: PV − setpoint
 * for a cooling loop), clamping anti-windup (the integral stops while the output is held at a limit),
 * then the actuator moving toward the output at its stroke rate. Mutates `s`.
 */
export function piScan(s: PiState, e: number, t: PiTuning, a: Actuator, dt: number): void {
  const p = t.kc * e;
  let i = s.i + (t.kc * e * dt) / t.tiMin;
  const raw = p + i;
  // Past a limit the integral only fills up to it (it never winds beyond what the output can do).
  if (raw > a.hi && e > 0) i = Math.max(s.i, Math.min(i, a.hi - p));
  else if (raw < a.lo && e < 0) i = Math.min(s.i, Math.max(i, a.lo - p));
  i = Math.min(a.hi, Math.max(a.lo - Math.abs(p), i));
  s.i = i;
  s.out = Math.min(a.hi, Math.max(a.lo, p + i));
  const step = ((a.hi - a.lo) * dt) / Math.max(a.strokeMin, dt);
  s.act = s.act + Math.min(step, Math.max(-step, s.out - s.act));
}

/** A pure delay line of `length` scans (transport and sensor delay), oldest first. */
export function delayed(line: number[], value: number): number {
  if (line.length === 0) return value;
  const out = line.shift()!;
  line.push(value);
  return out;
}

/** A first-order-plus-dead-time process: PV = `steady(u)` after `deadMin`, lagged by `tauMin`. */
export interface Fopdt {
  steady: (u: number) => number;
  tauMin: number;
  deadMin: number;
}

/** Scans of dead time of a process (at least none). */
export function deadScans(deadMin: number): number {
  return Math.max(0, Math.round(deadMin / SCAN_MIN));
}

/** State of a PI loop on an FOPDT process, as kept between intervals. */
export interface LoopState extends PiState {
  /** The process value (true, before any sensor bias). */
  y: number;
  /** Actuator positions in transit (dead time), oldest first. */
  line: number[];
}

/**
 * Reads a loop's state from the carried `pi` record, `[out, i, act, y, …dead-time slots]` per loop key
 * (`fallback` where absent: a new loop or an older checkpoint).
 */
export function readLoop(
  pi: Readonly<Record<string, readonly number[]>> | undefined,
  key: string,
  fallback: { out: number; y: number },
  deadMin: number,
): LoopState {
  const n = deadScans(deadMin);
  const a = pi?.[key];
  if (!a || a.length < 4) {
    return {
      out: fallback.out,
      i: fallback.out,
      act: fallback.out,
      y: fallback.y,
      line: new Array(n).fill(fallback.out),
    };
  }
  const line: number[] = [];
  for (let j = 0; j < n; j++) line.push(a[4 + j] ?? a[2]!);
  return { out: a[0]!, i: a[1]!, act: a[2]!, y: a[3]!, line };
}

/** Writes a loop's state into the `pi` record of the next state (a new array: the previous state is not touched). */
export function writeLoop(pi: Record<string, number[]>, key: string, s: LoopState): void {
  pi[key] = [s.out, s.i, s.act, s.y, ...s.line];
}

/** How a loop's actuator and sensor behave this interval (faults and operator overrides). */
export interface LoopOptions {
  /** What the controller reads for a true process value (a sensor bias). */
  sense?: (y: number) => number;
  /** The actuator is stuck here whatever the output (the controller winds up against it). */
  stuckAt?: number;
  /** The output is held here by an operator (manual); the integral tracks it for a bumpless return. */
  manual?: number;
}

/**
 * Runs a PI loop on an FOPDT process for `dtMin` minutes toward `sp`, scan by scan. `action` +1 when
 * more output raises PV − SP's sign the controller acts on (cooling valve: open more when warmer, so
 * the error is PV − SP), −1 when the output must rise as the PV falls below the setpoint (an airflow
 * loop: e = SP − PV). Returns the time-averaged actuator position and process value over the interval
 * (energy follows the average) beside the end state (what a poller samples). Mutates `s`.
 */
export function runLoop(
  s: LoopState,
  sp: number,
  p: Fopdt,
  t: PiTuning,
  a: Actuator,
  dtMin: number,
  action: 1 | -1,
  o: LoopOptions = {},
): { meanAct: number; meanY: number } {
  const scans = Math.max(1, Math.round(dtMin / SCAN_MIN));
  const dt = dtMin / scans;
  const sense = o.sense ?? ((y: number) => y);
  const decay = Math.exp(-dt / Math.max(p.tauMin, 1e-6));
  let sumAct = 0;
  let sumY = 0;
  for (let k = 0; k < scans; k++) {
    if (o.manual !== undefined) {
      s.out = o.manual;
      s.i = o.manual;
      const step = ((a.hi - a.lo) * dt) / Math.max(a.strokeMin, dt);
      s.act += Math.min(step, Math.max(-step, s.out - s.act));
    } else piScan(s, action * (sense(s.y) - sp), t, a, dt);
    if (o.stuckAt !== undefined) s.act = o.stuckAt;
    const u = delayed(s.line, s.act);
    const target = p.steady(u);
    s.y = target + (s.y - target) * decay;
    sumAct += s.act;
    sumY += s.y;
  }
  return { meanAct: sumAct / scans, meanY: sumY / scans };
}
