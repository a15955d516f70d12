import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, requireAppAdmin } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { write } from "./tx.ts";

import { USER_COLUMNS, type User, userByEmail } from "./users.ts";

export interface AppAdmin {
  id: number;
  user: User;
}

/** Application admins. Application admin only. */
export async function listAppAdmins(opts: { deps: ServiceDeps; actor: Actor }): Promise<AppAdmin[]> {
  requireAppAdmin(opts.actor);
  const rows = await opts.deps.dbs.primary.query<User & { app_id: number }>(
    `SELECT a.id AS app_id, ${USER_COLUMNS} FROM core.user_app a JOIN core."user" u ON u.id = a.user_id ORDER BY a.id`,
  );
  return rows.map(({ app_id, ...u }) => ({ id: app_id, user: u }));
}

/** @throws AppError forbidden (unknown id too). */
export async function getAppAdmin(opts: { deps: ServiceDeps; actor: Actor; id: number }): Promise<AppAdmin> {
  const found = (await listAppAdmins(opts)).find((a) => a.id === opts.id);
  if (!found) throw new AppError("forbidden", "not allowed");
  return found;
}

/**
 * Makes an existing user an application admin. Audited (`appuser.add`).
 * @throws AppError forbidden (also for an unknown email), conflict (already one).
 */
export async function addAppAdmin(opts: {
  deps: ServiceDeps;
  actor: Actor;
  email: string;
  ip?: string | null;
}): Promise<AppAdmin> {
  requireAppAdmin(opts.actor);
  const u = await userByEmail(opts.deps.dbs.primary, opts.email);
  if (!u || u.disabled) throw new AppError("forbidden", "not allowed");
  return write(opts.deps, async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      "INSERT INTO core.user_app (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING RETURNING id",
      [u.id],
    );
    if (!row) throw new AppError("conflict", "already an application admin");
    await opts.deps.replicator.recordRows(tx, "core.user_app", "id", [row.id]);
    await recordAudit(tx, opts.actor, {
      action: "appuser.add",
      target: `user:${u.id}`,
      details: { email: u.email },
      ip: opts.ip,
    });
    return { id: row.id, user: u };
  });
}

/**
 * Removes an application admin (by user_app id). The last one cannot be removed. Audited
 * (`appuser.remove`).
 * @throws AppError forbidden, conflict.
 */
export async function removeAppAdmin(opts: {
  deps: ServiceDeps;
  actor: Actor;
  id: number;
  ip?: string | null;
}): Promise<AppAdmin> {
  const found = await getAppAdmin(opts);
  await write(opts.deps, async (tx) => {
    const [n] = await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM core.user_app");
    if ((n?.n ?? 0) <= 1) throw new AppError("conflict", "the last application admin cannot be removed");
    await tx.query("DELETE FROM core.user_app WHERE id = $1", [opts.id]);
    await opts.deps.replicator.recordDelete(tx, "core.user_app", "id", [opts.id]);
    await recordAudit(tx, opts.actor, {
      action: "appuser.remove",
      target: `user:${found.user.id}`,
      details: { email: found.user.email },
      ip: opts.ip,
    });
  });
  return found;
}
