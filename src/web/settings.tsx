/** @jsxImportSource hono/jsx */
// Settings pages: profile and password, API tokens, users, orgs and pollers.
import type { Context, Hono } from "hono";
import {
  SettingsPage,
  type SettingsProps,
  type TokenRow,
  TokenSection,
} from "../../views/settings/index.tsx";
import { addOrgUser, listOrgUsers, removeOrgUser } from "../access/memberships.ts";
import { createOrg } from "../access/orgs.ts";
import { createApiToken, listApiTokens, revokeApiToken } from "../access/tokens.ts";
import {
  createPoller,
  decryptPollerConfig,
  deletePoller,
  listPollers,
  updatePoller,
} from "../catalog/pollers.ts";
import { AppError, isAppError } from "../errors.ts";
import { clientIp } from "../http/auth.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { submitPasswordChange } from "./auth-pages.tsx";
import { flash, formOf, isFragment, type PageContext, pageContext, redirect, requireOrg } from "./context.ts";

async function tokenRows(deps: AppDeps, p: PageContext): Promise<TokenRow[] | null> {
  if (p.org?.role !== "admin") return null;
  const tokens = await listApiTokens({ deps, actor: p.actor, orgId: p.org.id, limit: 200 });
  return tokens.map((t) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    createdAt: t.created_at,
    expiresAt: t.expires_at,
    lastUsedAt: t.last_used_at,
    revoked: t.revoked_at !== null,
    canRevoke: true,
  }));
}

async function settingsProps(
  deps: AppDeps,
  p: PageContext,
  over: Partial<SettingsProps> = {},
): Promise<SettingsProps> {
  const admin = p.org?.role === "admin";
  let pollers: SettingsProps["pollers"] = null;
  if (admin && p.org) {
    const list = await listPollers({ deps, actor: p.actor, orgId: p.org.id, status: "any" });
    pollers = await Promise.all(
      list.map(async (x) => ({
        id: x.poller_id,
        name: x.poller_name,
        type: x.poller_type,
        status: x.status,
        config: await decryptPollerConfig(deps, x.config).catch(
          () => "(cannot decrypt with the configured key)",
        ),
      })),
    );
  }
  return {
    email: p.actor.email ?? "",
    orgName: p.org?.name ?? null,
    isOrgAdmin: admin,
    isAppAdmin: p.actor.appAdmin,
    userId: p.actor.userId,
    password: {},
    tokens: await tokenRows(deps, p),
    newToken: null,
    tokenError: null,
    users:
      admin && p.org
        ? (await listOrgUsers({ deps, actor: p.actor, orgId: p.org.id, limit: 500 })).map((u) => ({
            id: u.id,
            email: u.email,
            role: u.role,
            disabled: u.disabled,
          }))
        : null,
    // An app admin's switcher options are already every org (pageContext read them with listOrgs).
    orgs: p.actor.appAdmin ? p.shell.orgs.map((o) => ({ id: o.id, key: o.key, name: o.name })) : null,
    pollers,
    ...over,
  };
}

async function tokensAnswer(
  c: Context,
  deps: AppDeps,
  p: PageContext,
  over: Partial<SettingsProps>,
  status = 200,
) {
  c.header("cache-control", "no-store");
  if (isFragment(c)) {
    return c.html(
      <TokenSection
        tokens={await tokenRows(deps, p)}
        newToken={over.newToken ?? null}
        error={over.tokenError ?? null}
        csrf={p.shell.csrf}
        orgName={p.org?.name ?? null}
      />,
      status as 200,
    );
  }
  return c.html(<SettingsPage shell={p.shell} {...(await settingsProps(deps, p, over))} />, status as 200);
}

/** The poller fields of the create and edit forms, as the catalog's poller verbs take them. */
function pollerFieldsOf(f: Record<string, string | undefined>) {
  return {
    pollerType: (f.poller_type ?? "").trim(),
    pollerName: (f.poller_name ?? "").trim(),
    config: f.config ?? "",
    status: f.status === "inactive" ? "inactive" : "active",
  };
}

export function mountSettingsPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/settings", async (c) => {
    const p = await pageContext(c, deps);
    c.header("cache-control", "no-store");
    return c.html(<SettingsPage shell={p.shell} {...(await settingsProps(deps, p))} />);
  });

  app.post("/settings/password", async (c) => {
    const p = await pageContext(c, deps);
    const shown = await submitPasswordChange(c, deps, p, await formOf(c), ["invalid", "unauthorized"]);
    if (!shown) {
      flash(c, "ok", "Your password is changed.");
      return redirect(c, "/settings");
    }
    return c.html(
      <SettingsPage shell={p.shell} {...(await settingsProps(deps, p, { password: shown }))} />,
      422,
    );
  });

  app.post("/settings/tokens", async (c) => {
    const p = await pageContext(c, deps);
    if (!p.org) throw new AppError("forbidden", "you are not a member of any organization");
    const f = await formOf(c);
    const name = (f.name ?? "").trim();
    if (!name) return tokensAnswer(c, deps, p, { tokenError: "Enter a name." }, 422);
    let expiresAt: Date | null = null;
    if (f.expires) {
      expiresAt = new Date(`${f.expires}T00:00:00Z`);
      if (Number.isNaN(expiresAt.getTime()) || expiresAt <= deps.clock.now())
        return tokensAnswer(c, deps, p, { tokenError: "The expiry date must be in the future." }, 422);
    }
    try {
      const t = await createApiToken({
        deps,
        actor: p.actor,
        orgId: p.org.id,
        name,
        role: f.role === "admin" ? "admin" : "member",
        expiresAt,
        ip: clientIp(c, deps.config.trustProxy),
      });
      return tokensAnswer(c, deps, p, { newToken: { name: t.name, secret: t.token } });
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid") throw e;
      return tokensAnswer(c, deps, p, { tokenError: e.message }, 422);
    }
  });

  app.post("/settings/tokens/:id{[0-9]+}/revoke", async (c) => {
    const p = await pageContext(c, deps);
    await revokeApiToken({
      deps,
      actor: p.actor,
      tokenId: Number(c.req.param("id")),
      ip: clientIp(c, deps.config.trustProxy),
    });
    if (isFragment(c)) return tokensAnswer(c, deps, p, {});
    flash(c, "ok", "Token revoked.");
    return c.redirect("/settings#tokens", 303);
  });

  mountSettingsAdminPages(app, deps);
}

