// The types every route module shares: what the app is built from (AppDeps) and what a request
// carries (AppEnv). A leaf module, so routes import it instead of app.ts (which imports them).
import type { Actor } from "../access/actor.ts";
import type { HealthChecker } from "../db/health.ts";
import type { ServiceDeps } from "../deps.ts";
import type { Logger } from "../log.ts";
import type { AppMetrics } from "../metrics.ts";

/** Everything createApp needs: the service deps plus what only the HTTP side uses. */
export interface AppDeps extends ServiceDeps {
  readonly metrics: AppMetrics;
  readonly health: HealthChecker;
  readonly version: string;
}

export type AuthVia = "cookie" | "bearer" | "api_token";

/** The variables the auth middleware sets on the context. */
export interface AuthVariables {
  /** Null only on public routes. */
  actor: Actor | null;
  authVia: AuthVia | null;
  /** The browser session id (cookie sessions only). */
  sessionId: string | null;
  /** The CSRF token pages must send back with unsafe requests (cookie sessions only). */
  csrfToken: string | null;
}

/** The Hono environment of every route: auth variables plus the request id and its logger. */
export type AppEnv = {
  Variables: AuthVariables & {
    requestId: string;
    log: Logger;
  };
};
