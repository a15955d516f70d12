/**
 * What the simulator service verbs share: the input of create and update and its validation into a
 * configuration document, the actor check of a verb on one simulator, the runtime and ports of this
 * process, activity events, and the upsert of a building's entities.
 */
import YAML from "yaml";
import { type Actor, requireRole, systemActor } from "../../access/actor.ts";
import { deleteEntity } from "../../catalog/entities.ts";
import { createOutageMemo } from "../../db/index.ts";
import type { ServiceDeps } from "../../deps.ts";
import { AppError, refusedAs } from "../../errors.ts";
import { slot } from "../../runtime.ts";
import { type ActivityType, activityLogOf } from "../activity.ts";
import { parseSimulatorConfig, type SimulatorConfig } from "../config.ts";
import type { Entity } from "../model/types.ts";
import { defaultPorts, type SimulatorPorts } from "../ports.ts";
import { simulatorRuntimeOf } from "../runtime-registry.ts";
import { type DesiredStatus, loadSimulator, type SimulatorRow } from "../store.ts";
import { entityIdOf, toCatalogEntity } from "../tags.ts";

/** A simulator key: prefixes its entity ids (`<key>.<local id>`), unique in its org. */
export const SIMULATOR_KEY = /^[a-z][a-z0-9_-]{0,39}$/;

/** What a client sends to create or reconfigure a simulator. */
export interface SimulatorInput {
  name?: string;
  key?: string;
  template?: string;
  /** The configuration document: an object, or JSON/YAML text (original `building_config.yaml` keys too). */
  config?: string | Record<string, unknown>;
  interval_minutes?: number;
  seed?: number;
  backfill_days?: number;
  max_gap_days?: number;
  /** Initial desired state (default running). */
  status?: DesiredStatus;
  /**
   * The plan's `database_config`: the client's record (a mapping, or JSON/YAML text of one), stored
   * sealed and answered with secrets masked (database-config.ts); null clears it, absent keeps it.
   */
  database_config?: unknown;
}

export const ports = (deps: ServiceDeps): SimulatorPorts => simulatorRuntimeOf(deps)?.ports ?? defaultPorts;
export const now = (deps: ServiceDeps): Date => simulatorRuntimeOf(deps)?.now() ?? deps.clock.now();
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

/** A stable seed from the key, so two simulators of one template produce different data. */
function seedOf(key: string): number {
  let h = 0x811c9dc5;
  for (const ch of key) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % 1_000_000;
}

function invalid(issues: Array<{ path: string; message: string }>, base: string[]): AppError {
  return new AppError(
    "invalid",
    issues[0] ? `${issues[0].path || "config"}: ${issues[0].message}` : "invalid configuration",
    issues.map((i) => ({
      loc: [...base, ...(i.path ? i.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [])],
      msg: i.message,
      type: "value_error",
    })),
  );
}

/** Builds and validates the configuration document from the input (settings override the document). */
export function documentOf(
  input: SimulatorInput,
  key: string,
): { doc: Record<string, unknown>; config: SimulatorConfig } {
  let doc: Record<string, unknown> = {};
  if (typeof input.config === "string") {
    let parsed: unknown;
    try {
      parsed = YAML.parse(input.config);
    } catch (e) {
      throw invalid(
        [{ path: "", message: `not valid JSON or YAML: ${(e as Error).message}` }],
        ["body", "config"],
      );
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== "object" || Array.isArray(parsed)))
      throw invalid([{ path: "", message: "must be a mapping" }], ["body", "config"]);
    doc = (parsed as Record<string, unknown> | null) ?? {};
  } else if (input.config !== undefined) {
    if (typeof input.config !== "object" || input.config === null || Array.isArray(input.config))
      throw invalid([{ path: "", message: "must be an object or JSON/YAML text" }], ["body", "config"]);
    doc = structuredClone(input.config);
  }
  if (input.template !== undefined && doc.building === undefined) doc.template = input.template;
  if (input.name !== undefined) doc.name = input.name;
  if (input.interval_minutes !== undefined) doc.intervalMinutes = input.interval_minutes;
  if (input.seed !== undefined) doc.seed = input.seed;
  if (input.backfill_days !== undefined) doc.backfillDays = input.backfill_days;
  if (input.max_gap_days !== undefined) doc.maxGapDays = input.max_gap_days;
  if (doc.seed === undefined) doc.seed = seedOf(key);
  const r = parseSimulatorConfig(doc);
  if (!r.ok) throw invalid(r.issues, ["body", "config"]);
  return { doc, config: r.config };
}

const NOT_VISIBLE = () => new AppError("forbidden", "simulator not found or not allowed");

/**
 * The simulator with this id, checked against the actor.
 * @throws AppError forbidden (unknown or not visible; not_found for an application admin).
 */
/**
 * The simulators read recently, served only while the primary is unreachable, so their state and
 * health stay readable from memory and the state database during an outage.
 */
const LAST_KNOWN = slot("simulator.last-known", () =>
  createOutageMemo({ maxAgeMs: 24 * 3_600_000, maxEntries: 1_000 }),
);
export const lastKnownSimulators = (deps: ServiceDeps) => LAST_KNOWN.of(deps);

export async function loadFor(deps: ServiceDeps, actor: Actor, id: number, role: "member" | "admin") {
  const row =
    Number.isInteger(id) && id > 0
      ? await LAST_KNOWN.of(deps).remember(`simulator:${id}`, () => loadSimulator(deps.dbs.primary, id))
      : undefined;
  if (!row) {
    if (actor.appAdmin) throw new AppError("not_found", "simulator not found");
    throw NOT_VISIBLE();
  }
  // Another org's simulator and a missing one get the same answer (no existence oracle).
  refusedAs(() => requireRole(actor, row.org_id, role), NOT_VISIBLE());
  return row;
}

/** Creates or updates the entities of a simulator's building (catalog ids `<key>.<local id>`). */
export function upsertSimulatorEntities(
  deps: ServiceDeps,
  orgId: number,
  key: string,
  entities: readonly Entity[],
) {
  return ports(deps).upsertEntities({
    deps,
    actor: systemActor,
    orgId,
    entities: entities.map((e) => toCatalogEntity(key, e)),
  });
}

/**
 * Removes entities of a simulator by local id (soft delete in the catalog: their history stays);
 * an id already gone is skipped.
 */
export async function removeSimulatorEntities(
  deps: ServiceDeps,
  orgId: number,
  key: string,
  localIds: readonly string[],
): Promise<void> {
  for (const localId of localIds) {
    try {
      await deleteEntity({ deps, actor: systemActor, orgId, ref: entityIdOf(key, localId) });
    } catch (e) {
      if (!(e instanceof AppError && (e.code === "forbidden" || e.code === "not_found"))) throw e;
    }
  }
}

export async function event(
  deps: ServiceDeps,
  row: Pick<SimulatorRow, "simulator_id" | "org_id">,
  type: ActivityType,
  message: string,
  details?: Record<string, unknown>,
) {
  await activityLogOf(deps).log({
    simulatorId: row.simulator_id,
    orgId: row.org_id,
    type,
    message,
    details: details ?? null,
    at: now(deps),
  });
}

/** The runtime of this process. @throws AppError unavailable (none runs here). */
export function requireRuntime(deps: ServiceDeps) {
  const rt = simulatorRuntimeOf(deps);
  if (!rt) throw new AppError("unavailable", "simulators are not running in this process");
  return rt;
}
