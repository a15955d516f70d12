// Orgs: create (with their value tables and the standard tag libraries), list, read, rename,
// disable. Application admins only, except reading an org one belongs to.
import { ensureValueTables, type Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type Actor, requireAppAdmin, visibleEntitySql } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { accessRuntime } from "./runtime.ts";
import { paging, write } from "./tx.ts";

export const ORG_KEY = /^[a-z][a-z0-9_]{0,39}$/;
/**
 * Tag libraries every new org is granted (when their tag_defs exist): the standard ones, and
 * `custom`, which holds the tags the catalog creates on the fly (see schema 0005).
 */
export const STANDARD_LIBRARIES = ["ph", "phIoT", "phScience", "custom"] as const;

export interface Org {
  id: number;
  name: string | null;
  key: string | null;
  value_table: string;
}

const ORG_COLUMNS = "id, name, key, value_table";

function checkName(name: unknown): string {
  if (typeof name !== "string" || name.trim().length === 0 || name.length > 200)
    throw new AppError("invalid", "name must be 1 to 200 characters");
  return name.trim();
}

/**
 * Creates an org in `tx`: the row (value_table `values_<key>`, schema_name `<key>`), its value
 * tables, and grants of the standard libraries; records all of it for the secondaries. No
 * permission check (callers check).
 * @throws AppError invalid (bad key or name), conflict (key or name taken).
 */
export async function insertOrg(
  deps: ServiceDeps,
  tx: Sql,
  input: { name: string; key: string },
): Promise<Org> {
  const name = checkName(input.name);
  if (typeof input.key !== "string" || !ORG_KEY.test(input.key))
    throw new AppError("invalid", "key must match ^[a-z][a-z0-9_]{0,39}$ (it names the value tables)");
  const clash = await tx.query<{ key: string | null; name: string | null }>(
    "SELECT key, name FROM core.org WHERE key = $1 OR name = $2 LIMIT 1",
    [input.key, name],
  );
  if (clash[0])
    throw new AppError(
      "conflict",
      clash[0].key === input.key ? "org key already used" : "org name already used",
    );
  const [org] = await tx.query<Org>(
    `INSERT INTO core.org (name, key, value_table, schema_name) VALUES ($1, $2, $3, $2) RETURNING ${ORG_COLUMNS}`,
    [name, input.key, `values_${input.key}`],
  );
  if (!org) throw new Error("org insert returned nothing");
  const settings = {
    chunkDays: deps.config.timescaleChunkDays,
    compressAfterDays: deps.config.timescaleCompressAfterDays ?? null,
    retainDays: deps.config.retainDays ?? null,
  };
  await ensureValueTables(tx, input.key, settings);
  await deps.replicator.record(tx, { op: "value_tables", orgKey: input.key, ...settings });
  await deps.replicator.recordRows(tx, "core.org", "id", [org.id]);
  const grants = await tx.query<{ id: number }>(
    `INSERT INTO core.org_tag_permission (org_id, tag_id)
     SELECT $1, id FROM core.tag_def WHERE name = ANY($2::text[]) AND disabled_ts IS NULL
     ON CONFLICT (org_id, tag_id) DO NOTHING RETURNING id`,
    [org.id, `{${STANDARD_LIBRARIES.join(",")}}`],
  );
  await deps.replicator.recordRows(
    tx,
    "core.org_tag_permission",
    "id",
    grants.map((g) => g.id),
  );
  return org;
}

/**
 * Creates an org. Application admin only. Audited (`org.create`).
 * @throws AppError forbidden, invalid, conflict.
 */
export async function createOrg(opts: {
  deps: ServiceDeps;
  actor: Actor;
  name: string;
  key: string;
  ip?: string | null;
}): Promise<Org> {
  requireAppAdmin(opts.actor);
  return write(opts.deps, async (tx) => {
    const org = await insertOrg(opts.deps, tx, opts);
    await recordAudit(tx, opts.actor, {
      action: "org.create",
      orgId: org.id,
      target: `org:${org.id}`,
      details: { key: org.key, name: org.name },
      ip: opts.ip,
    });
    return org;
  });
}

/** Active orgs by id. Application admin only. */
export async function listOrgs(opts: {
  deps: ServiceDeps;
  actor: Actor;
  skip?: number;
  limit?: number;
}): Promise<Org[]> {
  requireAppAdmin(opts.actor);
  const { skip, limit } = paging(opts.skip, opts.limit);
  // Served from memory while the primary is unreachable (the console's org switcher).
  return accessRuntime(opts.deps).lastKnown.remember(`orgs:${skip}:${limit}`, () =>
    opts.deps.dbs.primary.query<Org>(
      `SELECT ${ORG_COLUMNS} FROM core.org WHERE disabled_ts IS NULL ORDER BY id OFFSET $1 LIMIT $2`,
      [skip, limit],
    ),
  );
}

/**
 * One active org. Application admin only (an unknown id answers forbidden too).
 * @throws AppError forbidden.
 */
export async function getOrg(opts: { deps: ServiceDeps; actor: Actor; orgId: number }): Promise<Org> {
  requireAppAdmin(opts.actor);
  const [org] = await opts.deps.dbs.primary.query<Org>(
    `SELECT ${ORG_COLUMNS} FROM core.org WHERE id = $1 AND disabled_ts IS NULL`,
    [opts.orgId],
  );
  if (!org) throw new AppError("forbidden", "not allowed in this org");
  return org;
}

