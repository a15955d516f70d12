// The Haystack 4 def namespace of an org: the tag definitions it can see (its granted libraries),
// each with its library and `is` metas, refined by the standard entity taxonomy
// (haystack/taxonomy.ts). It answers `^symbol` filter terms and the `defs`/`libs` ops.
import type { Actor } from "../access/actor.ts";
import type { Sql } from "../db/index.ts";
import { DefNamespace, defDicts, type TagDefRecord, withTaxonomy } from "../haystack/index.ts";
import { visibleTagIdsSql } from "./shared.ts";

/** The stored tag definitions the actor sees in the org, with their `lib` and `is` metas. */
export async function visibleTagDefRecords(sql: Sql, actor: Actor, orgId: number): Promise<TagDefRecord[]> {
  const params: unknown[] = [];
  const visible = visibleTagIdsSql(actor, orgId, params);
  const metaOf = (attribute: string) =>
    `SELECT v.name FROM core.tag_meta m JOIN core.tag_def a ON a.id = m.attribute AND a.name = '${attribute}'
       JOIN core.tag_def v ON v.id = m.value
      WHERE m.tag_id = d.id AND m.disabled_ts IS NULL ORDER BY m.id`;
  const rows = await sql.query<{ name: string; doc: string | null; lib: string | null; is: string[] | null }>(
    `SELECT d.name, d.doc, (${metaOf("lib")} LIMIT 1) AS lib, ARRAY(${metaOf("is")}) AS "is"
       FROM core.tag_def d WHERE d.id IN (${visible}) ORDER BY d.id`,
    params,
  );
  return rows.map((r) => ({ name: r.name, doc: r.doc, lib: r.lib, is: r.is ?? [] }));
}

/** The org's def namespace as the actor sees it (see the module comment). */
export async function defNamespace(sql: Sql, actor: Actor, orgId: number): Promise<DefNamespace> {
  return new DefNamespace(defDicts(withTaxonomy(await visibleTagDefRecords(sql, actor, orgId))));
}
