/** @jsxImportSource hono/jsx */
// Settings: profile and password, API tokens (the secret shown once), the org's users, orgs (for
// application admins) and pollers (org admins; configuration decrypted).
import { PasswordForm, type PasswordFormProps } from "../auth/password.tsx";
import { CsrfField } from "../components/csrf-field.tsx";
import { Field, TextAreaField } from "../components/field.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { Time } from "../components/time.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface TokenRow {
  id: number;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revoked: boolean;
  canRevoke: boolean;
}

export interface SettingsProps {
  email: string;
  orgName: string | null;
  isOrgAdmin: boolean;
  isAppAdmin: boolean;
  password: Omit<PasswordFormProps, "action">;
  tokens: readonly TokenRow[] | null;
  newToken: { name: string; secret: string } | null;
  tokenError: string | null;
  /** The signed-in user's id (the users table offers no "remove" for oneself). */
  userId: number | null;
  users: ReadonlyArray<{ id: number; email: string; role: string; disabled: boolean }> | null;
  orgs: ReadonlyArray<{ id: number; key: string; name: string }> | null;
  pollers: ReadonlyArray<PollerRow> | null;
  /** A user just added with a generated password (shown once). */
  newUser?: { email: string; password: string } | null;
  /** A failed form post: which section, the message, and what was typed (re-shown). */
  error?: { section: "users" | "orgs" | "pollers"; message: string; pollerId?: number } | null;
  typed?: Record<string, string>;
}

export interface PollerRow {
  id: number;
  name: string;
  type: string;
  status: string;
  config: string;
}

