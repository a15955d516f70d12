// Named in-process cron jobs (croner), the one way the process schedules work: UTC, a job never
// overlaps itself, a failure is reported and retried on the next run. Job ids are `domain.job`
// (`simulator.supervise`, `ingest.retention`), stable forever. `cronService` makes a scheduled job
// a background service of the server (start, stop awaiting a running run, run now). `sleep` is
// the one abortable wait.
import { Cron, scheduledJobs } from "croner";
import type { Logger } from "./log.ts";

/**
 * Schedules `run` on `pattern` (seconds optional, UTC). The job is listed under `name` in croner's
 * `scheduledJobs` unless a live job holds that name already (several runtimes in one process, as in
 * tests; croner refuses duplicate names). Errors thrown by `run` go to `onError`.
 */
export function scheduleJob(
  name: string,
  pattern: string,
  onError: (e: unknown) => void,
  run: () => unknown,
): Cron {
  return new Cron(
    pattern,
    {
      name: scheduledJobs.some((j) => j.name === name) ? undefined : name,
      timezone: "UTC",
      protect: true,
      catch: onError,
    },
    async () => {
      await run();
    },
  );
}

export interface CronService {
  name: string;
  start(): void;
  /** Stops the schedule and waits for a running run. */
  stop(): Promise<void>;
  /** Runs the job now (what the schedule does). */
  runOnce(): Promise<void>;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A scheduled job as a background service. A failed run is logged as a warning (`failure`) and
 * retried on the next run. With `atStart`, a first run starts in the background when the service
 * starts (start-up does not wait; its failure is logged as `atStart`).
 */
export function cronService(opts: {
  name: string;
  pattern: string;
  log: Logger;
  failure: string;
  atStart?: string;
  run: () => Promise<void>;
}): CronService {
  let job: Cron | undefined;
  let running: Promise<void> = Promise.resolve();
  const runOnce = () => {
    running = opts.run();
    return running;
  };
  const warn = (message: string) => (e: unknown) => opts.log.warn(message, { error: messageOf(e) });
  return {
    name: opts.name,
    runOnce,
    start() {
      job = scheduleJob(opts.name, opts.pattern, warn(opts.failure), runOnce);
      const { atStart } = opts;
      if (atStart !== undefined) running = opts.run().catch(warn(atStart));
    },
    async stop() {
      job?.stop();
      await running.catch(() => {});
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts, including when it aborted before the call
 * (an abort during a step must not leave the runner asleep until the next interval). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
