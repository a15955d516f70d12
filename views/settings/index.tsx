// Settings: profile and password, API tokens (the secret shown once), the org's users, orgs (for
// application admins) and pollers (org admins; configuration decrypted).
import { PasswordForm, type PasswordFormProps } from "../auth/password.tsx";
import { CsrfField } from "../components/csrf-field.tsx";
import { Field } from "../components/field.tsx";
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
  users: ReadonlyArray<{ id: number; email: string; role: string; disabled: boolean }> | null;
  orgs: ReadonlyArray<{ id: number; key: string; name: string }> | null;
  pollers: ReadonlyArray<{ id: number; name: string; type: string; status: string; config: string }> | null;
}

export function TokenSection(p: {
  tokens: readonly TokenRow[];
  newToken: SettingsProps["newToken"];
  error: string | null;
  csrf: string | null;
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
        <Field name="name" label="Name" required error={p.error} />
        <div class="field">
          <label for="t-role">Role</label>
          <select id="t-role" name="role">
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <div class="field">
          <label for="t-exp">Expires (optional)</label>
          <input id="t-exp" name="expires" type="date" />
        </div>
        <button type="submit">Create token</button>
      </form>
      {p.tokens.length > 0 ? (
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

export function SettingsPage(p: SettingsProps & { shell: Shell }) {
  return (
    <Layout shell={p.shell} title="Settings">
      <h1>Settings</h1>
      <div class="cols">
        <div class="stack">
          {p.tokens ? (
            <TokenSection tokens={p.tokens} newToken={p.newToken} error={p.tokenError} csrf={p.shell.csrf} />
          ) : null}
          {p.users ? (
            <section class="panel" aria-labelledby="h-users">
              <h2 id="h-users">Users of {p.orgName}</h2>
              <div class="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Email</th>
                      <th scope="col">Role</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.users.map((u) => (
                      <tr>
                        <td>{u.email}</td>
                        <td>{u.role}</td>
                        <td>
                          {u.disabled ? (
                            <StatusBadge status="stopped" label="disabled" />
                          ) : (
                            <StatusBadge status="ok" label="active" />
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          ) : null}
          {p.pollers ? (
            <section class="panel" aria-labelledby="h-pollers">
              <h2 id="h-pollers">Pollers</h2>
              {p.pollers.length === 0 ? <p class="muted">No pollers.</p> : null}
              {p.pollers.map((x) => (
                <details>
                  <summary>
                    {x.name} <span class="small muted">({x.type})</span>{" "}
                    <StatusBadge status={x.status === "active" ? "ok" : x.status} label={x.status} />
                  </summary>
                  <pre>{x.config}</pre>
                </details>
              ))}
            </section>
          ) : null}
          {p.orgs ? (
            <section class="panel" aria-labelledby="h-orgs">
              <h2 id="h-orgs">Organizations</h2>
              <ul>
                {p.orgs.map((o) => (
                  <li>
                    {o.name} <span class="mono small muted">{o.key}</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
        <div class="stack">
          <section class="panel" aria-labelledby="h-profile">
            <h2 id="h-profile">Profile</h2>
            <dl class="facts">
              <dt>Email</dt>
              <dd>{p.email}</dd>
              <dt>Organization</dt>
              <dd>{p.orgName ?? "–"}</dd>
              <dt>Application admin</dt>
              <dd>{p.isAppAdmin ? "yes" : "no"}</dd>
            </dl>
          </section>
          <section class="panel" aria-labelledby="h-password">
            <h2 id="h-password">Password</h2>
            <PasswordForm {...p.password} action="/settings/password" csrf={p.shell.csrf} />
          </section>
        </div>
      </div>
    </Layout>
  );
}
