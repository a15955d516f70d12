/** @jsxImportSource hono/jsx */
// Errors on page routes: an HTML error page for browsers, an out-of-band flash fragment for htmx
// requests, and a redirect to the sign-in page when a browser navigates without a session. The
// JSON `{"detail"}` form stays for everything else (src/http/errors.ts decides which).
import type { Context, MiddlewareHandler } from "hono";
import { ErrorFragment, ErrorPage } from "../../views/errors/error-page.tsx";
import type { AppDeps } from "../http/env.ts";
import { pageContext, publicShell } from "./context.ts";

const PAGE_PREFIXES = [
  "/login",
  "/logout",
  "/password",
  "/session/",
  "/simulators",
  "/activity",
  "/databases",
  "/explorer",
  "/settings",
  "/events",
];

/** True for the console's own paths (never the REST or Haystack API). */
export function isPagePath(path: string): boolean {
  return (
    path === "/" ||
    PAGE_PREFIXES.some(
      (p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`) || path.startsWith(`${p}?`),
    )
  );
}

const wantsHtml = (c: Context) =>
  c.req.header("hx-request") === "true" || (c.req.header("accept") ?? "").includes("text/html");

/** The page form of an error response, or null when the request should get JSON. */
export async function pageErrorResponse(
  c: Context,
  deps: AppDeps,
  status: number,
  message: string,
): Promise<Response | null> {
  if (!isPagePath(c.req.path) || !wantsHtml(c) || c.req.path === "/events") return null;
  const requestId = c.get("requestId") as string | undefined;
  const headers: Record<string, string> = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
  };
  if (c.req.header("hx-request") === "true") {
    if (status === 401) {
      return new Response(null, { status, headers: { ...headers, "hx-redirect": loginUrl(c) } });
    }
    const body = await (<ErrorFragment status={status} message={message} />).toString();
    return new Response(body, { status, headers: { ...headers, "hx-reswap": "none" } });
  }
  if (status === 401 && c.req.method === "GET") {
    return new Response(null, { status: 303, headers: { location: loginUrl(c) } });
  }
  let shell = publicShell(c, deps);
  if (c.get("actor")) {
    try {
      shell = (await pageContext(c, deps)).shell;
    } catch {
      // fall back to the bare page
    }
  }
  const body = await (
    <ErrorPage shell={shell} status={status} message={message} requestId={requestId} />
  ).toString();
  return new Response(body, { status, headers });
}

function loginUrl(c: Context): string {
  const here = c.req.header("hx-current-url");
  let next = c.req.path + new URL(c.req.url).search;
  if (here) {
    try {
      const u = new URL(here);
      next = u.pathname + u.search;
    } catch {
      // keep the request path
    }
  }
  return next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}

/**
 * Turns JSON error answers of middleware that runs before the page routes (the auth middleware's
 * 401 and CSRF 403) into their page form. Mounted before the auth middleware.
 */
export function pageErrors(deps: AppDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (res.status < 400 || !(res.headers.get("content-type") ?? "").includes("json")) return;
    if (!isPagePath(c.req.path) || !wantsHtml(c)) return;
    let message = "request failed";
    try {
      const body = (await res.clone().json()) as { detail?: unknown };
      if (typeof body.detail === "string") message = body.detail;
    } catch {
      // keep the generic message
    }
    const page = await pageErrorResponse(c, deps, res.status, message);
    if (page) c.res = page;
  };
}
