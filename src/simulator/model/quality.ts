/**
 * Data-quality episodes: what goes wrong with the data path of a real building, as episodes of a
 * device or a network rather than independent per-row draws.
 *
 * - A device (an equipment controller, a site's meter gateway per utility, a weather station) goes
 *   offline: every point it serves is `stale` together and holds the value it had before, until the
 *   device comes back (totalizers then catch up in one step).
 * - A site's network goes down: every point of the site is `stale`.
 * - A sensor fails: its reading flatlines (held) or drops out (an open circuit reads the bottom of its
 *   range: −40 °F for a thermistor, 0 otherwise) and its status is `fault` for the whole episode.
 *
 * Episodes are a pure function of (seed, device or point, time) through counter-based draws on fixed
 * time slots: independent of the interval length and of what was generated before, so regenerating
 * any interval reproduces them exactly.
 */
import { keyHash, uniformOfHash } from "./noise.ts";
import type { Entity, Quality } from "./types.ts";

/** Defaults of the optional `Quality` fields. */
export const QUALITY_DEFAULTS = {
  offlineMinutes: 40,
  sensorFailureHours: 36,
  networkPercent: 0,
  networkMinutes: 90,
} as const;

export interface Episode {
  start: number;
  end: number;
  /** A uniform draw of the episode (0..1), e.g. to pick a failure mode. */
  u: number;
}

/**
 * The episode of a process active at `t` (epoch ms), or null. The process is active `percent` % of the
 * time in episodes of mean length `meanMs`: time is cut in slots of `meanMs`; in each slot an episode
 * starts with probability `percent / 100` at a uniform offset and lasts `meanMs × (0.3 + 0.7·E)`,
 * E ~ Exp(1) truncated at 5, so its mean is ≈ `meanMs` and the active share ≈ `percent` %.
 */
export function episodeAt(
  seed: number,
  key: string,
  t: number,
  percent: number,
  meanMs: number,
): Episode | null {
  return episodeOfHash(seed, keyHash(key), t, percent, meanMs);
}

/** `episodeAt` for a key whose `keyHash` the caller holds. */
function episodeOfHash(
  seed: number,
  key: number,
  t: number,
  percent: number,
  meanMs: number,
): Episode | null {
  if (!(percent > 0) || !(meanMs > 0)) return null;
  const p = Math.min(1, percent / 100);
  const slot = Math.floor(t / meanMs);
  for (let k = slot; k >= slot - 4; k--) {
    if (uniformOfHash(seed, key, k, 1) >= p) continue;
    const start = (k + uniformOfHash(seed, key, k, 2)) * meanMs;
    const e = Math.min(5, -Math.log(uniformOfHash(seed, key, k, 3)));
    const end = start + meanMs * (0.3 + 0.7 * e);
    if (start <= t && t < end) return { start, end, u: uniformOfHash(seed, key, k, 4) };
  }
  return null;
}

/**
 * One episode process (a site's network, a device, a sensor) with the last answer it gave: every
 * point of a site or device asks for the same process at the same instant, once or twice per
 * interval, and the answer is a pure function of (seed, key, t, percent, mean), so it is reused.
 */
class EpisodeProcess {
  private readonly hash: number;
  private seed = Number.NaN;
  private t = Number.NaN;
  private percent = Number.NaN;
  private meanMs = Number.NaN;
  private last: Episode | null = null;

  constructor(key: string) {
    this.hash = keyHash(key);
  }

  at(seed: number, t: number, percent: number, meanMs: number): Episode | null {
    if (t !== this.t || seed !== this.seed || percent !== this.percent || meanMs !== this.meanMs) {
      this.last = episodeOfHash(seed, this.hash, t, percent, meanMs);
      this.seed = seed;
      this.t = t;
      this.percent = percent;
      this.meanMs = meanMs;
    }
    return this.last;
  }
}

/** The episode processes of every key (a few per point of a building; bounded by clearing). */
const PROCESSES = new Map<string, EpisodeProcess>();

function processOf(key: string): EpisodeProcess {
  let p = PROCESSES.get(key);
  if (!p) {
    if (PROCESSES.size >= 100_000) PROCESSES.clear();
    p = new EpisodeProcess(key);
    PROCESSES.set(key, p);
  }
  return p;
}

