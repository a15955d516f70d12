// The web console: page routes (full page, or the fragment htmx asks for), the live-update stream
// and the embedded static assets. Pages call service verbs only; views take props only.
import type { Hono } from "hono";
import type { AppDeps, AppEnv } from "../app.ts";
import { mountAssets } from "../http/assets.ts";
import { mountAuthPages } from "./auth-pages.tsx";
import { mountDashboard } from "./dashboard.tsx";
import { mountLive } from "./live.tsx";
import { mountSimulatorPages } from "./simulators.tsx";

export { pageErrors } from "./errors.tsx";

export function mountWeb(app: Hono<AppEnv>, deps: AppDeps): void {
  mountAssets(app);
  mountAuthPages(app, deps);
  mountDashboard(app, deps);
  mountSimulatorPages(app, deps);
  mountLive(app, deps);
}
