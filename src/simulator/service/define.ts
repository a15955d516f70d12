/**
 * Simulator definition verbs: create, reconfigure and delete a simulator, and create the demo
 * simulator on a first start. The configuration is validated and parsed here, once, when it is
 * stored; readers take it from `storedConfigOf`.
 */
import { type Actor, requireRole, systemActor } from "../../access/actor.ts";
import { recordAudit } from "../../access/audit.ts";
import type { ServiceDeps } from "../../deps.ts";
import { AppError } from "../../errors.ts";
import {
  keepMaskedSecrets,
  openDatabaseConfig,
  parseDatabaseConfig,
  sealDatabaseConfig,
} from "../database-config.ts";
import { pollers } from "../ports.ts";
import { simulatorRuntimeOf } from "../runtime-registry.ts";
import { loadSimulator, mirrorState, type SimulatorRow } from "../store.ts";
import { rememberStoredConfig, simulatorEntities, storedConfigOf } from "../stored-config.ts";
import {
  documentOf,
  event,
  loadFor,
  now,
  removeSimulatorEntities,
  SIMULATOR_KEY,
  type SimulatorInput,
  upsertSimulatorEntities,
} from "./common.ts";
import { type SimulatorView, view } from "./view.ts";

type Deps = ServiceDeps;

/**
 * Creates a simulator: validates the configuration, checks the key is unused in the org, stores the
 * poller and the definition, creates its entities (idempotently, one transaction, through the
 * catalog) and, when it is to run, asks the runtime to backfill `backfillDays` in the background.
 * Logs `config_change` (and `start`).
 * @throws AppError invalid (422 detail with config paths), conflict (key in use), forbidden.
 */
export async function createSimulator(opts: {
  deps: Deps;
  actor: Actor;
  orgId: number;
  input: SimulatorInput;
}): Promise<SimulatorView> {
  const { deps, actor, orgId, input } = opts;
  requireRole(actor, orgId, "admin");
  const key = input.key;
  if (typeof key !== "string" || !SIMULATOR_KEY.test(key))
    throw new AppError(
      "invalid",
      "key: lower-case letters, digits, _ or -, starting with a letter (at most 40)",
      [{ loc: ["body", "key"], msg: "must match ^[a-z][a-z0-9_-]{0,39}$", type: "string_pattern_mismatch" }],
    );
  const desired = input.status ?? "running";
  if (!["running", "paused", "stopped"].includes(desired))
    throw new AppError("invalid", "status must be running, paused or stopped");
  const { doc, config } = documentOf(input, key);
  const name = (input.name ?? config.name).trim().slice(0, 255) || key;
  const databaseConfig = await sealDatabaseConfig(deps, parseDatabaseConfig(input.database_config));

  const taken = await deps.dbs.primary.query(
    "SELECT 1 FROM core.hs_simulator WHERE org_id = $1 AND key = $2",
    [orgId, key],
  );
  if (taken.length > 0) throw new AppError("conflict", `a simulator with key "${key}" exists in this org`);
  const poller = await pollers.createPoller({
    deps,
    actor,
    orgId,
    pollerType: "simulator",
    pollerName: name,
    config: { key, ...doc },
  });
  const id = poller.poller_id;
  try {
    await deps.dbs.primary.query(
      `INSERT INTO core.hs_simulator
         (simulator_id, org_id, key, name, config, desired_status, database_config, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::text::jsonb, $6, $8, $7, $7)`,
      [id, orgId, key, name, JSON.stringify(doc), desired, now(deps), databaseConfig],
    );
  } catch (e) {
    await pollers.discardPoller({ deps, pollerId: id }).catch(() => undefined);
    if (String((e as { code?: unknown }).code) === "23505")
      throw new AppError("conflict", `a simulator with key "${key}" exists in this org`);
    throw e;
  }
  const row = (await loadSimulator(deps.dbs.primary, id)) as SimulatorRow;
  await upsertSimulatorEntities(deps, orgId, key, rememberStoredConfig(row, config).entities);
  await mirrorState(deps, { simulatorId: id, orgId, status: "stopped", at: now(deps) });
  deps.log.info("simulator created", {
    simulator: id,
    org: orgId,
    key,
    template: config.template,
    interval_minutes: config.intervalMinutes,
    backfill_days: config.backfillDays,
    desired,
    by: actor.email ?? actor.kind,
  });
  await event(deps, row, "config_change", `Simulator "${name}" created`, {
    key,
    template: config.template,
    interval_minutes: config.intervalMinutes,
    backfill_days: config.backfillDays,
  });
  if (desired === "running") {
    await event(deps, row, "start", "Simulator started", { reason: "created" });
    void simulatorRuntimeOf(deps)?.supervise();
  }
  return view(deps, row);
}