/** The settings page again after a refused form post, with the section's error and what was typed. */
async function refused(
  c: Context,
  deps: AppDeps,
  p: PageContext,
  error: NonNullable<SettingsProps["error"]>,
  typed: Record<string, string>,
) {
  c.header("cache-control", "no-store");
  const { _csrf: _, user_password: __, ...shown } = typed;
  return c.html(
    <SettingsPage shell={p.shell} {...(await settingsProps(deps, p, { error, typed: shown }))} />,
    422,
  );
}

const REFUSED = new Set(["invalid", "conflict"]);

function idOf(c: Context): number {
  const id = Number(c.req.param("id"));
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError("not_found", "not found");
  return id;
}

/** Users and memberships of the org, orgs, pollers: forms over the access and catalog verbs. */
export function mountSettingsAdminPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.post("/settings/users", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const f = await formOf(c);
    try {
      const r = await addOrgUser({
        deps,
        actor: p.actor,
        orgId: org.id,
        email: f.email ?? "",
        password: f.user_password || null,
        role: f.role === "admin" ? "admin" : "member",
        ip: clientIp(c, deps.config.trustProxy),
      });
      if (r.password) {
        c.header("cache-control", "no-store");
        return c.html(
          <SettingsPage
            shell={p.shell}
            {...(await settingsProps(deps, p, { newUser: { email: r.user.email, password: r.password } }))}
          />,
        );
      }
      flash(
        c,
        "ok",
        r.created ? `${r.user.email} added.` : `${r.user.email} is now ${r.user.role} of ${org.name}.`,
      );
      return redirect(c, "/settings#users");
    } catch (e) {
      if (!isAppError(e) || !REFUSED.has(e.code)) throw e;
      return refused(c, deps, p, { section: "users", message: e.message }, f);
    }
  });

  app.post("/settings/users/:id{[0-9]+}/remove", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    try {
      const m = await removeOrgUser({
        deps,
        actor: p.actor,
        orgId: org.id,
        userId: idOf(c),
        ip: clientIp(c, deps.config.trustProxy),
      });
      flash(c, "ok", `${m.email} removed from ${org.name}.`);
      return redirect(c, "/settings#users");
    } catch (e) {
      if (!isAppError(e) || !REFUSED.has(e.code)) throw e;
      return refused(c, deps, p, { section: "users", message: e.message }, {});
    }
  });

  app.post("/settings/orgs", async (c) => {
    const p = await pageContext(c, deps);
    const f = await formOf(c);
    try {
      const org = await createOrg({
        deps,
        actor: p.actor,
        name: (f.org_name ?? "").trim(),
        key: (f.org_key ?? "").trim(),
        ip: clientIp(c, deps.config.trustProxy),
      });
      flash(c, "ok", `Organization ${org.name ?? org.key} created.`);
      return redirect(c, "/settings#orgs");
    } catch (e) {
      if (!isAppError(e) || !REFUSED.has(e.code)) throw e;
      return refused(c, deps, p, { section: "orgs", message: e.message }, f);
    }
  });

  app.post("/settings/pollers", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const f = await formOf(c);
    try {
      const x = await createPoller({
        deps,
        actor: p.actor,
        orgId: org.id,
        ...pollerFieldsOf(f),
      });
      flash(c, "ok", `Poller ${x.poller_name} created.`);
      return redirect(c, "/settings#pollers");
    } catch (e) {
      if (!isAppError(e) || !REFUSED.has(e.code)) throw e;
      return refused(c, deps, p, { section: "pollers", message: e.message }, f);
    }
  });

  app.post("/settings/pollers/:id{[0-9]+}", async (c) => {
    const p = await pageContext(c, deps);
    const pollerId = idOf(c);
    const f = await formOf(c);
    try {
      const x = await updatePoller({
        deps,
        actor: p.actor,
        pollerId,
        ...pollerFieldsOf(f),
      });
      flash(c, "ok", `Poller ${x.poller_name} saved.`);
      return redirect(c, "/settings#pollers");
    } catch (e) {
      if (!isAppError(e) || !REFUSED.has(e.code)) throw e;
      return refused(c, deps, p, { section: "pollers", message: e.message, pollerId }, {});
    }
  });

  app.post("/settings/pollers/:id{[0-9]+}/delete", async (c) => {
    const p = await pageContext(c, deps);
    const x = await deletePoller({ deps, actor: p.actor, pollerId: idOf(c) });
    flash(c, "ok", `Poller ${x.poller_name} deleted.`);
    return redirect(c, "/settings#pollers");
  });
}
