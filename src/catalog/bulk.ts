// Whole entities at once, for the simulators and the Haystack API: `upsertEntities` makes the
// org's entities match a list (keyed by their `id` strings) with a few set-based statements in one
// transaction; `readEntityDicts` reads entities back as Haystack dicts.
import { type Actor, requireRole, visibleEntityIdsSql, visibleEntitySql } from "../access/actor.ts";
import { activeOrgKey } from "../access/orgs.ts";
import type { Sql } from "../db/index.ts";
import type { ServiceDeps } from "../deps.ts";
import { AppError } from "../errors.ts";
import { type HVal, kindOf, Ref, type TagRow, tagColumnsFor, tagValueFromRow } from "../haystack/index.ts";
import { entitiesByIdTag, lockOrgIds } from "./entities.ts";
import { recordChange, visibleTagIdsSql, writeTx } from "./shared.ts";

/** The library of tags `upsertEntities` defines on the fly. */
export const CUSTOM_LIBRARY = "custom";

const KIND_DEF: Record<string, string> = {
  Marker: "marker",
  Bool: "bool",
  Number: "number",
  Str: "str",
  Uri: "uri",
  Ref: "ref",
  Symbol: "symbol",
  Date: "date",
  Time: "time",
  DateTime: "dateTime",
  Coord: "coord",
  XStr: "xstr",
  Dict: "dict",
  List: "list",
};

const ID_STRING = /^[A-Za-z0-9_:.~-]+$/;

/**
 * Tag ids by name, defining unknown names in the `custom` library (kind from the first value seen)
 * and granting `custom` to the org when it lacks it. Existing tags the actor cannot see are refused.
 */
async function ensureTags(
  deps: ServiceDeps,
  tx: Sql,
  actor: Actor,
  orgId: number,
  kinds: Map<string, string>,
): Promise<Map<string, number>> {
  const names = [...kinds.keys()];
  const found = await tx.query<{ id: number; name: string }>(
    "SELECT id, name FROM core.tag_def WHERE name = ANY($1::text[]) AND disabled_ts IS NULL",
    [names],
  );
  const ids = new Map(found.map((r) => [r.name, r.id]));
  if (!actor.appAdmin && found.length > 0) {
    const params: unknown[] = [found.map((r) => r.id)];
    const visible = await tx.query<{ id: number }>(
      `SELECT id FROM core.tag_def WHERE id = ANY($1::int[]) AND id IN (${visibleTagIdsSql(actor, orgId, params)})`,
      params,
    );
    const ok = new Set(visible.map((r) => r.id));
    const hidden = found.filter((r) => !ok.has(r.id)).map((r) => r.name);
    if (hidden.length > 0) throw new AppError("invalid", `unknown tags: ${hidden.join(", ")}`);
  }
  const missing = names.filter((n) => !ids.has(n));
  if (missing.length === 0) return ids;
  const bad = missing.filter((n) => !/^[a-z][A-Za-z0-9_]{0,199}$/.test(n));
  if (bad.length > 0) throw new AppError("invalid", `invalid tag names: ${bad.join(", ")}`);
  const made = await tx.query<{ id: number; name: string }>(
    `INSERT INTO core.tag_def (name) SELECT n FROM unnest($1::text[]) WITH ORDINALITY AS x(n, o) ORDER BY o
     ON CONFLICT (name) DO NOTHING RETURNING id, name`,
    [missing],
  );
  if (made.length !== missing.length) throw new AppError("conflict", "a tag was defined concurrently; retry");
  for (const r of made) ids.set(r.name, r.id);
  await recordChange(
    deps,
    tx,
    actor,
    "tag_def",
    made.map((r) => r.id),
  );
  const lib = await tx.query<{ id: number }>(
    `INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET disabled_ts = NULL RETURNING id`,
    [CUSTOM_LIBRARY],
  );
  const libId = lib[0]!.id;
  await deps.replicator.recordRows(tx, "core.tag_def", "id", [libId]);
  const metas = await tx.query<{ id: number; tag_id: number; value: number; attr: string }>(
    `INSERT INTO core.tag_meta AS m (tag_id, attribute, value)
     SELECT x.tag_id, a.id, v.id
       FROM jsonb_to_recordset($1::text::jsonb) AS x(tag_id int, attr text, val text, o int)
       JOIN core.tag_def a ON a.name = x.attr
       JOIN core.tag_def v ON v.name = x.val
      ORDER BY x.o
     ON CONFLICT (tag_id, attribute, value) DO NOTHING
     RETURNING m.id, m.tag_id, m.value, (SELECT name FROM core.tag_def WHERE id = m.attribute) AS attr`,
    [
      JSON.stringify(
        made.flatMap((r, i) => [
          { tag_id: r.id, attr: "lib", val: CUSTOM_LIBRARY, o: 2 * i },
          { tag_id: r.id, attr: "is", val: KIND_DEF[kinds.get(r.name)!], o: 2 * i + 1 },
        ]),
      ),
    ],
  );
  await recordChange(
    deps,
    tx,
    actor,
    "tag_meta",
    metas.map((r) => r.id),
  );
  const isRows = metas.filter((m) => m.attr === "is").map((m) => ({ tag_id: m.tag_id, value: m.value }));
  const hier = await tx.query<{ id: number }>(
    `INSERT INTO core.tag_hierarchy (child_id, parent_id)
     SELECT x.tag_id, x.value FROM jsonb_to_recordset($1::text::jsonb) AS x(tag_id int, value int)
     ON CONFLICT (child_id, parent_id) DO NOTHING RETURNING id`,
    [JSON.stringify(isRows)],
  );
  await recordChange(
    deps,
    tx,
    actor,
    "tag_hierarchy",
    hier.map((r) => r.id),
  );
  const grant = await tx.query<{ id: number }>(
    `INSERT INTO core.org_tag_permission (org_id, tag_id) VALUES ($1, $2)
     ON CONFLICT (org_id, tag_id) DO NOTHING RETURNING id`,
    [orgId, libId],
  );
  await deps.replicator.recordRows(
    tx,
    "core.org_tag_permission",
    "id",
    grant.map((r) => r.id),
  );
  return ids;
}

