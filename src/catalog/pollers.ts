// Pollers (`core.poller_config`, primary only): the processes that feed an org's data; a simulator
// is a poller of type `simulator`. `poller_id` comes from the table's sequence. `config` is stored
// Fernet-encrypted with POLLER_CONFIG_KEY and answered as stored (pollers holding the key decrypt
// it); without a configured key one is generated once and kept in the state database
// (`core.app_secret`, name `poller_config_key`).
import { type Actor, requireRole } from "../access/actor.ts";
import { recordAudit } from "../access/audit.ts";
import { activeOrgKey } from "../access/orgs.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError, refusedAs } from "../errors.ts";
import { slot } from "../runtime.ts";
import {
  type FernetKey,
  fernetDecrypt,
  fernetEncrypt,
  generateFernetKey,
  importFernetKey,
} from "./fernet.ts";
import { isoOut } from "./shared.ts";

export interface PollerOut {
  id: number;
  org_id: number;
  poller_id: number;
  poller_type: string;
  poller_name: string;
  /** The Fernet token, as stored. */
  config: string;
  status: string;
  created_at: string | null;
}

const COLUMNS = "id, org_id, poller_id, poller_type, poller_name, config, status, created_at";
type Row = Omit<PollerOut, "created_at"> & { created_at: Date | null };
const out = (r: Row): PollerOut => ({ ...r, created_at: isoOut(r.created_at) });

/** This process's poller config key, once loaded (a slot of deps.runtime). */
const POLLER_KEY = slot("catalog.poller_key", (): { key?: Promise<FernetKey> } => ({}));

/** The poller config key: POLLER_CONFIG_KEY, or the one generated and kept in the state database. */
export function pollerConfigKey(deps: Pick<ServiceDeps, "config" | "dbs" | "runtime">): Promise<FernetKey> {
  const held = POLLER_KEY.of(deps);
  let k = held.key;
  if (!k) {
    k = (async () => {
      if (deps.config.pollerConfigKey) return importFernetKey(deps.config.pollerConfigKey);
      await deps.dbs.state.query(
        "INSERT INTO core.app_secret (name, value) VALUES ('poller_config_key', $1) ON CONFLICT (name) DO NOTHING",
        [generateFernetKey()],
      );
      const [row] = await deps.dbs.state.query<{ value: string }>(
        "SELECT value FROM core.app_secret WHERE name = 'poller_config_key'",
      );
      return importFernetKey(row!.value);
    })();
    k.catch(() => {
      if (held.key === k) held.key = undefined;
    });
    held.key = k;
  }
  return k;
}

/** Encrypts a poller configuration (text, or any JSON value serialised first). */
export async function encryptPollerConfig(
  deps: Pick<ServiceDeps, "config" | "dbs" | "runtime">,
  config: unknown,
): Promise<string> {
  const text = typeof config === "string" ? config : JSON.stringify(config);
  return fernetEncrypt(await pollerConfigKey(deps), text);
}

/**
 * Decrypts a stored poller `config` (for the console and the simulators).
 * @throws FernetError when it was not encrypted with this key.
 */
export async function decryptPollerConfig(
  deps: Pick<ServiceDeps, "config" | "dbs" | "runtime">,
  token: string,
): Promise<string> {
  return fernetDecrypt(await pollerConfigKey(deps), token);
}

async function load(deps: ServiceDeps, pollerId: number): Promise<Row | undefined> {
  const [row] = await deps.dbs.primary.query<Row>(
    `SELECT ${COLUMNS} FROM core.poller_config WHERE poller_id = $1`,
    [pollerId],
  );
  return row;
}

const NOT_VISIBLE = (pollerId: number) =>
  new AppError("forbidden", `poller ${pollerId} not found or not allowed`);

/**
 * A poller the actor administers. Not found (or, with `activeOnly`, not active): 404 for an admin
 * who could see it (application admins, admins of its org), 403 for anyone else.
 */
async function administered(
  deps: ServiceDeps,
  actor: Actor,
  pollerId: number,
  activeOnly: boolean,
): Promise<Row> {
  const row = await load(deps, pollerId);
  // Another org's poller and a missing one get the same answer (no existence oracle).
  if (row) refusedAs(() => requireRole(actor, row.org_id, "admin"), NOT_VISIBLE(pollerId));
  if (!row || (activeOnly && row.status !== "active")) {
    if (!row && !actor.appAdmin) throw NOT_VISIBLE(pollerId);
    throw new AppError("not_found", `poller ${pollerId} not found`);
  }
  return row;
}

/**
 * Creates a poller of the org; `config` (text or JSON) is stored encrypted. Org admin.
 * @throws AppError forbidden, invalid (empty type or name).
 */
