// Entities for value tests: rows in core.entity granted to an org, with a few tags (id, dis, kind,
// point, his) so filters can select them. Written straight to the primary, and recorded in the
// outbox like the catalog does, so secondaries receive them too.
import type { ServiceDeps } from "../../src/deps.ts";

export interface TestPoint {
  id: number;
  ref: string;
}

/** Creates `n` point entities in the org (`<prefix>.p<i>`, kind Number) and returns their ids. */
export async function makePoints(
  deps: ServiceDeps,
  orgId: number,
  n: number,
  opts: { prefix?: string; kind?: string } = {},
): Promise<TestPoint[]> {
  const prefix = opts.prefix ?? "t";
  return deps.dbs.primary.transaction(async (tx) => {
    const ents = await tx.query<{ id: number }>(
      "INSERT INTO core.entity (value_table_id) SELECT NULL FROM generate_series(1, $1) RETURNING id",
      [n],
    );
    const ids = ents.map((e) => e.id).sort((a, b) => a - b);
    const idsLit = `{${ids.join(",")}}`;
    const perms = await tx.query<{ id: number }>(
      "INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1, unnest($2::text::int4[]) RETURNING id",
      [orgId, idsLit],
    );
    const tags = await tx.query<{ id: number }>(
      `INSERT INTO core.entity_tag (entity_id, tag_id, value_s, value_kind)
       SELECT e.id, td.id,
              CASE td.name WHEN 'id' THEN $2 || '.p' || e.ord WHEN 'dis' THEN 'Point ' || e.ord
                           WHEN 'kind' THEN $3 ELSE NULL END,
              CASE td.name WHEN 'id' THEN 'Ref' WHEN 'dis' THEN 'Str' WHEN 'kind' THEN 'Str' ELSE 'Marker' END
         FROM unnest($1::text::int4[]) WITH ORDINALITY AS e(id, ord)
         CROSS JOIN core.tag_def td WHERE td.name IN ('id', 'dis', 'kind', 'point', 'his')
       RETURNING id`,
      [idsLit, prefix, opts.kind ?? "Number"],
    );
    await deps.replicator.recordRows(tx, "core.entity", "id", ids);
    await deps.replicator.recordRows(
      tx,
      "core.org_entity_permission",
      "id",
      perms.map((p) => p.id),
    );
    await deps.replicator.recordRows(
      tx,
      "core.entity_tag",
      "id",
      tags.map((t) => t.id),
    );
    return ids.map((id, i) => ({ id, ref: `${prefix}.p${i + 1}` }));
  });
}
