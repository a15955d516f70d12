/**
 * The simulators as a background service of the server: after start-up (and after the access
 * bootstrap created org `demo`), creates the demo simulator on a first start, then starts the runtime
 * (`simulator.supervise` every 30 s, `simulator.tick:<id>` per running simulator). Stop waits for
 * running ticks. Nothing here blocks the server from answering. Feeds the simulator metrics.
 */
import type { ServiceDeps } from "../deps.ts";
import type { AppMetrics } from "../metrics.ts";
import { createSimulatorRuntime, type SimulatorRuntime } from "./engine.ts";
import { observeSimulators } from "./metrics.ts";
import { ensureDemoSimulator } from "./service.ts";

/** With `metrics` (the server's), the simulator families of `/metrics` are fed too. */
export function simulatorBackgroundService(deps: ServiceDeps & { metrics?: AppMetrics }): {
  name: string;
  start(): void;
  stop(): Promise<void>;
} {
  let runtime: SimulatorRuntime | undefined;
  let starting: Promise<void> | undefined;
  let observer: { stop(): void } | undefined;
  return {
    name: "simulator.tick",
    start() {
      if (!deps.config.simulators) return;
      const rt = createSimulatorRuntime({ deps, leaseMs: deps.config.simulatorLeaseMs });
      runtime = rt;
      if (deps.metrics) observer = observeSimulators(deps, deps.metrics, rt);
      starting = (async () => {
        try {
          const id = await ensureDemoSimulator(deps);
          if (id !== null) deps.log.info("demo simulator created", { simulator: id });
        } catch (e) {
          deps.log.error("demo simulator not created", { error: e });
        }
        await rt.start();
      })();
    },
    async stop() {
      await starting?.catch(() => undefined);
      await runtime?.stop();
      observer?.stop();
    },
  };
}
