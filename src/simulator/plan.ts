/**
 * Pure planning of a simulator run: the cron pattern of an interval, and which interval ends to
 * write now (generation, backfill or gap fill). Shared by the engine and remote runners.
 */
import type { SimulatorConfig } from "./config.ts";
import { alignDown, intervalsBetween } from "./model/time.ts";

const DAY_MS = 86_400_000;

/** Cron pattern firing two seconds after each interval boundary (UTC). */
export function cronPattern(intervalMinutes: number): string {
  return intervalMinutes >= 60 ? "2 0 * * * *" : `2 */${intervalMinutes} * * * *`;
}

/**
 * The interval ends to write now, the kind of run, and how many older intervals were skipped
 * (beyond `maxGapDays`). Without a checkpoint (`lastTs`) history starts `backfillDays` ago (or after
 * `from`); with one, right after it.
 */
export function planIntervals(o: {
  config: SimulatorConfig;
  lastTs: Date | undefined;
  now: Date;
  from?: Date;
  until?: Date;
  ignoreMaxGap?: boolean;
}): { list: Date[]; kind: "generation" | "backfill" | "gap_fill"; skipped: number } {
  const interval = o.config.intervalMinutes;
  const target = alignDown(o.until && o.until < o.now ? o.until : o.now, interval);
  if (!o.lastTs) {
    const from = o.from ?? new Date(target.getTime() - o.config.backfillDays * DAY_MS);
    const list = o.config.backfillDays === 0 && !o.from ? [target] : intervalsBetween(from, target, interval);
    return { list, kind: list.length > 1 ? "backfill" : "generation", skipped: 0 };
  }
  let from = o.lastTs;
  let skipped = 0;
  const earliest = new Date(target.getTime() - o.config.maxGapDays * DAY_MS);
  if (!o.ignoreMaxGap && from < earliest) {
    skipped = intervalsBetween(from, alignDown(earliest, interval), interval).length;
    from = alignDown(earliest, interval);
  }
  const list = intervalsBetween(from, target, interval);
  return { list, kind: list.length > 1 ? "gap_fill" : "generation", skipped };
}
