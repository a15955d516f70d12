// The forced password change: while the signed-in user's password is one they were given
// (generated at bootstrap or when an admin added them), every console page sends them to the
// password page, not only the first one after sign-in. The REST and Haystack APIs are unaffected.
import type { MiddlewareHandler } from "hono";
import { mustChangePassword } from "../access/users.ts";
import { AppError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { isPagePath } from "./errors.tsx";

const ALLOWED = new Set(["/password", "/logout", "/login"]);

/** Middleware for the page routes (mounted after the auth middleware). */
export function passwordGate(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get("actor");
    if (actor?.kind !== "user" || !isPagePath(c.req.path) || ALLOWED.has(c.req.path)) return next();
    if (!(await mustChangePassword({ deps, actor }))) return next();
    if (c.req.header("hx-request") === "true") {
      c.header("HX-Redirect", "/password");
      return c.body(null, 204);
    }
    if (c.req.method === "GET" && c.req.path !== "/events") return c.redirect("/password", 303);
    throw new AppError("forbidden", "change your password first");
  };
}