/** The episode processes a point's quality depends on, derived once per point and entity index. */
interface PointProcesses {
  byId: Map<string, Entity>;
  net: EpisodeProcess | undefined;
  device: EpisodeProcess | undefined;
  /** Set for numeric sensors that are not totalizers (the ones that fail as sensors). */
  sensor: EpisodeProcess | undefined;
}

const POINT_PROCESSES = new WeakMap<Entity, PointProcesses>();

function processesOf(e: Entity, byId: Map<string, Entity>): PointProcesses {
  const known = POINT_PROCESSES.get(e);
  if (known && known.byId === byId) return known;
  const site = e.tags.siteRef?.kind === "Ref" ? e.tags.siteRef.localId : undefined;
  const device = deviceOf(e, byId);
  const isSensor =
    e.tags.sensor && !e.tags.hisTotalized && e.tags.kind?.kind === "Str" && e.tags.kind.val === "Number";
  const made: PointProcesses = {
    byId,
    net: site === undefined ? undefined : processOf(`dq:net:${site}`),
    device: device === undefined ? undefined : processOf(`dq:dev:${device}`),
    sensor: isSensor ? processOf(`dq:sensor:${e.localId}`) : undefined,
  };
  POINT_PROCESSES.set(e, made);
  return made;
}

/** The status and value a point reports under its data-quality episodes. */
export interface QualityVerdict {
  status: "ok" | "stale" | "fault";
  /** `held`: repeat the last written value; `dropout`: the sensor's failure reading; `live`: as computed. */
  value: "live" | "held" | "dropout";
}

/** The device whose going offline silences a point: its equipment, or the meter gateway of its utility. */
export function deviceOf(e: Entity, byId: Map<string, Entity>): string | undefined {
  const ref = (x: Entity | undefined, tag: string): string | undefined => {
    const v = x?.tags[tag];
    return v?.kind === "Ref" ? v.localId : undefined;
  };
  const equip = ref(e, "equipRef") ?? ref(e, "weatherStationRef");
  if (equip === undefined) return undefined;
  return ref(byId.get(equip), "submeterOf") ?? equip;
}

/**
 * The data-quality verdict of point `e` at `t`: a network outage of its site or an offline device makes
 * it `stale` (value held); a failed sensor is `fault` (flatline 60 % of failures, dropout 40 %).
 * Totalizers, commands and setpoints do not fail as sensors do (they are registers and controller
 * values), only with their device.
 */
export function qualityAt(
  q: Quality,
  seed: number,
  e: Entity,
  byId: Map<string, Entity>,
  t: number,
): QualityVerdict {
  const pp = processesOf(e, byId);
  const netPercent = q.networkPercent ?? QUALITY_DEFAULTS.networkPercent;
  const netMs = (q.networkMinutes ?? QUALITY_DEFAULTS.networkMinutes) * 60_000;
  if (pp.net?.at(seed, t, netPercent, netMs)) return STALE;
  const offMs = (q.offlineMinutes ?? QUALITY_DEFAULTS.offlineMinutes) * 60_000;
  if (pp.device?.at(seed, t, q.stalePercent, offMs)) return STALE;
  if (pp.sensor) {
    const failMs = (q.sensorFailureHours ?? QUALITY_DEFAULTS.sensorFailureHours) * 3_600_000;
    const ep = pp.sensor.at(seed, t, q.faultPercent, failMs);
    if (ep) return ep.u < 0.6 ? FAULT_HELD : FAULT_DROPOUT;
  }
  return OK;
}

// The verdicts, shared (callers read them, never change them).
const STALE: QualityVerdict = Object.freeze({ status: "stale", value: "held" });
const FAULT_HELD: QualityVerdict = Object.freeze({ status: "fault", value: "held" });
const FAULT_DROPOUT: QualityVerdict = Object.freeze({ status: "fault", value: "dropout" });
const OK: QualityVerdict = Object.freeze({ status: "ok", value: "live" });

/** What a dropped-out sensor reads: the bottom of its range (open-circuit thermistor −40 °F), else 0. */
export function dropoutReading(unit: string): number {
  return unit === "°F" ? -40 : 0;
}
