// What every page route needs from the request: the actor, the org being viewed (cookie `hs_org`,
// checked against the actor's orgs), the CSRF token, one-shot flash messages, and the rule of the
// full-page/fragment idiom (an htmx request that is not a boosted navigation gets the fragment).
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { Flash, OrgOption, Shell } from "../../views/shell.ts";
import type { Actor } from "../access/actor.ts";
import { myOrgs } from "../access/memberships.ts";
import { listOrgs } from "../access/orgs.ts";
import { AppError } from "../errors.ts";
import { assetUrls } from "../http/assets.ts";
import { actorOf } from "../http/auth.ts";
import type { AppDeps } from "../http/env.ts";
import { liveToken } from "../realtime/sse.ts";

export const ORG_COOKIE = "hs_org";
const FLASH_COOKIE = "hs_flash";

export interface PageContext {
  readonly actor: Actor;
  readonly shell: Shell;
  /** The org the pages show; null when the user belongs to none. */
  readonly org: OrgOption | null;
}

/** The orgs the actor may view, as switcher options (app admins see every org). */
export async function orgOptions(deps: AppDeps, actor: Actor): Promise<OrgOption[]> {
  if (actor.appAdmin) {
    const rows = await listOrgs({ deps, actor, limit: 1000 });
    return rows.map((o) => ({
      id: o.id,
      key: o.key ?? String(o.id),
      name: o.name ?? o.key ?? `org ${o.id}`,
      role: "admin",
    }));
  }
  const mine = await myOrgs({ deps, actor });
  return mine.map((m) => ({
    id: m.org.id,
    key: m.org.key ?? String(m.org.id),
    name: m.org.name ?? m.org.key ?? `org ${m.org.id}`,
    role: m.role,
  }));
}

/** One-shot message shown on the next page (the cookie is cleared when read). */
export function flash(c: Context, kind: Flash["kind"], text: string): void {
  setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify({ kind, text: text.slice(0, 300) })), {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    maxAge: 60,
  });
}

function takeFlash(c: Context): Flash[] {
  const v = getCookie(c, FLASH_COOKIE);
  if (!v) return [];
  deleteCookie(c, FLASH_COOKIE, { path: "/" });
  try {
    const f = JSON.parse(decodeURIComponent(v)) as Flash;
    if (["ok", "error", "info", "warn"].includes(f.kind) && typeof f.text === "string") return [f];
  } catch {
    // ignore a damaged cookie
  }
  return [];
}

/** Builds the shell of a signed-in page. @throws AppError unauthorized without a session. */
export async function pageContext(c: Context, deps: AppDeps): Promise<PageContext> {
  const actor = actorOf(c);
  if (actor.kind === "token")
    throw new AppError("forbidden", "pages need a signed-in user, not an API token");
  const orgs = await orgOptions(deps, actor);
  const wanted = Number(getCookie(c, ORG_COOKIE));
  const org = orgs.find((o) => o.id === wanted) ?? orgs.find((o) => o.key === "demo") ?? orgs[0] ?? null;
  return {
    actor,
    org,
    shell: {
      assets: assetUrls(),
      path: c.req.path,
      user: { email: actor.email ?? "", appAdmin: actor.appAdmin },
      orgs,
      org,
      csrf: (c.get("csrfToken") as string | null | undefined) ?? null,
      flash: isFragment(c) ? [] : takeFlash(c),
      version: deps.version,
      since: liveToken(deps.broker, org?.id ?? null),
    },
  };
}

/** The shell of a page shown before sign-in (login, errors). */
export function publicShell(c: Context, deps: AppDeps, flashes: Flash[] = []): Shell {
  return {
    assets: assetUrls(),
    path: c.req.path,
    user: null,
    orgs: [],
    org: null,
    csrf: null,
    flash: [...takeFlash(c), ...flashes],
    version: deps.version,
  };
}

/** The org of the page, or forbidden when the user belongs to none. */
export function requireOrg(p: PageContext): OrgOption {
  if (!p.org) throw new AppError("forbidden", "you are not a member of any organization");
  return p.org;
}

/** True for htmx requests that want a fragment (not boosted navigations or history restores). */
export function isFragment(c: Context): boolean {
  return (
    c.req.header("hx-request") === "true" &&
    c.req.header("hx-boosted") !== "true" &&
    c.req.header("hx-history-restore-request") !== "true"
  );
}

type Node = JSX.Element | Promise<string> | string;

/** The full-page/fragment idiom: one URL, the page for browsers, the fragment for htmx. */
export function page(
  c: Context,
  full: () => Node,
  fragment: () => Node,
  status = 200,
): Response | Promise<Response> {
  c.header("cache-control", "no-store");
  c.header("vary", "HX-Request");
  return c.html(isFragment(c) ? fragment() : full(), status as 200);
}

/** Where to go after a form post: back to a local path only (never another origin). */
export function localPath(v: unknown, fallback = "/"): string {
  return typeof v === "string" && /^\/(?!\/)[^\s\\]*$/.test(v) ? v : fallback;
}

/** After a successful form post: htmx follows `HX-Redirect`, plain forms a 303. */
export function redirect(c: Context, to: string): Response {
  if (c.req.header("hx-request") === "true") {
    c.header("HX-Redirect", to);
    return c.body(null, 204);
  }
  return c.redirect(to, 303);
}

/** Reads a form body as strings (files and repeated keys: the first value). */
export async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === "string") out[k] = first;
  }
  return out;
}

/** All values of a repeated form or query key. */
export async function formAll(c: Context, key: string): Promise<string[]> {
  const body = await c.req.parseBody({ all: true });
  const v = body[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === "string",
  );
}

/** Sets the org cookie (after a switch). */
export function setOrgCookie(c: Context, orgId: number): void {
  setCookie(c, ORG_COOKIE, String(orgId), {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    maxAge: 365 * 86400,
  });
}
