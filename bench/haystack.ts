import { filterEntityIds } from "../src/catalog/read.ts";
import { Grid, parseFilter, Ref, writeZincGrid } from "../src/haystack/index.ts";
import { BLOCK, insertBlocks, startFixture } from "./entities.ts";
import { printTable, timed as timedRuns } from "./lib.ts";

const RUNS = Math.max(1, Number(process.argv[2] ?? 7));
const timed = <T>(fn: () => Promise<T>) => timedRuns(RUNS, fn);

const { cluster, server, sql, org, member, actor } = await startFixture();
try {
  const op = async (name: string, init: { query?: Record<string, string>; body?: Grid; accept: string }) => {
    const qs = init.query ? `?${new URLSearchParams(init.query)}` : "";
    const res = await fetch(`${server.url}/api/bench/${name}${qs}`, {
      method: init.body ? "POST" : "GET",
      headers: {
        authorization: `Bearer ${member.token}`,
        accept: init.accept,
        ...(init.body ? { "content-type": "text/zinc" } : {}),
      },
      body: init.body ? writeZincGrid(init.body) : undefined,
    });
    const text = await res.text();
    if (res.status !== 200 || text.includes("errTrace"))
      throw new Error(`${name}: ${res.status} ${text.slice(0, 300)}`);
    return text;
  };
  const ZINC = "text/zinc";
  const JSON_ = "application/json";
  const rowsIn = (text: string, accept: string) =>
    accept === ZINC
      ? text.trimEnd().split("\n").length - 2
      : (JSON.parse(text) as { rows: unknown[] }).rows.length;

  const out: string[][] = [];
  const row = (what: string, size: string, rows: number, t: { p50: number; p99: number }, bytes = "") =>
    out.push([what, size, rows.toLocaleString("en"), t.p50.toFixed(1), t.p99.toFixed(1), bytes]);

  const FILTERS = [
    "point and equipRef->ahuRef",
    'point and equipRef->ahuRef->dis == "AHU 7"',
    'point and equipRef->siteRef->dis == "Site 3" and curVal > 80°F',
    "vav and ahuRef == @b.ahu5.0",
  ];
  let blocks = 0;
  for (const target of [10_000, 100_000]) {
    const t0 = performance.now();
    await insertBlocks(sql, org.id, blocks, target / BLOCK);
    blocks = target / BLOCK;
    const [{ n } = { n: 0 }] = await sql.query<{ n: number }>(
      "SELECT count(*)::int4 AS n FROM core.org_entity_permission WHERE org_id = $1",
      [org.id],
    );
    console.error(
      `inserted up to ${n.toLocaleString("en")} entities in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const size = `${n.toLocaleString("en")} entities`;
    for (const f of FILTERS) {
      const ast = parseFilter(f);
      const t = await timed(() => filterEntityIds(sql, actor, org.id, ast, {}));
      row(`filter SQL: ${f}`, size, t.last.length, t);
    }
    const http = await timed(() =>
      op("read", { query: { filter: FILTERS[0]!, limit: "1000" }, accept: ZINC }),
    );
    row(`HTTP read (limit 1000, Zinc): ${FILTERS[0]}`, size, rowsIn(http.last, ZINC), http);
  }

  // One year of one point at 15 minutes (New_York), written set-based.
  const [p] = await sql.query<{ entity_id: number }>(
    "SELECT entity_id FROM core.entity_tag WHERE value_s = 'b.p0.10' AND value_kind = 'Ref'",
  );
  await sql.query(
    `INSERT INTO core."values_bench" (entity_id, ts, value_n)
     SELECT $1, g, 70 + 10 * sin(extract(epoch FROM g) / 86400.0 * 2 * pi())
       FROM generate_series('2025-01-01 05:00'::timestamp, '2026-01-01 04:45'::timestamp, interval '15 minutes') g`,
    [p!.entity_id],
  );
  // The baseline: the same SELECT hisRead runs (ingest/read.ts readHistoryRows), through the same
  // postgres.js pool, without encoding or HTTP.
  const raw = await timed(() =>
    sql.query(
      `SELECT entity_id, ts, value_n, value_b, value_s FROM core."values_bench"
        WHERE entity_id = ANY($1::int4[]) AND ts >= $2::timestamp AND ts < $3::timestamp
        ORDER BY ts, entity_id LIMIT $4`,
      [[p!.entity_id], "2025-01-01 05:00:00", "2026-01-01 05:00:00", 1_000_001],
    ),
  );
  row("hisRead baseline: its SELECT via postgres.js", "1 point", raw.last.length, raw);
  for (const accept of [ZINC, JSON_]) {
    const t = await timed(() =>
      op("hisRead", { query: { id: "@b.p0.10", range: "2025-01-01,2025-12-31" }, accept }),
    );
    row(
      `hisRead one year (${accept})`,
      "1 point",
      rowsIn(t.last, accept),
      t,
      `${(t.last.length / 1e6).toFixed(2)} MB`,
    );
  }

  // read of 5,000 points: by filter (limit) and by ids.
  const ids = (await filterEntityIds(sql, actor, org.id, parseFilter("point"), { limit: 5000 })).length;
  const idRows = await sql.query<{ value_s: string }>(
    `SELECT t.value_s FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id AND d.name = 'id'
      WHERE t.value_s LIKE 'b.p%' ORDER BY t.entity_id LIMIT 5000`,
  );
  const byIds = Grid.fromRows(idRows.map((r) => ({ id: new Ref(r.value_s) })));
  for (const accept of [ZINC, JSON_]) {
    const t = await timed(() => op("read", { query: { filter: "point", limit: "5000" }, accept }));
    row(
      `read 5,000 points by filter (${accept})`,
      `${ids} pts`,
      rowsIn(t.last, accept),
      t,
      `${(t.last.length / 1e6).toFixed(2)} MB`,
    );
    const u = await timed(() => op("read", { body: byIds, accept }));
    row(
      `read 5,000 points by ids (${accept})`,
      `${idRows.length} ids`,
      rowsIn(u.last, accept),
      u,
      `${(u.last.length / 1e6).toFixed(2)} MB`,
    );
  }

  console.log(`${RUNS} timed runs per figure after one warm-up; loopback; PostgreSQL ${cluster.port}`);
  printTable(["what", "data", "rows", "p50 ms", "p99 ms", "size"], out);
  await server.stop();
} finally {
  await cluster.destroy();
}
