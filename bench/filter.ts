import { filterEntityIds, filterEntityIdsByStatements, filterEntityIdsQuery } from "../src/catalog/read.ts";
import type { Sql } from "../src/db/index.ts";
import { parseFilter } from "../src/haystack/index.ts";
import { BLOCK, insertBlocks, startFixture } from "./entities.ts";
import { printTable, timed as timedRuns } from "./lib.ts";

const RUNS = Math.max(1, Number(process.argv[2] ?? 7));
/** Org sizes, each grown from the one before (`BENCH_SIZES=1000,10000`); 1k is below the prefix's org size. */
const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const timed = <T>(fn: () => Promise<T>) => timedRuns(RUNS, fn);

const tagId = (name: string) => `(SELECT id FROM core.tag_def WHERE name = '${name}')`;
const active = (t: string, name: string) => `${t}.tag_id = ${tagId(name)} AND ${t}.disabled_ts IS NULL`;

/** Hand-written joins of the same filters, without access checks (ids, ordered). */
const HAND: Record<string, string> = {
  "point and equipRef->ahuRef": `SELECT DISTINCT p.entity_id FROM core.entity_tag p
      JOIN core.entity_tag er ON er.entity_id = p.entity_id AND ${active("er", "equipRef")}
      JOIN core.entity_tag ar ON ar.entity_id = er.value_ref AND ${active("ar", "ahuRef")}
     WHERE ${active("p", "point")} ORDER BY 1`,
  "vav and ahuRef == @b.ahu5.0": `SELECT v.entity_id FROM core.entity_tag v
      JOIN core.entity_tag r ON r.entity_id = v.entity_id AND ${active("r", "ahuRef")}
      JOIN core.entity_tag i ON i.entity_id = r.value_ref AND ${active("i", "id")} AND i.value_s = 'b.ahu5.0'
     WHERE ${active("v", "vav")} ORDER BY 1`,
  site: `SELECT s.entity_id FROM core.entity_tag s WHERE ${active("s", "site")} ORDER BY 1`,
};
const FILTERS = [
  "point and equipRef->ahuRef",
  'point and equipRef->ahuRef->dis == "AHU 7"',
  'point and equipRef->siteRef->dis == "Site 3" and curVal > 80°F',
  "vav and ahuRef == @b.ahu5.0",
  "site",
  "point and not curVal",
];

async function grants(sql: Sql, userId: number): Promise<void> {
  await sql.query(
    `INSERT INTO core.user_entity_rev_permission (user_id, entity_id)
     SELECT $1::int4, t.entity_id FROM core.entity_tag t WHERE ${active("t", "point")} AND t.entity_id % 100 = 11
     ON CONFLICT DO NOTHING`,
    [userId],
  );
  // Entities of no org granted to the user alone (they match `point` but have no equipRef).
  await sql.query(
    `WITH e AS (INSERT INTO core.entity (id) SELECT nextval(pg_get_serial_sequence('core.entity', 'id'))
                  FROM generate_series(1, 100) RETURNING id),
          g AS (INSERT INTO core.user_entity_add_permission (user_id, entity_id) SELECT $1::int4, id FROM e)
     INSERT INTO core.entity_tag (entity_id, tag_id, value_kind) SELECT id, ${tagId("point")}, 'Marker' FROM e`,
    [userId],
  );
  await sql.exec("ANALYZE core.user_entity_rev_permission; ANALYZE core.user_entity_add_permission");
}

const { cluster, server, sql, org, member, actor } = await startFixture();
try {
  const out: string[][] = [];
  let blocks = 0;
  for (const target of SIZES) {
    const t0 = performance.now();
    await insertBlocks(sql, org.id, blocks, target / BLOCK);
    blocks = target / BLOCK;
    if (target === SIZES[0]) await grants(sql, member.userId);
    // As autovacuum leaves a table after a bulk insert: statistics and the visibility map, which
    // index-only scans need (the planner costs them as heap fetches without it).
    await sql.exec("VACUUM (ANALYZE) core.entity, core.entity_tag, core.org_entity_permission");
    console.error(
      `inserted ${target.toLocaleString("en")} entities in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const size = `${(target / 1000).toFixed(0)}k`;
    for (const f of FILTERS) {
      const ast = parseFilter(f);
      const ours = await timed(() => filterEntityIds(sql, actor, org.id, ast, {}));
      const hand = HAND[f];
      const base = hand ? await timed(() => sql.query<{ entity_id: number }>(hand)) : undefined;
      out.push([
        f,
        size,
        ours.last.length.toLocaleString("en"),
        ours.p50.toFixed(1),
        ours.p99.toFixed(1),
        base ? base.last.length.toLocaleString("en") : "",
        base ? base.p50.toFixed(1) : "",
        base ? (ours.p50 / base.p50).toFixed(2) : "",
      ]);
      // `limit 100` (a prefix first, `filterEntityIds`), beside its same-run baseline: the one
      // statement with LIMIT on the merge (the path before; still that of unlimited and large
      // pages and of a short prefix).
      const limited = await timed(() => filterEntityIds(sql, actor, org.id, ast, { limit: 100 }));
      const q = await filterEntityIdsQuery(sql, actor, org.id, ast, { limit: 100 });
      const one = await timed(() => sql.query<{ id: number }>(q.text, q.params));
      const same = JSON.stringify(limited.last) === JSON.stringify(one.last.map((r) => r.id));
      out.push([
        `  limit 100${same ? "" : " (DIFFERENT ROWS)"}`,
        size,
        limited.last.length.toLocaleString("en"),
        limited.p50.toFixed(1),
        limited.p99.toFixed(1),
        "",
        "",
        "",
      ]);
      // The path before in the same run: the grant rank, the prefix and, when short, the one
      // statement, each its own round trip.
      const before = await timed(() => filterEntityIdsByStatements(sql, actor, org.id, ast, { limit: 100 }));
      const sameBefore = JSON.stringify(limited.last) === JSON.stringify(before.last);
      out.push([
        `  limit 100, separate statements (ratio: limit 100 ÷ it)${sameBefore ? "" : " (DIFFERENT ROWS)"}`,
        size,
        before.last.length.toLocaleString("en"),
        before.p50.toFixed(1),
        before.p99.toFixed(1),
        "",
        "",
        (limited.p50 / before.p50).toFixed(2),
      ]);
      out.push([
        `  limit 100, one statement (ratio: limit 100 ÷ it)`,
        size,
        one.last.length.toLocaleString("en"),
        one.p50.toFixed(1),
        one.p99.toFixed(1),
        "",
        "",
        (limited.p50 / one.p50).toFixed(2),
      ]);
      if (process.env.EXPLAIN && f === FILTERS[0]) {
        const q = await filterEntityIdsQuery(sql, actor, org.id, ast, {});
        const plan = await sql.query<{ "QUERY PLAN": string }>(
          `EXPLAIN (ANALYZE, BUFFERS) ${q.text}`,
          q.params,
        );
        console.error(plan.map((r) => r["QUERY PLAN"]).join("\n"));
      }
    }
  }
  const load = (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ");
  console.log(`${RUNS} timed runs per figure after one warm-up; org member; load ${load}`);
  printTable(["filter", "entities", "rows", "p50 ms", "p99 ms", "join rows", "join p50", "ratio"], out);
  await server.stop();
} finally {
  await cluster.destroy();
}
