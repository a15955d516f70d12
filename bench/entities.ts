// The entity fixture of the filter and Haystack benches: blocks of 100 entities (one AHU, nine VAVs
// with ahuRef to the AHU, 90 points with equipRef to one of the ten equips and a curVal), one site
// per ten blocks, bulk-inserted with set-based SQL (a work table, public.bench_bm, maps block
// positions to entity ids while the tags are inserted).
import { actorForUser } from "../src/access/resolve.ts";
import type { Sql } from "../src/db/index.ts";
import { seedOrg } from "../test/harness/auth.ts";
import { startCluster } from "../test/harness/pg.ts";
import { createBenchDatabase, startBenchServer } from "./lib.ts";

export const BLOCK = 100;

export const TAGS = [
  "id",
  "dis",
  "site",
  "tz",
  "equip",
  "ahu",
  "vav",
  "siteRef",
  "ahuRef",
  "equipRef",
  "point",
  "his",
  "sensor",
  "temp",
  "kind",
  "unit",
  "curVal",
];

/** Inserts blocks [from, to) (and their sites) for `orgId`, set-based. */
export async function insertBlocks(sql: Sql, orgId: number, from: number, to: number): Promise<void> {
  await sql.exec(`DROP TABLE IF EXISTS public.bench_bm;
    CREATE UNLOGGED TABLE public.bench_bm (hid text PRIMARY KEY, id int4, role text, blk int4, k int4,
      site_id int4, equip_id int4, ahu_id int4)`);
  const seq = "pg_get_serial_sequence('core.entity', 'id')";
  await sql.query(
    `INSERT INTO public.bench_bm (hid, id, role, blk, k)
     SELECT 's' || s, nextval(${seq}), 'site', s, 0 FROM generate_series($1::int4, $2::int4) s`,
    [Math.floor(from / 10), Math.floor((to - 1) / 10)],
  );
  await sql.query(
    `INSERT INTO public.bench_bm (hid, id, role, blk, k)
     SELECT r || b || '.' || k, nextval(${seq}), r, b, k
       FROM generate_series($1::int4, $2::int4) b, generate_series(0, ${BLOCK - 1}) k,
            LATERAL (SELECT CASE WHEN k = 0 THEN 'ahu' WHEN k < 10 THEN 'vav' ELSE 'p' END AS r) x`,
    [from, to - 1],
  );
  await sql.exec(`
    CREATE INDEX ON public.bench_bm (role, blk, k);
    ANALYZE public.bench_bm;
    UPDATE public.bench_bm SET site_id = s.id FROM public.bench_bm s WHERE s.role = 'site' AND public.bench_bm.role <> 'site' AND s.blk = public.bench_bm.blk / 10;
    UPDATE public.bench_bm SET equip_id = e.id FROM public.bench_bm e
      WHERE public.bench_bm.role = 'p' AND e.role IN ('ahu', 'vav') AND e.blk = public.bench_bm.blk AND e.k = public.bench_bm.k % 10;
    UPDATE public.bench_bm SET ahu_id = a.id FROM public.bench_bm a WHERE public.bench_bm.role = 'vav' AND a.role = 'ahu' AND a.blk = public.bench_bm.blk;
    INSERT INTO core.entity (id) SELECT id FROM public.bench_bm ORDER BY id;`);
  await sql.query(
    "INSERT INTO core.org_entity_permission (org_id, entity_id) SELECT $1, id FROM public.bench_bm",
    [orgId],
  );
  const tag = (name: string, where: string, cols: Record<string, string>, kind: string) => {
    const names = Object.keys(cols);
    return sql.query(
      `INSERT INTO core.entity_tag (entity_id, tag_id, ${[...names, "value_kind"].join(", ")})
       SELECT id, (SELECT id FROM core.tag_def WHERE name = $1), ${[...names.map((n) => cols[n]), "$2"].join(", ")}
         FROM public.bench_bm WHERE ${where}`,
      [name, kind],
    );
  };
  const marker = (name: string, where: string) => tag(name, where, {}, "Marker");
  await tag("id", "true", { value_s: "'b.' || hid" }, "Ref");
  await tag(
    "dis",
    "true",
    {
      value_s: `CASE role WHEN 'site' THEN 'Site ' || blk WHEN 'ahu' THEN 'AHU ' || blk
                  WHEN 'vav' THEN 'VAV ' || blk || '.' || k ELSE 'Temp ' || blk || '.' || k END`,
    },
    "Str",
  );
  await marker("site", "role = 'site'");
  await tag("tz", "role IN ('site', 'p')", { value_s: "'New_York'" }, "Str");
  await marker("equip", "role IN ('ahu', 'vav')");
  await marker("ahu", "role = 'ahu'");
  await marker("vav", "role = 'vav'");
  await tag("siteRef", "role <> 'site'", { value_ref: "site_id" }, "Ref");
  await tag("ahuRef", "role = 'vav'", { value_ref: "ahu_id" }, "Ref");
  await tag("equipRef", "role = 'p'", { value_ref: "equip_id" }, "Ref");
  for (const m of ["point", "his", "sensor", "temp"]) await marker(m, "role = 'p'");
  await tag("kind", "role = 'p'", { value_s: "'Number'" }, "Str");
  await tag("unit", "role = 'p'", { value_s: "'°F'" }, "Str");
  await tag(
    "curVal",
    "role = 'p'",
    { value_n: "55 + (id * 7919) % 400 / 10.0", value_unit: "'°F'" },
    "Number",
  );
  await sql.exec(
    "DROP TABLE public.bench_bm; ANALYZE core.entity; ANALYZE core.entity_tag; ANALYZE core.org_entity_permission",
  );
}

/** Creates the tag defs the fixture uses (idempotent). */
export async function createFixtureTagDefs(sql: Sql): Promise<void> {
  for (const name of TAGS)
    await sql.query("INSERT INTO core.tag_def (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", [name]);
}

/**
 * A throwaway cluster with the server on a loopback port, an org `bench` with its member (and the
 * member's actor) and the fixture's tag definitions: what the filter and Haystack benches start from.
 * The caller stops the server and destroys the cluster.
 */
export async function startFixture() {
  const cluster = await startCluster();
  try {
    const server = await startBenchServer(await createBenchDatabase(cluster));
    const sql = server.deps.dbs.primary;
    const { org, member } = await seedOrg(server.deps, { key: "bench" });
    const actor = (await actorForUser(sql, member.userId))!;
    await createFixtureTagDefs(sql);
    return { cluster, server, sql, org, member, actor };
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}
