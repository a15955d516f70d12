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
  /**
   * For an application admin: the active orgs, where they hold every right. An org outside it
   * (unknown or disabled) is refused like any org one is not in, as the original did.
   */
  orgIds?: ReadonlySet<number>;
}): Actor {
  const roles = new Map(opts.roles);
  const everywhere = (orgId: number) => opts.orgIds === undefined || opts.orgIds.has(orgId);
  return Object.freeze({
    kind: opts.kind,
    userId: opts.userId,
    tokenId: opts.tokenId ?? null,
    tokenOrgId: opts.kind === "token" ? (opts.tokenOrgId ?? null) : null,
    email: opts.email,
    appAdmin: opts.kind === "user" && opts.appAdmin,
    roleIn: (orgId: number) =>
      opts.kind === "user" && opts.appAdmin && everywhere(orgId) ? "admin" : (roles.get(orgId) ?? null),
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
 * to `params`; placeholders are numbered from its current length. Written for lookups of a few
 * entities (index probes per row); set-based reads use `visibleEntityArmsSql`. When the caller
 * already reads `core.entity` for the id, it passes that row's alias as `entityAlias`, and the
 * active check is a condition on that row instead of a second lookup.
 */
export function visibleEntitySql(
  actor: Actor,
  orgId: number,
  entityIdSql: string,
  params: unknown[],
  opts: { entityAlias?: string } = {},
): string {
  params.push(orgId);
  const org = `$${params.length}`;
  const orgGrant = `EXISTS (SELECT 1 FROM core.org_entity_permission oep WHERE oep.org_id = ${org} AND oep.entity_id = ${entityIdSql})`;
  const active = activeSql(entityIdSql, opts.entityAlias);
  if (actor.userId === null || actor.kind === "system") return `(${active} AND ${orgGrant})`;
  params.push(actor.userId);
  const user = `$${params.length}`;
  const userGrant = `EXISTS (SELECT 1 FROM core.user_entity_add_permission uea WHERE uea.user_id = ${user} AND uea.entity_id = ${entityIdSql})`;
  const revoked = `EXISTS (SELECT 1 FROM core.user_entity_rev_permission uer WHERE uer.user_id = ${user} AND uer.entity_id = ${entityIdSql})`;
  return `(${active} AND (${orgGrant} OR ${userGrant}) AND NOT ${revoked})`;
}

/**
 * Entity ids in `(after, upto]` (each bound left out when absent), as `$n` placeholders: a read of
 * the visible entities restricted to one range of ids (`visibleEntityIdsSql`).
 */
interface IdRangeSql {
  readonly after?: string;
  readonly upto?: string;
}

/** `expr` within `range` (`""` without bounds; otherwise starting with ` AND `). */
function inIdRangeSql(expr: string, range: IdRangeSql | undefined): string {
  let c = "";
  if (range?.after !== undefined) c += ` AND ${expr} > ${range.after}`;
  if (range?.upto !== undefined) c += ` AND ${expr} <= ${range.upto}`;
  return c;
}

/**
 * The same rule as `visibleEntitySql`, for set-based reads (filters, whole-org reads): one or two
 * predicates whose disjunction is visibility, each a conjunction of semi-joins and an anti-join
 * with no OR, so PostgreSQL computes each set once (hashes it, merges it in id order, or probes it
 * by index for a few rows) instead of running correlated subplans per row. The predicates are
 * disjoint, so the caller selects once per predicate and merges the selections with UNION ALL (no
 * de-duplication). The first predicate is the org's grants; the second, only for a user, is the entities
 * granted to the user directly and not to the org, behind a one-time test that the user has any,
 * so it costs nothing for a user without direct grants. With `range`, the grants are read only in
 * that range of ids (an index range, not the org's every grant).
 */
export function visibleEntityArmsSql(
  actor: Actor,
  orgId: number,
  entityIdSql: string,
  params: unknown[],
  opts: { entityAlias?: string; range?: IdRangeSql } = {},
): string[] {
  params.push(orgId);
  const org = `$${params.length}`;
  const active = activeSql(entityIdSql, opts.entityAlias);
  const orgGrants = `${entityIdSql} IN (SELECT oep.entity_id FROM core.org_entity_permission oep WHERE oep.org_id = ${org}${inIdRangeSql("oep.entity_id", opts.range)})`;
  if (actor.userId === null || actor.kind === "system") return [`(${active} AND ${orgGrants})`];
  params.push(actor.userId);
  const user = `$${params.length}`;
  const notRevoked = `NOT EXISTS (SELECT 1 FROM core.user_entity_rev_permission uer WHERE uer.user_id = ${user} AND uer.entity_id = ${entityIdSql})`;
  const anyUserGrant = `EXISTS (SELECT 1 FROM core.user_entity_add_permission ua0 WHERE ua0.user_id = ${user})`;
  const userGrants = `${entityIdSql} IN (SELECT uea.entity_id FROM core.user_entity_add_permission uea WHERE uea.user_id = ${user}${inIdRangeSql("uea.entity_id", opts.range)})`;
  const notOrgGrant = `NOT EXISTS (SELECT 1 FROM core.org_entity_permission oe2 WHERE oe2.org_id = ${org} AND oe2.entity_id = ${entityIdSql})`;
  return [
    `(${active} AND ${orgGrants} AND ${notRevoked})`,
    `(${anyUserGrant} AND ${active} AND ${userGrants} AND ${notOrgGrant} AND ${notRevoked})`,
  ];
}

/** What `visibleEntityIdsSql` selects beyond visibility, and how it is ordered and paged. */
export interface VisibleIdsOptions {
  /**
   * A further condition on each selection's entity (`entity`: its id, `core.entity` row `ve`),
   * such as a compiled filter, its parameters appended to `params` when called. `few`: the
   * selection is of the user's direct grants (few entities: probes per entity suit it).
   */
  readonly match?: (arm: { entity: string; few: boolean }) => string;
  /** Only entity ids in `(after, upto]`. */
  readonly range?: { readonly after?: number; readonly upto?: number };
  /** Ordered by id (implied by `skip` or `limit`). */
  readonly ordered?: boolean;
  readonly skip?: number;
  readonly limit?: number;
}

/**
 * SELECT of the ids (column `id`, distinct) of the entities visible to the actor in the org
 * (`visibleEntityArmsSql`'s selections merged by UNION ALL), with `opts.match` (a filter) and
 * `opts.range` applied to each selection; ordered by id and paged when asked. Every set-based read
 * of visible entities (the org's list, filters, the tree) is built here. Parameters are appended
 * to `params`.
 */
export function visibleEntityIdsSql(
  actor: Actor,
  orgId: number,
  params: unknown[],
  opts: VisibleIdsOptions = {},
): string {
  let range: IdRangeSql | undefined;
  if (opts.range?.after !== undefined || opts.range?.upto !== undefined) {
    const r: { after?: string; upto?: string } = {};
    if (opts.range.after !== undefined) r.after = `$${params.push(opts.range.after)}::int4`;
    if (opts.range.upto !== undefined) r.upto = `$${params.push(opts.range.upto)}::int4`;
    range = r;
  }
  const arms = visibleEntityArmsSql(actor, orgId, "ve.id", params, { entityAlias: "ve", range }).map(
    (a, i) => {
      const match = opts.match ? ` AND ${opts.match({ entity: "ve.id", few: i > 0 })}` : "";
      return `SELECT ve.id FROM core.entity ve WHERE ${a}${inIdRangeSql("ve.id", range)}${match}`;
    },
  );
  const union = arms.join(" UNION ALL ");
  if (!opts.ordered && opts.skip === undefined && opts.limit === undefined) return union;
  let text = `SELECT vv.id FROM (${union}) vv ORDER BY vv.id`;
  if (opts.skip) text += ` OFFSET $${params.push(opts.skip)}`;
  if (opts.limit !== undefined) text += ` LIMIT $${params.push(opts.limit)}`;
  return text;
}

/**
 * SELECT of one row: `end`, the id of the org's `rank`-th granted entity by id (0-based; NULL when
 * it has no more), and `big`, whether the org has at least `atLeast` granted entities; for a read
 * of a prefix of the visible entities (`visibleEntityIdsSql` with `range.upto = end`). Parameters
 * are appended to `params`.
 */
export function orgGrantRankSql(orgId: number, rank: number, atLeast: number, params: unknown[]): string {
  const org = `$${params.push(orgId)}`;
  const r = `$${params.push(rank)}`;
  const n = `$${params.push(Math.max(0, atLeast - 1))}`;
  return `SELECT (SELECT oep.entity_id FROM core.org_entity_permission oep WHERE oep.org_id = ${org}
                   ORDER BY oep.entity_id OFFSET ${r} LIMIT 1) AS end,
                 EXISTS (SELECT 1 FROM core.org_entity_permission oep WHERE oep.org_id = ${org} OFFSET ${n}) AS big`;
}

function activeSql(entityIdSql: string, entityAlias: string | undefined): string {
  return entityAlias
    ? `${entityAlias}.disabled_ts IS NULL`
    : `EXISTS (SELECT 1 FROM core.entity ve WHERE ve.id = ${entityIdSql} AND ve.disabled_ts IS NULL)`;
}
