// Access control: who may do what, in which org. Users (argon2id passwords and SCRAM-SHA-256
// credentials, kept apart from the replicated user rows), orgs and memberships (application
// admin, org admin, org member), API tokens (one org, one role, secret shown once and stored
// hashed), browser sessions and access tokens (HS256 JWTs naming a revocable session row), the
// login rate limit, the permission tables, the audit log, first-start bootstrap and the CLI.
// Routes reach it through src/http/auth.ts (the middleware) and src/api/access.ts.
export {
  type Actor,
  makeActor,
  type OrgRole,
  requireAppAdmin,
  requireRole,
  systemActor,
  visibleEntitySql,
} from "./actor.ts";
export { type AuditEntry, listAudit, recordAudit } from "./audit.ts";
export { bootstrap } from "./bootstrap.ts";
export { createOrg, disableOrg, getOrg, listOrgs, type Org, orgByKey, updateOrg } from "./orgs.ts";
export {
  createPermission,
  deletePermission,
  getPermission,
  listPermissions,
  type PermissionKind,
} from "./permissions.ts";
export { accessRetentionService, pruneAccessRecords } from "./retention.ts";
export {
  actorForBearer,
  authorizeToken,
  csrfTokenFor,
  type LoginResult,
  login,
  logout,
  SESSION_COOKIE,
  sessionFromCookie,
} from "./sessions.ts";
export {
  type ApiTokenInfo,
  type CreatedApiToken,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from "./tokens.ts";
export {
  addAppAdmin,
  addOrgUser,
  changePassword,
  disableUser,
  getOrgUser,
  listOrgUsers,
  myOrgs,
  removeOrgUser,
  setPassword,
} from "./users.ts";
