// The `user` and `token` subcommands: administration straight on the databases, as the system.
//   user create <email> [--org KEY] [--role member|admin] [--app-admin] [--name NAME] [--password-stdin]
//   user set-password <email> [--password-stdin]
//   user disable <email>
//   token create --org KEY --user EMAIL --name NAME [--role member|admin] [--expires-days N]
//   token revoke <id>
//   token list [--org KEY]
// Passwords are never taken from the command line (process lists and shell history keep it): they
// come from stdin, or are generated and printed once. Token secrets are printed once.
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { systemActor } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { setMembership } from "./memberships.ts";
import { orgByKey } from "./orgs.ts";
import { generatePassword } from "./passwords.ts";
import { createApiToken, listAllApiTokens, revokeApiToken } from "./tokens.ts";
import { write } from "./tx.ts";
import { credentialFor, disableUser, insertUser, setPassword, userByEmail } from "./users.ts";

export class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

function parseArgs(args: readonly string[], valued: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (valued.includes(name)) {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, v);
    } else flags.set(name, true);
  }
  return { positional, flags };
}

async function readPassword(stdin: () => Promise<string>): Promise<string> {
  const text = await stdin();
  const line = text.split(/\r?\n/)[0] ?? "";
  if (!line) throw new UsageError("no password on stdin");
  return line;
}

async function passwordFrom(p: Parsed, stdin: () => Promise<string>) {
  if (p.flags.has("password-stdin")) return { password: await readPassword(stdin), generated: false };
  return { password: generatePassword(), generated: true };
}

function roleFlag(p: Parsed): "member" | "admin" {
  const r = p.flags.get("role") ?? "member";
  if (r !== "member" && r !== "admin") throw new UsageError("--role must be member or admin");
  return r;
}

async function requireUser(deps: ServiceDeps, email: string | undefined) {
  if (!email) throw new UsageError("an email is required");
  const u = await userByEmail(deps.dbs.primary, email);
  if (!u) throw new AppError("invalid", `no user ${email}`);
  return u;
}

async function requireOrg(deps: ServiceDeps, key: string | true | undefined) {
  if (typeof key !== "string") throw new UsageError("--org KEY is required");
  const org = await orgByKey(deps, key);
  if (!org) throw new AppError("invalid", `no org with key ${key}`);
  return org;
}

/** Runs `user …`. Writes results to `out`. @throws UsageError, AppError */
export async function userCommand(
  deps: ServiceDeps,
  args: readonly string[],
  io: { out: (s: string) => void; stdin: () => Promise<string> },
): Promise<void> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ["org", "role", "name"]);
  switch (sub) {
    case "create": {
      const email = p.positional[0];
      if (!email)
        throw new UsageError("usage: user create <email> [--org KEY] [--role member|admin] [--app-admin]");
      const org = p.flags.has("org") ? await requireOrg(deps, p.flags.get("org")) : null;
      const role = roleFlag(p);
      const { password, generated } = await passwordFrom(p, io.stdin);
      const credential = await credentialFor(password);
      const name = p.flags.get("name");
      const user = await write(deps, async (tx) => {
        const u = await insertUser(deps, tx, {
          email,
          displayName: typeof name === "string" ? name : null,
          credential,
          mustChange: generated,
        });
        if (org) await setMembership(deps, tx, org.id, u.id, role);
        if (p.flags.has("app-admin")) {
          const [row] = await tx.query<{ id: number }>(
            "INSERT INTO core.user_app (user_id) VALUES ($1) RETURNING id",
            [u.id],
          );
          await deps.replicator.recordRows(tx, "core.user_app", "id", [row!.id]);
        }
        await recordAudit(tx, systemActor, {
          action: "user.create",
          orgId: org?.id ?? null,
          target: `user:${u.id}`,
          details: {
            email: u.email,
            role: org ? role : null,
            app_admin: p.flags.has("app-admin"),
            via: "cli",
          },
        });
        return u;
      });
      io.out(`created user ${user.id} ${user.email}${org ? ` (${role} of ${org.key})` : ""}\n`);
      if (generated) io.out(`one-time password (must be changed at first sign-in): ${password}\n`);
      return;
    }
    case "set-password": {
      const u = await requireUser(deps, p.positional[0]);
      const { password, generated } = await passwordFrom(p, io.stdin);
      await setPassword({ deps, actor: systemActor, userId: u.id, password, mustChange: generated });
      io.out(`password set for ${u.email}; their sessions were ended\n`);
      if (generated) io.out(`one-time password (must be changed at first sign-in): ${password}\n`);
      return;
    }
    case "disable": {
      const u = await requireUser(deps, p.positional[0]);
      await disableUser({ deps, actor: systemActor, userId: u.id });
      io.out(`disabled ${u.email}; their sessions and tokens no longer work\n`);
      return;
    }
    default:
      throw new UsageError("usage: user create|set-password|disable <email> [options]");
  }
}

/** Runs `token …`. @throws UsageError, AppError */
export async function tokenCommand(
  deps: ServiceDeps,
  args: readonly string[],
  io: { out: (s: string) => void },
): Promise<void> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ["org", "user", "name", "role", "expires-days"]);
  switch (sub) {
    case "create": {
      const org = await requireOrg(deps, p.flags.get("org"));
      const userFlag = p.flags.get("user");
      const u = await requireUser(deps, typeof userFlag === "string" ? userFlag : undefined);
      const name = p.flags.get("name");
      if (typeof name !== "string") throw new UsageError("--name NAME is required");
      const days = p.flags.get("expires-days");
      let expiresAt: Date | null = null;
      if (days !== undefined) {
        const n = Number(days);
        if (!Number.isFinite(n) || n <= 0) throw new UsageError("--expires-days must be a positive number");
        expiresAt = new Date(deps.clock.now().getTime() + n * 86_400_000);
      }
      const t = await createApiToken({
        deps,
        actor: systemActor,
        orgId: org.id,
        name,
        role: roleFlag(p),
        expiresAt,
        userId: u.id,
      });
      io.out(`created token ${t.id} "${t.name}" for ${u.email} in ${org.key} (${t.role})\n`);
      io.out(`token (shown once): ${t.token}\n`);
      return;
    }
    case "revoke": {
      const id = Number(p.positional[0]);
      if (!Number.isInteger(id) || id < 1) throw new UsageError("usage: token revoke <id>");
      try {
        await revokeApiToken({ deps, actor: systemActor, tokenId: id });
      } catch (e) {
        if (e instanceof AppError && e.code === "forbidden") throw new AppError("invalid", `no token ${id}`);
        throw e;
      }
      io.out(`revoked token ${id}\n`);
      return;
    }
    case "list": {
      const org = p.flags.has("org") ? await requireOrg(deps, p.flags.get("org")) : null;
      const rows = await listAllApiTokens(deps, org?.id ?? null);
      io.out("id\torg\tuser\trole\tname\tprefix\tcreated\texpires\tlast used\trevoked\n");
      for (const t of rows)
        io.out(
          `${[t.id, t.org_id, t.user_id, t.role, t.name, `${t.prefix}…`, t.created_at, t.expires_at ?? "-", t.last_used_at ?? "-", t.revoked_at ?? "-"].join("\t")}\n`,
        );
      return;
    }
    default:
      throw new UsageError("usage: token create|revoke|list [options]");
  }
}