/**
 * Replaces a simulator's configuration (the key stays). New entities are created; entities no longer
 * in the building are left as they are (their history stays readable), except the `fault` entities of
 * faults no longer configured, which are removed (the ground truth follows the configuration). The runtime applies the new
 * configuration from its next interval. Logs `config_change`.
 * @throws AppError invalid, forbidden.
 */
export async function updateSimulatorConfig(opts: {
  deps: Deps;
  actor: Actor;
  id: number;
  input: SimulatorInput;
}): Promise<SimulatorView> {
  const { deps, actor, id, input } = opts;
  const row = await loadFor(deps, actor, id, "admin");
  if (input.key !== undefined && input.key !== row.key)
    throw new AppError("invalid", "the key of a simulator cannot change");
  const merged: SimulatorInput = { ...input, config: input.config ?? row.config };
  const { doc, config } = documentOf(merged, row.key);
  const name = (input.name ?? config.name).trim().slice(0, 255) || row.name;
  // database_config: absent keeps the stored record; a masked secret sent back keeps the stored one
  let databaseConfig = row.database_config ?? null;
  if (input.database_config !== undefined) {
    const next = parseDatabaseConfig(input.database_config);
    databaseConfig = await sealDatabaseConfig(
      deps,
      next && keepMaskedSecrets(next, await openDatabaseConfig(deps, row.database_config)),
    );
  }
  const entities = simulatorEntities(config);
  await upsertSimulatorEntities(deps, row.org_id, row.key, entities);
  // A fault taken out of the configuration takes its ground truth entity with it.
  const faultsNow = new Set(entities.filter((e) => e.tags.fault).map((e) => e.localId));
  const faultsGone = storedConfigOf(row)
    .entities.filter((e) => e.tags.fault && !faultsNow.has(e.localId))
    .map((e) => e.localId);
  await removeSimulatorEntities(deps, row.org_id, row.key, faultsGone);
  const updated = now(deps);
  await deps.dbs.primary.query(
    `UPDATE core.hs_simulator SET config = $2::text::jsonb, name = $3, database_config = $5,
       updated_at = greatest($4, updated_at + interval '1 millisecond') WHERE simulator_id = $1`,
    [id, JSON.stringify(doc), name, updated, databaseConfig],
  );
  await pollers.updatePoller({
    deps,
    actor,
    pollerId: id,
    pollerName: name,
    config: { key: row.key, ...doc },
  });
  await event(deps, row, "config_change", "Configuration updated", { config: doc });
  const stored = (await loadSimulator(deps.dbs.primary, id)) as SimulatorRow;
  rememberStoredConfig(stored, config, entities);
  return view(deps, stored);
}

/**
 * Deletes a simulator: its job, lease, poller, definition and checkpoint. Its entities and their
 * history stay in the catalog. Never stops the process.
 */
export async function deleteSimulator(opts: { deps: ServiceDeps; actor: Actor; id: number }): Promise<void> {
  const { deps, actor, id } = opts;
  const row = await loadFor(deps, actor, id, "admin");
  const rt = simulatorRuntimeOf(deps);
  rt?.cancel(id);
  await rt?.forget(id);
  // The definition and checkpoint go with the poller (foreign keys, ON DELETE CASCADE).
  await pollers.deletePoller({ deps, actor, pollerId: id });
  await recordAudit(deps.dbs.primary, actor, {
    action: "simulator.delete",
    orgId: row.org_id,
    target: `simulator:${id}`,
    details: { key: row.key },
  });
  deps.log.info("simulator deleted", { simulator: id, org: row.org_id, by: actor.email ?? actor.kind });
  await event(deps, row, "stop", "Simulator deleted", { by: actor.email ?? actor.kind });
  try {
    await deps.dbs.state.query("DELETE FROM core.simulator_state WHERE simulator_id = $1", [id]);
    await deps.dbs.state.query("DELETE FROM core.simulator_lease WHERE simulator_id = $1", [id]);
  } catch (e) {
    deps.log.warn("simulator state not removed (state database unreachable)", { simulator: id, error: e });
  }
}

/**
 * First start: unless disabled, creates the demo simulator (office template, 1 day of backfill) in
 * org `demo` when no simulator exists anywhere. Returns its id, or null when nothing was created.
 */
export async function ensureDemoSimulator(deps: Deps): Promise<number | null> {
  if (!deps.config.demo) return null;
  const any = await deps.dbs.primary.query("SELECT 1 FROM core.hs_simulator LIMIT 1");
  if (any.length > 0) return null;
  const [org] = await deps.dbs.primary.query<{ id: number }>(
    "SELECT id FROM core.org WHERE key = 'demo' AND disabled_ts IS NULL",
  );
  if (!org) return null;
  const v = await createSimulator({
    deps,
    actor: systemActor,
    orgId: org.id,
    input: {
      name: "Downtown Office Tower (demo)",
      key: "demo-office",
      template: "office-tower",
      backfill_days: 1,
    },
  });
  return v.id;
}
