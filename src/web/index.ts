// The web console: page routes (full page, or the fragment htmx asks for), the live-update stream
// and the embedded static assets. Pages call service verbs only; views take props only.
import type { Hono } from "hono";
import { mountAssets } from "../http/assets.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { mountActivityPages } from "./activity.tsx";
import { mountAuthPages } from "./auth-pages.tsx";
import { mountDashboard } from "./dashboard.tsx";
import { mountDatabasePages } from "./databases.tsx";
import { mountEntityPages } from "./entity.tsx";
import { mountExplorerPages } from "./explorer.tsx";
import { mountLive } from "./live.tsx";
import { passwordGate } from "./password-gate.ts";
import { mountSettingsPages } from "./settings.tsx";
import { mountSimulatorWeatherPages } from "./simulator-weather.tsx";
import { mountSimulatorPages } from "./simulators.tsx";

export { pageErrorRenderer } from "./errors.tsx";

export function mountWeb(app: Hono<AppEnv>, deps: AppDeps): void {
  mountAssets(app);
  app.use(passwordGate(deps));
  mountAuthPages(app, deps);
  mountDashboard(app, deps);
  mountSimulatorPages(app, deps);
  mountSimulatorWeatherPages(app, deps);
  mountActivityPages(app, deps);
  mountDatabasePages(app, deps);
  mountExplorerPages(app, deps);
  mountEntityPages(app, deps);
  mountSettingsPages(app, deps);
  mountLive(app, deps);
}