/**
 * Makes the org's entities match `entities`, keyed by their `id` strings (without `@`): creates
 * the missing ones (with their org grant), sets every listed tag, and removes (soft-deletes) tags
 * of these entities that are not listed. Ref values resolve to `value_ref` among the batch and the
 * org's existing entities (unknown targets keep the id string). Tags without a definition are
 * defined in the `custom` library with the kind of their value. Unchanged rows are not touched:
 * running it twice writes nothing (no history rows either). One transaction; org admin (the system
 * actor for simulators). Returns entity ids by id string.
 * @throws AppError forbidden (role or org), invalid (bad ids or tag names, duplicate ids, NA/Remove
 * values, tags the actor cannot see).
 */
export async function upsertEntities(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  entities: ReadonlyArray<{ id: string; tags: Readonly<Record<string, HVal>> }>;
}): Promise<Map<string, number>> {
  const { deps, actor, orgId, entities } = opts;
  requireRole(actor, orgId, "admin");
  const seen = new Set<string>();
  const kinds = new Map<string, string>([["id", "Ref"]]);
  for (const e of entities) {
    if (!ID_STRING.test(e.id)) throw new AppError("invalid", `invalid entity id ${JSON.stringify(e.id)}`);
    if (seen.has(e.id)) throw new AppError("invalid", `duplicate entity id ${e.id}`);
    seen.add(e.id);
    for (const [name, v] of Object.entries(e.tags)) {
      if (v === null || v === undefined || name === "id") continue;
      const k = kindOf(v);
      if (!KIND_DEF[k]) throw new AppError("invalid", `entity ${e.id} tag ${name}: a ${k} is not stored`);
      if (!kinds.has(name)) kinds.set(name, k);
    }
  }
  if (entities.length === 0) return new Map();
  return writeTx(deps, async (tx) => {
    const orgKey = await activeOrgKey(tx, orgId);
    await lockOrgIds(tx, orgId);
    const tagIds = await ensureTags(deps, tx, actor, orgId, kinds);
    const ids = entities.map((e) => e.id);
    const existing = await entitiesByIdTag(tx, orgId, ids);
    const missing = ids.filter((id) => !existing.has(id));
    const byId = new Map(existing);
    if (missing.length > 0) {
      const made = await tx.query<{ id: number }>(
        `INSERT INTO core.entity (id, value_table_id)
         SELECT nextval(pg_get_serial_sequence('core.entity', 'id')), $1 FROM generate_series(1, $2) RETURNING id`,
        [orgKey, missing.length],
      );
      const newIds = made.map((r) => r.id).sort((a, b) => a - b);
      missing.forEach((sid, i) => {
        byId.set(sid, newIds[i]!);
      });
      const grants = await tx.query<{ id: number }>(
        `INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1, unnest($2::int[])
         ON CONFLICT (org_id, entity_id) DO NOTHING RETURNING id`,
        [orgId, newIds],
      );
      await deps.replicator.recordRows(tx, "core.entity", "id", newIds);
      await deps.replicator.recordRows(
        tx,
        "core.org_entity_permission",
        "id",
        grants.map((r) => r.id),
      );
    }
    // Ref targets outside the batch: the org's other entities.
    const outside = new Set<string>();
    for (const e of entities)
      for (const v of Object.values(e.tags)) if (v instanceof Ref && !byId.has(v.id)) outside.add(v.id);
    const targets = new Map(byId);
    for (const [sid, id] of await entitiesByIdTag(tx, orgId, [...outside])) targets.set(sid, id);

    const rows: Record<string, unknown>[] = [];
    for (const e of entities) {
      const entityId = byId.get(e.id)!;
      rows.push({
        entity_id: entityId,
        tag_id: tagIds.get("id"),
        ...tagColumnsFor("id", new Ref(e.id), () => undefined),
      });
      for (const [name, v] of Object.entries(e.tags)) {
        if (v === null || v === undefined || name === "id") continue;
        let c: ReturnType<typeof tagColumnsFor>;
        try {
          c = tagColumnsFor(name, v, (r) => targets.get(r.id));
        } catch (err) {
          throw new AppError("invalid", `entity ${e.id} tag ${name}: ${(err as Error).message}`);
        }
        rows.push({ entity_id: entityId, tag_id: tagIds.get(name), ...c });
      }
    }
    // Rows of entities that existed are compared with what is stored; rows of new ones are inserted.
    const oldIds = new Set(existing.values());
    const desired = JSON.stringify(rows.filter((r) => oldIds.has(r.entity_id as number)));
    const fresh = JSON.stringify(rows.filter((r) => !oldIds.has(r.entity_id as number)));
    const shape = `d(entity_id int, tag_id int, value_n numeric, value_b bool, value_s varchar,
      value_ts timestamp, value_list varchar[], value_dict jsonb, value_ref int, value_unit varchar,
      value_kind varchar)`;
    const cols =
      "entity_id, tag_id, value_n, value_b, value_s, value_ts, value_list, value_dict, value_ref, value_unit, value_kind";
    const updated =
      oldIds.size === 0
        ? []
        : await tx.query<{ id: number }>(
            `UPDATE core.entity_tag t SET value_n = d.value_n, value_b = d.value_b, value_s = d.value_s,
                    value_ts = d.value_ts, value_list = d.value_list, value_dict = d.value_dict,
                    value_ref = d.value_ref, value_enum = NULL, value_unit = d.value_unit, value_kind = d.value_kind
               FROM jsonb_to_recordset($1::text::jsonb) AS ${shape}
              WHERE t.entity_id = d.entity_id AND t.tag_id = d.tag_id AND t.disabled_ts IS NULL
                AND (t.value_n, t.value_b, t.value_s, t.value_ts, t.value_list, t.value_dict, t.value_ref,
                     t.value_enum, t.value_unit, t.value_kind)
                    IS DISTINCT FROM
                    (d.value_n, d.value_b, d.value_s, d.value_ts, d.value_list, d.value_dict, d.value_ref,
                     NULL::int, d.value_unit, d.value_kind)
             RETURNING t.id`,
            [desired],
          );
    const added =
      oldIds.size === 0
        ? []
        : await tx.query<{ id: number }>(
            `INSERT INTO core.entity_tag (${cols})
             SELECT ${cols} FROM jsonb_to_recordset($1::text::jsonb) AS ${shape}
              WHERE NOT EXISTS (SELECT 1 FROM core.entity_tag t
                                 WHERE t.entity_id = d.entity_id AND t.tag_id = d.tag_id AND t.disabled_ts IS NULL)
             RETURNING id`,
            [desired],
          );
    const created =
      oldIds.size === entities.length
        ? []
        : await tx.query<{ id: number }>(
            `INSERT INTO core.entity_tag (${cols})
             SELECT ${cols} FROM jsonb_to_recordset($1::text::jsonb) AS ${shape} RETURNING id`,
            [fresh],
          );
    const inserted = [...added, ...created];
    // Tags of existing entities that the list no longer has.
    const wanted = new Set(rows.map((r) => `${r.entity_id}:${r.tag_id}`));
    const current = await tx.query<{ id: number; entity_id: number; tag_id: number }>(
      "SELECT id, entity_id, tag_id FROM core.entity_tag WHERE entity_id = ANY($1::int[]) AND disabled_ts IS NULL",
      [[...existing.values()]],
    );
    const stale = current.filter((r) => !wanted.has(`${r.entity_id}:${r.tag_id}`)).map((r) => r.id);
    const removed =
      stale.length === 0
        ? []
        : await tx.query<{ id: number }>(
            "UPDATE core.entity_tag SET disabled_ts = now()::timestamp WHERE id = ANY($1::int[]) RETURNING id",
            [stale],
          );
    await recordChange(deps, tx, actor, "entity_tag", [
      ...updated.map((r) => r.id),
      ...inserted.map((r) => r.id),
      ...removed.map((r) => r.id),
    ]);
    return byId;
  });
}

