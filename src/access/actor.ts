// Who is acting: a signed-in user, an API token (one org, one role), or the system (cron jobs).
// Routes get the actor from the auth middleware; services take it as an argument and check it
// with the helpers here. Everything org-scoped goes through `requireRole`, and every read of
// entities goes through `visibleEntitySql`.
import { AppError } from "../errors.ts";

export type OrgRole = "admin" | "member";

export interface Actor {
  readonly kind: "user" | "token" | "system";
  /** The user (for a token: the user who created it); null for the system. */
  readonly userId: number | null;
  readonly tokenId: number | null;
  readonly email: string | null;
  /** Application admin: every right in every org. Never true for API tokens. */
  readonly appAdmin: boolean;
  /** For an API token: the one org it acts in. */
  readonly tokenOrgId?: number | null;
  /** The actor's role in an org, or null when it has none. */
  roleIn(orgId: number): OrgRole | null;
}

/** The actor of cron jobs and start-up tasks: every right, no user. */
export const systemActor: Actor = Object.freeze({
  kind: "system" as const,
  userId: null,
  tokenId: null,
  tokenOrgId: null,
  email: null,
  appAdmin: true,
  roleIn: () => "admin" as const,
});

/** Builds a user or token actor from its memberships. */
export function makeActor(opts: {
  kind: "user" | "token";
  userId: number;
  tokenId?: number | null;
  tokenOrgId?: number | null;
  email: string | null;
  appAdmin: boolean;
  roles: ReadonlyMap<number, OrgRole>;
}): Actor {
  const roles = new Map(opts.roles);
  return Object.freeze({
    kind: opts.kind,
    userId: opts.userId,
    tokenId: opts.tokenId ?? null,
    tokenOrgId: opts.kind === "token" ? (opts.tokenOrgId ?? null) : null,
    email: opts.email,
    appAdmin: opts.kind === "user" && opts.appAdmin,
    roleIn: (orgId: number) => (opts.kind === "user" && opts.appAdmin ? "admin" : (roles.get(orgId) ?? null)),
  });
}

const RANK: Record<OrgRole, number> = { member: 1, admin: 2 };

/**
 * Checks that the actor has at least `role` in the org.
 * @throws AppError forbidden (the same for an org that does not exist: no existence oracle).
 */
export function requireRole(actor: Actor, orgId: number, role: OrgRole): void {
  const has = actor.roleIn(orgId);
  if (!has || RANK[has] < RANK[role]) throw new AppError("forbidden", "not allowed in this org");
}

/** @throws AppError forbidden unless the actor is an application admin. */
export function requireAppAdmin(actor: Actor): void {
  if (!actor.appAdmin) throw new AppError("forbidden", "application admin required");
}

/**
 * The one entity-visibility predicate, as SQL over an entity id expression: the entity is active
 * and granted to the org (or to the user) and not revoked for the user. Parameters are appended
 * to `params`; placeholders are numbered from its current length.
 */
export function visibleEntitySql(
  actor: Actor,
  orgId: number,
  entityIdSql: string,
  params: unknown[],
): string {
  params.push(orgId);
  const org = `$${params.length}`;
  const orgGrant = `EXISTS (SELECT 1 FROM core.org_entity_permission oep WHERE oep.org_id = ${org} AND oep.entity_id = ${entityIdSql})`;
  const active = `EXISTS (SELECT 1 FROM core.entity ve WHERE ve.id = ${entityIdSql} AND ve.disabled_ts IS NULL)`;
  if (actor.userId === null || actor.kind === "system") return `(${active} AND ${orgGrant})`;
  params.push(actor.userId);
  const user = `$${params.length}`;
  const userGrant = `EXISTS (SELECT 1 FROM core.user_entity_add_permission uea WHERE uea.user_id = ${user} AND uea.entity_id = ${entityIdSql})`;
  const revoked = `EXISTS (SELECT 1 FROM core.user_entity_rev_permission uer WHERE uer.user_id = ${user} AND uer.entity_id = ${entityIdSql})`;
  return `(${active} AND (${orgGrant} OR ${userGrant}) AND NOT ${revoked})`;
}