/** Looks up an active org by key (any actor; used by the CLI and the Haystack routes). */
export async function orgByKey(deps: ServiceDeps, key: string): Promise<Org | null> {
  const [org] = await deps.dbs.primary.query<Org>(
    `SELECT ${ORG_COLUMNS} FROM core.org WHERE key = $1 AND disabled_ts IS NULL`,
    [key],
  );
  return org ?? null;
}

/**
 * The key of an active org (what names its value tables; "" for an org without one).
 * @throws AppError forbidden for an unknown or disabled org.
 */
export async function activeOrgKey(tx: Sql, orgId: number): Promise<string> {
  const [org] = await tx.query<{ key: string | null }>(
    "SELECT key FROM core.org WHERE id = $1 AND disabled_ts IS NULL",
    [orgId],
  );
  if (!org) throw new AppError("forbidden", "not allowed in this org");
  return org.key ?? "";
}

/** The `value_table` of every org (disabled ones too: their history is kept), by org id. */
export async function orgValueTables(db: Sql): Promise<string[]> {
  const rows = await db.query<{ value_table: string }>("SELECT value_table FROM core.org ORDER BY id");
  return rows.map((r) => r.value_table);
}

const INT_LITERAL = (ids: Iterable<number>) => `{${[...ids].join(",")}}`;

/**
 * The org's value table and key, and the ids of the batch the actor cannot see in that org, in
 * one query (the ingest path's "where", see ingest/design.md). No role check (callers check).
 * @throws AppError forbidden when the org does not exist or is disabled.
 */
export async function resolveOrgAndEntities(
  sql: Sql,
  actor: Actor,
  orgId: number,
  entityIds: Iterable<number>,
): Promise<{ valueTable: string; orgKey: string; hidden: number[] }> {
  const params: unknown[] = [INT_LITERAL(new Set(entityIds))];
  const visible = visibleEntitySql(actor, orgId, "x", params);
  params.push(orgId);
  const rows = await sql.query<{ value_table: string; key: string | null; hidden: number[] | string }>(
    `SELECT o.value_table, o.key,
            (SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM unnest($1::text::int4[]) AS x
              WHERE NOT ${visible}) AS hidden
       FROM core.org o WHERE o.id = $${params.length} AND o.disabled_ts IS NULL`,
    params,
  );
  const row = rows[0];
  if (!row) throw new AppError("forbidden", "not allowed in this org");
  return { valueTable: row.value_table, orgKey: row.key ?? "", hidden: parseIntArray(row.hidden) };
}

/** int4[] comes back as an array (PGlite, postgres.js) or, from some paths, as `{1,2}` text. */
function parseIntArray(v: number[] | string | null): number[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.map(Number);
  const inner = v.replace(/^\{|\}$/g, "");
  return inner ? inner.split(",").map(Number) : [];
}

/**
 * Renames an org. The key cannot change (it names the value tables). Application admin only.
 * @throws AppError forbidden, invalid, conflict.
 */
export async function updateOrg(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  name?: string;
  key?: string;
  ip?: string | null;
}): Promise<Org> {
  const current = await getOrg(opts);
  if (opts.key !== undefined && opts.key !== current.key)
    throw new AppError("invalid", "an org's key cannot change (it names the value tables)");
  if (opts.name === undefined) return current;
  const name = checkName(opts.name);
  return write(opts.deps, async (tx) => {
    const clash = await tx.query("SELECT 1 FROM core.org WHERE name = $1 AND id <> $2", [name, opts.orgId]);
    if (clash.length) throw new AppError("conflict", "org name already used");
    const [org] = await tx.query<Org>(
      `UPDATE core.org SET name = $2 WHERE id = $1 RETURNING ${ORG_COLUMNS}`,
      [opts.orgId, name],
    );
    await opts.deps.replicator.recordRows(tx, "core.org", "id", [opts.orgId]);
    await recordAudit(tx, opts.actor, {
      action: "org.update",
      orgId: opts.orgId,
      target: `org:${opts.orgId}`,
      details: { name },
      ip: opts.ip,
    });
    return org!;
  });
}

/**
 * Disables an org (soft delete: its data stays; nobody but application admins reaches it) and
 * revokes its API tokens. Application admin only. Audited (`org.delete`).
 * @throws AppError forbidden.
 */
export async function disableOrg(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  ip?: string | null;
}): Promise<Org> {
  const org = await getOrg(opts);
  await write(opts.deps, async (tx) => {
    await tx.query("UPDATE core.org SET disabled_ts = (now() AT TIME ZONE 'UTC') WHERE id = $1", [
      opts.orgId,
    ]);
    await tx.query(
      "UPDATE core.hs_api_token SET revoked_at = now() WHERE org_id = $1 AND revoked_at IS NULL",
      [opts.orgId],
    );
    await opts.deps.replicator.recordRows(tx, "core.org", "id", [opts.orgId]);
    await recordAudit(tx, opts.actor, {
      action: "org.delete",
      orgId: opts.orgId,
      target: `org:${opts.orgId}`,
      details: { key: org.key },
      ip: opts.ip,
    });
  });
  return org;
}
