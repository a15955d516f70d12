/** @jsxImportSource hono/jsx */
// Errors on page routes: an HTML error page for browsers, an out-of-band flash fragment for htmx
// requests, and a redirect to the sign-in page when a browser navigates without a session. The
// one error edge (src/http/errors.ts) classifies every failure and asks this renderer first; the
// JSON `{"detail"}` form stays for everything else.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ErrorFragment, ErrorPage } from "../../views/errors/error-page.tsx";
import type { AppDeps } from "../http/env.ts";
import type { PageErrorRenderer } from "../http/errors.ts";
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

/**
 * The console's form of an error answer (the page renderer of http/errors.ts's one error edge), or
 * null when the request should get JSON. Built with the context's `c.body`/`c.redirect`, so headers
 * set before the failure (the cleared session cookie) stay on the answer.
 */
export function pageErrorRenderer(deps: AppDeps): PageErrorRenderer {
  return async (c, { status, message }) => {
    if (!isPagePath(c.req.path) || !wantsHtml(c) || c.req.path === "/events") return null;
    const requestId = c.get("requestId") as string | undefined;
    const headers: Record<string, string> = {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
    };
    const code = status as ContentfulStatusCode;
    if (c.req.header("hx-request") === "true") {
      if (status === 401) return c.body(null, code, { ...headers, "hx-redirect": loginUrl(c) });
      const body = await (<ErrorFragment status={status} message={message} />).toString();
      return c.body(body, code, { ...headers, "hx-reswap": "none" });
    }
    if (status === 401 && c.req.method === "GET") return c.redirect(loginUrl(c), 303);
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
    return c.body(body, code, headers);
  };
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