export async function createPoller(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  pollerType: string;
  pollerName: string;
  config: unknown;
  status?: string;
}): Promise<PollerOut> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "admin");
  if (!opts.pollerType.trim() || !opts.pollerName.trim())
    throw new AppError("invalid", "poller_type and poller_name must not be empty");
  await activeOrgKey(deps.dbs.primary, orgId);
  const config = await encryptPollerConfig(deps, opts.config);
  const [row] = await deps.dbs.primary.query<Row>(
    `INSERT INTO core.poller_config (org_id, poller_type, poller_name, config, status)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [orgId, opts.pollerType, opts.pollerName, config, opts.status ?? "active"],
  );
  return out(row!);
}

/**
 * One poller by `poller_id`. Org admin of its org. `activeOnly` (the REST default) hides
 * pollers whose status is not `active`.
 * @throws AppError forbidden, not_found.
 */
export async function getPoller(opts: {
  deps: ServiceDeps;
  actor: Actor;
  pollerId: number;
  activeOnly?: boolean;
}): Promise<PollerOut> {
  return out(await administered(opts.deps, opts.actor, opts.pollerId, opts.activeOnly ?? false));
}

/**
 * Pollers by `poller_id`: of one org (`orgId`, org admin) or of every org the actor administers,
 * optionally of one `type` and (unless `status` is `"any"`) of one status (default `active`).
 * @throws AppError forbidden (not an admin of `orgId`).
 */
export async function listPollers(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId?: number;
  type?: string;
  status?: string;
}): Promise<PollerOut[]> {
  const { deps, actor } = opts;
  if (opts.orgId !== undefined) requireRole(actor, opts.orgId, "admin");
  const params: unknown[] = [];
  const where: string[] = [];
  if (opts.orgId !== undefined) {
    params.push(opts.orgId);
    where.push(`org_id = $${params.length}`);
  }
  if (opts.type !== undefined) {
    params.push(opts.type);
    where.push(`poller_type = $${params.length}`);
  }
  const status = opts.status ?? "active";
  if (status !== "any") {
    params.push(status);
    where.push(`status = $${params.length}`);
  }
  const rows = await deps.dbs.primary.query<Row>(
    `SELECT ${COLUMNS} FROM core.poller_config ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY poller_id`,
    params,
  );
  return rows.filter((r) => actor.roleIn(r.org_id) === "admin").map(out);
}

/**
 * Changes a poller's type, name, status and/or config (re-encrypted). Org admin of its org.
 * @throws AppError forbidden, not_found, invalid (empty type or name).
 */
export async function updatePoller(opts: {
  deps: ServiceDeps;
  actor: Actor;
  pollerId: number;
  pollerType?: string;
  pollerName?: string;
  config?: unknown;
  status?: string;
}): Promise<PollerOut> {
  const { deps, actor } = opts;
  const cur = await administered(deps, actor, opts.pollerId, false);
  if (opts.pollerType !== undefined && !opts.pollerType.trim())
    throw new AppError("invalid", "poller_type must not be empty");
  if (opts.pollerName !== undefined && !opts.pollerName.trim())
    throw new AppError("invalid", "poller_name must not be empty");
  const config = opts.config === undefined ? cur.config : await encryptPollerConfig(deps, opts.config);
  const [row] = await deps.dbs.primary.query<Row>(
    `UPDATE core.poller_config SET poller_type = $2, poller_name = $3, config = $4, status = $5
      WHERE poller_id = $1 RETURNING ${COLUMNS}`,
    [
      opts.pollerId,
      opts.pollerType ?? cur.poller_type,
      opts.pollerName ?? cur.poller_name,
      config,
      opts.status ?? cur.status,
    ],
  );
  return out(row!);
}

/**
 * Deletes a poller (the row). Org admin of its org. Returns it as it was.
 * @throws AppError forbidden, not_found.
 */
export async function deletePoller(opts: {
  deps: ServiceDeps;
  actor: Actor;
  pollerId: number;
}): Promise<PollerOut> {
  const cur = await administered(opts.deps, opts.actor, opts.pollerId, false);
  await opts.deps.dbs.primary.transaction(async (tx) => {
    await tx.query("DELETE FROM core.poller_config WHERE poller_id = $1", [opts.pollerId]);
    await recordAudit(tx, opts.actor, {
      action: "poller.delete",
      orgId: cur.org_id,
      target: `poller:${opts.pollerId}`,
      details: { type: cur.poller_type, name: cur.poller_name },
    });
  });
  return out(cur);
}

/**
 * Removes a poller that its creator could not complete (a simulator whose definition was not
 * stored): the row goes without an audit record, since for the user it never existed. Internal
 * (no actor): only service verbs that created the poller call it.
 */
export async function discardPoller(opts: {
  deps: Pick<ServiceDeps, "dbs">;
  pollerId: number;
}): Promise<void> {
  await opts.deps.dbs.primary.query("DELETE FROM core.poller_config WHERE poller_id = $1", [opts.pollerId]);
}