interface DictRow extends TagRow {
  entity_id: number;
  name: string;
}

/**
 * The org's entities visible to the caller (all, or those of `entityIds`), each as a Haystack dict
 * of its active, visible tags, ordered by entity id. Refs carry the target's `id` string and its
 * `dis`; an entity without an `id` tag is named by its numeric id. Member.
 * @throws AppError forbidden.
 */
export async function readEntityDicts(opts: {
  deps: ServiceDeps;
  actor: Actor;
  orgId: number;
  entityIds?: readonly number[];
}): Promise<Array<{ entityId: number; dict: Record<string, HVal> }>> {
  const { deps, actor, orgId } = opts;
  requireRole(actor, orgId, "member");
  const db = deps.dbs.primary;
  const params: unknown[] = [];
  // A few named entities are probed one by one; the whole org is read as the visible set.
  const text = opts.entityIds
    ? `SELECT e.id FROM core.entity e WHERE e.id = ANY($${params.push([...opts.entityIds])}::int[])
          AND ${visibleEntitySql(actor, orgId, "e.id", params)} ORDER BY e.id`
    : `SELECT v.id FROM (${visibleEntityIdsSql(actor, orgId, params)}) v ORDER BY v.id`;
  const entityIds = (await db.query<{ id: number }>(text, params)).map((r) => r.id);
  if (entityIds.length === 0) return [];
  const tp: unknown[] = [entityIds];
  const rows = await db.query<DictRow>(
    `SELECT et.entity_id, td.name, et.value_n, et.value_b, et.value_s, et.value_ts, et.value_list,
            et.value_dict, et.value_ref, et.value_unit, et.value_kind
       FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
      WHERE et.entity_id = ANY($1::int[]) AND et.disabled_ts IS NULL
        AND et.tag_id IN (${visibleTagIdsSql(actor, orgId, tp)})
      ORDER BY et.entity_id, td.name`,
    tp,
  );
  // id strings and dis of the entities read and of every ref target.
  const refTargets = new Set<number>(entityIds);
  const refStrings = new Set<string>();
  for (const r of rows) {
    if (r.value_ref !== null) refTargets.add(r.value_ref);
    else if (
      r.value_s !== null &&
      (r.value_kind === "Ref" || (r.value_kind === null && r.name.endsWith("Ref")))
    )
      refStrings.add(r.value_s);
  }
  const names = await db.query<{ entity_id: number; name: string; value_s: string | null }>(
    `SELECT et.entity_id, td.name, et.value_s FROM core.entity_tag et JOIN core.tag_def td ON td.id = et.tag_id
      WHERE et.disabled_ts IS NULL AND td.name IN ('id', 'dis')
        AND (et.entity_id = ANY($1::int[])
             OR et.entity_id IN (SELECT i.entity_id FROM core.entity_tag i JOIN core.tag_def it ON it.id = i.tag_id
                                  JOIN core.org_entity_permission oep ON oep.entity_id = i.entity_id AND oep.org_id = $3
                                 WHERE it.name = 'id' AND i.disabled_ts IS NULL AND i.value_s = ANY($2::text[])))`,
    [[...refTargets], [...refStrings], orgId],
  );
  const idOf = new Map<number, string>();
  const disOf = new Map<number, string>();
  for (const n of names) {
    if (n.value_s === null) continue;
    if (n.name === "id") idOf.set(n.entity_id, n.value_s);
    else disOf.set(n.entity_id, n.value_s);
  }
  const disOfId = new Map<string, string>();
  for (const [eid, sid] of idOf) {
    const dis = disOf.get(eid);
    if (dis !== undefined) disOfId.set(sid, dis);
  }
  const idString = (eid: number) => idOf.get(eid) ?? String(eid);
  const dicts = new Map<number, Record<string, HVal>>(entityIds.map((id) => [id, {}]));
  for (const r of rows) {
    const dict = dicts.get(r.entity_id)!;
    let v = tagValueFromRow(r, r.name, idString);
    if (v instanceof Ref) v = new Ref(v.id, disOfId.get(v.id));
    dict[r.name] = v;
  }
  return entityIds.map((entityId) => {
    const dict = dicts.get(entityId)!;
    const sid = idString(entityId);
    dict.id = new Ref(sid, disOfId.get(sid));
    return { entityId, dict };
  });
}