export function TokenSection(p: {
  /** Null: the actor may create tokens but not list the org's (members). */
  tokens: readonly TokenRow[] | null;
  newToken: SettingsProps["newToken"];
  error: string | null;
  csrf: string | null;
  orgName?: string | null;
}) {
  return (
    <section class="panel" id="tokens" aria-labelledby="h-tokens">
      <h2 id="h-tokens">API tokens</h2>
      {p.newToken ? (
        <div class="flash ok" role="status">
          <p>
            Token <strong>{p.newToken.name}</strong> created. Copy it now: it is not shown again.
          </p>
          <p class="secret" id="new-token">
            {p.newToken.secret}
          </p>
          <button type="button" class="secondary" data-copy="new-token">
            Copy
          </button>
        </div>
      ) : null}
      <form
        method="post"
        action="/settings/tokens"
        hx-post="/settings/tokens"
        hx-target="#tokens"
        hx-swap="outerHTML"
        class="inline-fields"
      >
        <CsrfField token={p.csrf} />
        <Field id="t-name" name="name" label="Token name" required error={p.error} />
        {p.tokens ? (
          <div class="field">
            <label for="t-role">Role</label>
            <select id="t-role" name="role">
              <option value="member">member</option>
              <option value="admin">admin</option>
            </select>
          </div>
        ) : (
          <input type="hidden" name="role" value="member" />
        )}
        <div class="field">
          <label for="t-exp">Expires (optional)</label>
          <input id="t-exp" name="expires" type="date" />
        </div>
        <button type="submit">Create token</button>
      </form>
      {p.tokens === null ? (
        <p class="muted small" id="tokens-note">
          You can create member tokens for yourself here. Only admins of {p.orgName ?? "the organization"} can
          list the organization's tokens and revoke them: ask one to revoke a token you no longer use.
        </p>
      ) : p.tokens.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Prefix</th>
                <th scope="col" class="hide-sm">
                  Created
                </th>
                <th scope="col" class="hide-sm">
                  Last used
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.tokens.map((t) => (
                <tr id={`token-${t.id}`}>
                  <td>{t.name}</td>
                  <td>{t.role}</td>
                  <td class="mono">{t.prefix}…</td>
                  <td class="hide-sm">
                    <Time at={t.createdAt} />
                  </td>
                  <td class="hide-sm">
                    <Time at={t.lastUsedAt} />
                  </td>
                  <td>
                    {t.revoked ? (
                      <StatusBadge status="stopped" label="revoked" />
                    ) : (
                      <StatusBadge status="ok" label="active" />
                    )}
                  </td>
                  <td>
                    {!t.revoked && t.canRevoke ? (
                      <form
                        method="post"
                        action={`/settings/tokens/${t.id}/revoke`}
                        hx-post={`/settings/tokens/${t.id}/revoke`}
                        hx-target="#tokens"
                        hx-swap="outerHTML"
                        hx-confirm={`Revoke the token ${t.name}? Clients using it stop working.`}
                      >
                        <CsrfField token={p.csrf} />
                        <button type="submit" class="secondary">
                          Revoke<span class="visually-hidden"> {t.name}</span>
                        </button>
                      </form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">No tokens yet.</p>
      )}
    </section>
  );
}

function SectionError(p: { error: SettingsProps["error"]; section: string; pollerId?: number }) {
  if (!p.error || p.error.section !== p.section || p.error.pollerId !== p.pollerId) return null;
  return (
    <div class="flash error" role="alert">
      {p.error.message}
    </div>
  );
}

function RemoveButton(p: { action: string; label: string; confirm: string; csrf: string | null }) {
  return (
    <form method="post" action={p.action} data-confirm={p.confirm}>
      <CsrfField token={p.csrf} />
      <button type="submit" class="secondary small-button">
        {p.label}
      </button>
    </form>
  );
}

function UsersSection(p: SettingsProps & { csrf: string | null }) {
  const t = p.typed ?? {};
  return (
    <section class="panel" id="users" aria-labelledby="h-users">
      <h2 id="h-users">Users of {p.orgName}</h2>
      {p.newUser ? (
        <div class="flash ok" role="status">
          <p>
            <strong>{p.newUser.email}</strong> was added with this password; give it to them now (it is not
            shown again). They must change it when they first sign in.
          </p>
          <p class="secret" id="new-user-password">
            {p.newUser.password}
          </p>
        </div>
      ) : null}
      <SectionError error={p.error} section="users" />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(p.users ?? []).map((u) => (
              <tr id={`user-${u.id}`}>
                <td class="wrap-anywhere">{u.email}</td>
                <td>{u.role}</td>
                <td>
                  {u.disabled ? (
                    <StatusBadge status="stopped" label="disabled" />
                  ) : (
                    <StatusBadge status="ok" label="active" />
                  )}
                </td>
                <td>
                  {u.id !== p.userId ? (
                    <RemoveButton
                      action={`/settings/users/${u.id}/remove`}
                      label="Remove"
                      confirm={`Remove ${u.email} from ${p.orgName}? Their tokens for it are revoked.`}
                      csrf={p.csrf}
                    />
                  ) : (
                    <span class="small muted">you</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/settings/users" class="inline-fields" aria-label="Add a user">
        <CsrfField token={p.csrf} />
        <Field name="email" label="Email" type="email" value={t.email} required autocomplete="off" />
        <div class="field">
          <label for="u-role">Role</label>
          <select id="u-role" name="role">
            <option value="member" selected={t.role !== "admin"}>
              member
            </option>
            <option value="admin" selected={t.role === "admin"}>
              admin
            </option>
          </select>
        </div>
        <Field
          name="user_password"
          label="Password (optional)"
          type="password"
          autocomplete="new-password"
          hint="Empty: one is generated and shown once."
        />
        <button type="submit">Add user</button>
      </form>
      <p class="small muted">
        Adding someone who already has an account only adds them to this organization (or changes their role).
      </p>
    </section>
  );
}

function PollerFields(p: { prefix: string; v: Partial<PollerRow> }) {
  return (
    <>
      <div class="inline-fields">
        <Field id={`${p.prefix}-name`} name="poller_name" label="Name" value={p.v.name} required />
        <Field id={`${p.prefix}-type`} name="poller_type" label="Type" value={p.v.type} required />
        <div class="field">
          <label for={`${p.prefix}-status`}>Status</label>
          <select id={`${p.prefix}-status`} name="status">
            {["active", "inactive"].map((st) => (
              <option value={st} selected={(p.v.status ?? "active") === st}>
                {st}
              </option>
            ))}
          </select>
        </div>
      </div>
      <TextAreaField
        id={`${p.prefix}-config`}
        name="config"
        label="Configuration (stored encrypted)"
        value={p.v.config}
        rows={5}
        code
      />
    </>
  );
}

function PollersSection(p: SettingsProps & { csrf: string | null }) {
  const t = p.typed ?? {};
  return (
    <section class="panel" id="pollers" aria-labelledby="h-pollers">
      <h2 id="h-pollers">Pollers</h2>
      <SectionError error={p.error} section="pollers" />
      {(p.pollers ?? []).length === 0 ? <p class="muted">No pollers.</p> : null}
      {(p.pollers ?? []).map((x) => (
        <details id={`poller-${x.id}`} open={p.error?.pollerId === x.id}>
          <summary>
            {x.name} <span class="small muted">({x.type})</span>{" "}
            <StatusBadge status={x.status === "active" ? "ok" : x.status} label={x.status} />
          </summary>
          <SectionError error={p.error} section="pollers" pollerId={x.id} />
          <form method="post" action={`/settings/pollers/${x.id}`} aria-label={`Edit poller ${x.name}`}>
            <CsrfField token={p.csrf} />
            <PollerFields prefix={`p${x.id}`} v={x} />
            <button type="submit">Save poller</button>
          </form>
          <RemoveButton
            action={`/settings/pollers/${x.id}/delete`}
            label={`Delete ${x.name}`}
            confirm={`Delete the poller ${x.name}?`}
            csrf={p.csrf}
          />
        </details>
      ))}
      <details open={p.error?.section === "pollers" && p.error.pollerId === undefined}>
        <summary>New poller</summary>
        <form method="post" action="/settings/pollers" aria-label="New poller">
          <CsrfField token={p.csrf} />
          <PollerFields
            prefix="pnew"
            v={{ name: t.poller_name, type: t.poller_type, status: t.status, config: t.config }}
          />
          <button type="submit">Create poller</button>
        </form>
      </details>
    </section>
  );
}

function OrgsSection(p: SettingsProps & { csrf: string | null }) {
  const t = p.typed ?? {};
  return (
    <section class="panel" id="orgs" aria-labelledby="h-orgs">
      <h2 id="h-orgs">Organizations</h2>
      <SectionError error={p.error} section="orgs" />
      <ul>
        {(p.orgs ?? []).map((o) => (
          <li>
            {o.name} <span class="mono small muted">{o.key}</span>
          </li>
        ))}
      </ul>
      <form method="post" action="/settings/orgs" class="inline-fields" aria-label="New organization">
        <CsrfField token={p.csrf} />
        <Field id="o-name" name="org_name" label="Organization name" value={t.org_name} required />
        <Field
          name="org_key"
          label="Key"
          value={t.org_key}
          required
          hint="Lower-case letters, digits and _; names its value tables; cannot change."
        />
        <button type="submit">Create organization</button>
      </form>
    </section>
  );
}

export function SettingsPage(p: SettingsProps & { shell: Shell }) {
  const csrf = p.shell.csrf;
  return (
    <Layout shell={p.shell} title="Settings">
      <h1>Settings</h1>
      <div class="cols">
        <div class="stack">
          {p.orgName !== null ? (
            <TokenSection
              tokens={p.tokens}
              newToken={p.newToken}
              error={p.tokenError}
              csrf={csrf}
              orgName={p.orgName}
            />
          ) : null}
          {p.users ? <UsersSection {...p} csrf={csrf} /> : null}
          {p.pollers ? <PollersSection {...p} csrf={csrf} /> : null}
          {p.orgs ? <OrgsSection {...p} csrf={csrf} /> : null}
        </div>
        <div class="stack">
          <section class="panel" aria-labelledby="h-profile">
            <h2 id="h-profile">Profile</h2>
            <dl class="facts">
              <dt>Email</dt>
              <dd class="wrap-anywhere">{p.email}</dd>
              <dt>Organization</dt>
              <dd>{p.orgName ?? "–"}</dd>
              <dt>Application admin</dt>
              <dd>{p.isAppAdmin ? "yes" : "no"}</dd>
            </dl>
          </section>
          <section class="panel" aria-labelledby="h-password">
            <h2 id="h-password">Password</h2>
            <PasswordForm {...p.password} action="/settings/password" csrf={csrf} />
          </section>
        </div>
      </div>
    </Layout>
  );
}
