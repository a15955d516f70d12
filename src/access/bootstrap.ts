// First start: with no users at all, create an application admin (ADMIN_EMAIL, with ADMIN_PASSWORD
// or a generated password printed once to the log and to be changed at first sign-in) and the org
// `demo` (the admin is its admin too). Safe when several processes start at once (advisory lock);
// does nothing on later starts. Also makes sure the signing key exists before the first request.
import type { ServiceDeps } from "../deps.ts";
import { systemActor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { setMembership } from "./memberships.ts";
import { insertOrg, type Org } from "./orgs.ts";
import { generatePassword } from "./passwords.ts";
import { signingKey } from "./runtime.ts";
import { write } from "./tx.ts";
import { credentialFor, insertUser } from "./users.ts";

const BOOTSTRAP_LOCK = 7_362_114_902;

export interface BootstrapResult {
  /** The application admin created on this start, if any. */
  admin: { id: number; email: string } | null;
  /** The `demo` org created on this start, if any. */
  demoOrg: Org | null;
}

async function userCount(deps: ServiceDeps): Promise<number> {
  const [r] = await deps.dbs.primary.query<{ n: number }>('SELECT count(*)::int AS n FROM core."user"');
  return r?.n ?? 0;
}

/** See the header. Logs the generated password once (the only place a password is ever logged). */
export async function bootstrap(deps: ServiceDeps): Promise<BootstrapResult> {
  await signingKey(deps);
  if ((await userCount(deps)) > 0) return { admin: null, demoOrg: null };
  const generated = deps.config.adminPassword ? undefined : generatePassword();
  const credential = await credentialFor(deps.config.adminPassword ?? generated!);
  const result = await write(deps, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [BOOTSTRAP_LOCK]);
    const [n] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM core."user"');
    if ((n?.n ?? 0) > 0) return { admin: null, demoOrg: null };
    const admin = await insertUser(deps, tx, {
      email: deps.config.adminEmail,
      displayName: "Administrator",
      credential,
      mustChange: !!generated,
    });
    const [app] = await tx.query<{ id: number }>(
      "INSERT INTO core.user_app (user_id) VALUES ($1) RETURNING id",
      [admin.id],
    );
    await deps.replicator.recordRows(tx, "core.user_app", "id", [app!.id]);
    const [existing] = await tx.query("SELECT 1 FROM core.org WHERE key = 'demo'");
    const demoOrg = existing ? null : await insertOrg(deps, tx, { key: "demo", name: "Demo" });
    const [demo] = await tx.query<{ id: number }>("SELECT id FROM core.org WHERE key = 'demo'");
    if (demo) await setMembership(deps, tx, demo.id, admin.id, "admin");
    await recordAudit(tx, systemActor, {
      action: "bootstrap",
      target: `user:${admin.id}`,
      details: { email: admin.email, demo_org: demoOrg?.id ?? null },
    });
    return { admin: { id: admin.id, email: admin.email }, demoOrg };
  });
  if (result.admin) {
    if (generated)
      deps.log.warn(
        `first start: created application admin ${result.admin.email} with one-time password ${generated} ` +
          "(shown only now; it must be changed at first sign-in)",
      );
    else
      deps.log.info("first start: created application admin from ADMIN_EMAIL / ADMIN_PASSWORD", {
        email: result.admin.email,
      });
  }
  return result;
}
