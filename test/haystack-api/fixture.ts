// Test data for the Haystack API: entities written from Zinc dicts straight into the catalog tables
// (the layout of src/haystack/tag-columns.ts), granted to one org, and history rows.
import type { Sql } from "../../src/db/index.ts";
import { isDict, Ref, readZincValue, tagColumnsFor } from "../../src/haystack/index.ts";

/** Inserts entities (Zinc dicts, each with an `id`) for `orgId`; returns id string → entity id. */
export async function insertEntities(
  db: Sql,
  orgId: number,
  zinc: readonly string[],
): Promise<Map<string, number>> {
  const dicts = zinc.map((z) => {
    const d = readZincValue(z);
    if (!isDict(d) || !(d.id instanceof Ref)) throw new Error(`fixture needs a dict with an id: ${z}`);
    return d;
  });
  const ids = new Map<string, number>();
  for (const d of dicts) {
    const [e] = await db.query<{ id: number }>("INSERT INTO core.entity DEFAULT VALUES RETURNING id");
    ids.set((d.id as Ref).id, e!.id);
    await db.query("INSERT INTO core.org_entity_permission (org_id, entity_id) VALUES ($1, $2)", [
      orgId,
      e!.id,
    ]);
  }
  const tagIds = new Map<string, number>();
  const tagId = async (name: string) => {
    let id = tagIds.get(name);
    if (id === undefined) {
      // A tag new to the database gets a library every org has (`custom`), as POST /tagdef requires:
      // a tag without one is visible to application admins only.
      const created = await db.query<{ id: number }>(
        "INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id",
        [name],
      );
      if (created.length > 0)
        await db.query(
          `INSERT INTO core.tag_meta (tag_id, attribute, value)
           SELECT $1, l.id, c.id FROM core.tag_def l, core.tag_def c WHERE l.name = 'lib' AND c.name = 'custom'`,
          [created[0]!.id],
        );
      const [r] = await db.query<{ id: number }>("SELECT id FROM core.tag_def WHERE name = $1", [name]);
      id = r!.id;
      tagIds.set(name, id);
    }
    return id;
  };
  for (const d of dicts) {
    const entityId = ids.get((d.id as Ref).id)!;
    for (const [name, v] of Object.entries(d)) {
      const c = tagColumnsFor(name, v, (r) => ids.get(r.id));
      await db.query(
        `INSERT INTO core.entity_tag (entity_id, tag_id, value_n, value_b, value_s, value_ts, value_list, value_dict,
           value_ref, value_unit, value_kind)
         VALUES ($1, $2, $3::numeric, $4, $5, $6::timestamp, $7::varchar[], $8::text::jsonb, $9, $10, $11)`,
        [
          entityId,
          await tagId(name),
          c.value_n,
          c.value_b,
          c.value_s,
          c.value_ts,
          c.value_list,
          c.value_dict === null ? null : JSON.stringify(c.value_dict),
          c.value_ref,
          c.value_unit,
          c.value_kind,
        ],
      );
    }
  }
  return ids;
}

/** Inserts history rows (numbers) into `core.values_<orgKey>` and moves the current value. */
export async function insertHistory(
  db: Sql,
  orgKey: string,
  entityId: number,
  rows: readonly [epochMs: number, value: number][],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO core."values_${orgKey}" (entity_id, ts, value_n)
     SELECT $1, t, v FROM unnest($2::timestamp[], $3::float8[]) AS u(t, v)`,
    [entityId, rows.map(([t]) => new Date(t).toISOString().replace("Z", "")), rows.map(([, v]) => v)],
  );
  const [lastTs, lastV] = rows[rows.length - 1]!;
  await db.query(
    `INSERT INTO core."values_${orgKey}_current" (entity_id, ts, value_n) VALUES ($1, $2::timestamp, $3)
     ON CONFLICT (entity_id) DO UPDATE SET ts = excluded.ts, value_n = excluded.value_n`,
    [entityId, new Date(lastTs).toISOString().replace("Z", ""), lastV],
  );
}
