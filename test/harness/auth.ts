// Signed-in callers for tests: an org with an admin and a member, and application admins, each
// with a bearer token (an access JWT acting as that user, like one from POST /authorize/token).
//   const { org, admin, member } = await seedOrg(deps, { key: "acme" });
//   await app.request(`/entity?org_id=${org.id}`, { headers: bearer(member.token) });
// Users get no password unless `password` is given (argon2id costs ~150 ms per hash).
import { systemActor } from "../../src/access/actor.ts";
import { setMembership } from "../../src/access/memberships.ts";
import { insertOrg } from "../../src/access/orgs.ts";
import { issueJwt } from "../../src/access/sessions.ts";
import { write } from "../../src/access/tx.ts";
import { credentialFor, insertUser } from "../../src/access/users.ts";
import type { ServiceDeps } from "../../src/deps.ts";

export interface SeededUser {
  userId: number;
  email: string;
  /** Use as `Authorization: Bearer <token>` (see `bearer`). */
  token: string;
}

export interface SeededOrg {
  org: { id: number; key: string };
  admin: SeededUser;
  member: SeededUser;
}

/** A password that satisfies the policy, for tests that log in. */
export const TEST_PASSWORD = "correct horse battery staple";

/**
 * Creates org `key` (value tables, standard libraries) with an org admin `admin@<key>.test` and a
 * member `member@<key>.test`, each with a bearer token.
 */
export async function seedOrg(
  deps: ServiceDeps,
  opts: { key: string; name?: string; password?: string },
): Promise<SeededOrg> {
  const credential = opts.password ? await credentialFor(opts.password) : undefined;
  const made = await write(deps, async (tx) => {
    const org = await insertOrg(deps, tx, { key: opts.key, name: opts.name ?? `Org ${opts.key}` });
    const admin = await insertUser(deps, tx, { email: `admin@${opts.key}.test`, credential });
    const member = await insertUser(deps, tx, { email: `member@${opts.key}.test`, credential });
    await setMembership(deps, tx, org.id, admin.id, "admin");
    await setMembership(deps, tx, org.id, member.id, "member");
    return { org, admin, member };
  });
  const user = async (u: { id: number; email: string }): Promise<SeededUser> => ({
    userId: u.id,
    email: u.email,
    token: (await issueJwt(deps, { userId: u.id, kind: "access" })).jwt,
  });
  return {
    org: { id: made.org.id, key: opts.key },
    admin: await user(made.admin),
    member: await user(made.member),
  };
}

let appAdmins = 0;

/** A new application admin (every right in every org) with a bearer token. */
export async function appAdmin(deps: ServiceDeps, opts: { password?: string } = {}): Promise<SeededUser> {
  const credential = opts.password ? await credentialFor(opts.password) : undefined;
  const email = `appadmin${++appAdmins}.${crypto.randomUUID().slice(0, 8)}@test.local`;
  const u = await write(deps, async (tx) => {
    const u = await insertUser(deps, tx, { email, credential });
    const [row] = await tx.query<{ id: number }>(
      "INSERT INTO core.user_app (user_id) VALUES ($1) RETURNING id",
      [u.id],
    );
    await deps.replicator.recordRows(tx, "core.user_app", "id", [row!.id]);
    return u;
  });
  return { userId: u.id, email, token: (await issueJwt(deps, { userId: u.id, kind: "access" })).jwt };
}

/** Request headers carrying a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export { systemActor };
