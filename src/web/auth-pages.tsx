/** @jsxImportSource hono/jsx */
// Sign-in, sign-out, the forced password change and the org switcher.
import type { Context, Hono } from "hono";
import { LoginPage } from "../../views/auth/login.tsx";
import { ForcedPasswordPage, type PasswordFormProps } from "../../views/auth/password.tsx";
import { login, logout } from "../access/sessions.ts";
import { changePassword } from "../access/users.ts";
import { isAppError } from "../errors.ts";
import { actorOf, clearSessionCookie, clientIp, sessionCookieOf, setSessionCookie } from "../http/auth.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import {
  flash,
  formOf,
  localPath,
  orgOptions,
  type PageContext,
  pageContext,
  publicShell,
  redirect,
  setOrgCookie,
} from "./context.ts";

/** Checks a new password pair; returns field errors (empty when fine). */
export function passwordErrors(f: Record<string, string>): NonNullable<PasswordFormProps["errors"]> {
  const errors: NonNullable<PasswordFormProps["errors"]> = {};
  if (!f.current) errors.current = "Enter your current password.";
  if (!f.password || f.password.length < 8) errors.password = "Use at least 8 characters.";
  else if (f.password !== f.confirm) errors.confirm = "The two passwords differ.";
  return errors;
}

/**
 * Checks the posted password pair and changes the actor's password. Returns null when it is changed,
 * else what the form shows again; an AppError whose code is not in `shown` propagates.
 */
export async function submitPasswordChange(
  c: Context<AppEnv>,
  deps: AppDeps,
  p: PageContext,
  f: Record<string, string>,
  shown: readonly string[],
): Promise<Omit<PasswordFormProps, "action"> | null> {
  const errors = passwordErrors(f);
  if (Object.keys(errors).length > 0) return { errors };
  try {
    await changePassword({
      deps,
      actor: p.actor,
      currentPassword: f.current ?? "",
      newPassword: f.password ?? "",
      sessionId: c.get("sessionId"),
      ip: clientIp(c, deps.config.trustProxy),
    });
    return null;
  } catch (e) {
    if (!isAppError(e) || !shown.includes(e.code)) throw e;
    return { formError: e.message };
  }
}

export function mountAuthPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/login", (c) => {
    const next = localPath(c.req.query("next"), "");
    c.header("cache-control", "no-store");
    return c.html(<LoginPage shell={publicShell(c, deps)} next={next || undefined} />);
  });

  app.post("/login", async (c) => {
    const f = await formOf(c);
    const next = localPath(f.next, "/");
    try {
      const r = await login({
        deps,
        email: f.email ?? "",
        password: f.password ?? "",
        ip: clientIp(c, deps.config.trustProxy),
        userAgent: c.req.header("user-agent") ?? null,
      });
      setSessionCookie(c, deps, r);
      return c.redirect(r.mustChangePassword ? "/password" : next, 303);
    } catch (e) {
      if (!isAppError(e) || (e.code !== "unauthorized" && e.code !== "rate_limited" && e.code !== "invalid"))
        throw e;
      const status = e.code === "rate_limited" ? 429 : 401;
      return c.html(
        <LoginPage
          shell={publicShell(c, deps)}
          email={f.email}
          next={f.next ? next : undefined}
          error={e.message}
        />,
        status,
      );
    }
  });

  app.post("/logout", async (c) => {
    await logout({ deps, cookie: sessionCookieOf(c), ip: clientIp(c, deps.config.trustProxy) });
    clearSessionCookie(c, deps);
    flash(c, "info", "You are signed out.");
    return redirect(c, "/login");
  });

  app.get("/password", async (c) => {
    const p = await pageContext(c, deps);
    c.header("cache-control", "no-store");
    return c.html(<ForcedPasswordPage shell={p.shell} action="/password" />);
  });

  app.post("/password", async (c) => {
    const p = await pageContext(c, deps);
    const shown = await submitPasswordChange(c, deps, p, await formOf(c), [
      "invalid",
      "unauthorized",
      "forbidden",
    ]);
    if (shown) return c.html(<ForcedPasswordPage shell={p.shell} action="/password" {...shown} />, 422);
    flash(c, "ok", "Your password is changed.");
    return redirect(c, "/");
  });

  app.post("/session/org", async (c) => {
    const actor = actorOf(c);
    const f = await formOf(c);
    const org = (await orgOptions(deps, actor)).find((o) => o.key === f.org);
    if (org) setOrgCookie(c, org.id);
    else flash(c, "error", "You are not a member of that organization.");
    return redirect(c, localPath(f.back, "/"));
  });
}
