// The Haystack API over a listening server: filters and `read` at 10k and 100k entities, and
// hisRead of one point × one year out of a history table holding 1,000 points × a year (35 M rows).
// Every HTTP figure has its time to first byte and the server process's peak RSS over the request
// (the kernel's high-water mark, reset before each request: `/proc/self/clear_refs`); the server
// runs in this process, and the client only counts the bytes it receives. Baselines in the same
// run, interleaved with what they are the baseline of (A/B/A/B): hisRead beside the same keyset
// SELECTs through postgres.js (no encoding, no HTTP) and beside the one whole-range SELECT the
// unstreamed hisRead ran; `read` beside the generic writers (`writeZincGrid` / `writeJson`) over
// the same grid, in process.
//   bun bench/haystack.ts [runs]     (BENCH_HIS_POINTS=n: n points of history instead of 1,000;
//   BENCH_PARTS=filter,read,his: only these parts, "his" alone on 10k entities)
import { readFileSync, writeFileSync } from "node:fs";
import { entitiesWithout, filterEntityIds, firstTags } from "../src/catalog/read.ts";
import {
  type Dict,
  Grid,
  gridChunks,
  parseFilter,
  Ref,
  writeJson,
  writeZincGrid,
} from "../src/haystack/index.ts";
import { streamDicts } from "../src/haystack-api/ops.ts";
import { DICT_PAGE_ROWS, dictColumns, loadDicts, openDictReader } from "../src/haystack-api/records.ts";
import { gridOf } from "../src/haystack-api/watch.ts";
import { openHistory } from "../src/ingest/read.ts";
import { BLOCK, insertBlocks, startFixture } from "./entities.ts";
import { pct, printTable } from "./lib.ts";

const RUNS = Math.max(1, Number(process.argv[2] ?? 5));
/** Points with a year of history (BENCH_HIS_POINTS, for a quick try of the bench). */
const HIS_POINTS = Math.max(1, Number(process.env.BENCH_HIS_POINTS ?? 1000));
/** The parts to run (BENCH_PARTS, comma-separated; all by default). */
const PARTS = new Set((process.env.BENCH_PARTS ?? "filter,read,his").split(","));
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
const hwmMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;
/** Resets the peak RSS to the current RSS; returns the current RSS (MB). */
const resetPeak = () => {
  Bun.gc(true);
  writeFileSync("/proc/self/clear_refs", "5");
  return rssMb();
};

interface Sample {
  ms: number;
  ttfbMs: number;
  peakMb: number;
  bytes: number;
  rows: number;
}

const { cluster, server, sql, org, member, actor } = await startFixture();
try {
  /** One HTTP op: total and first-byte times, peak RSS growth, bytes and rows received. */
  const op = async (
    name: string,
    init: { query?: Record<string, string>; body?: Grid; accept: string },
  ): Promise<Sample> => {
    const qs = init.query ? `?${new URLSearchParams(init.query)}` : "";
    const body = init.body ? writeZincGrid(init.body) : undefined;
    const before = resetPeak();
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/bench/${name}${qs}`, {
      method: body ? "POST" : "GET",
      headers: {
        authorization: `Bearer ${member.token}`,
        accept: init.accept,
        ...(body ? { "content-type": "text/zinc" } : {}),
      },
      body,
    });
    const reader = res.body!.getReader();
    let ttfbMs = 0;
    let bytes = 0;
    let newlines = 0;
    let head = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (bytes === 0) ttfbMs = performance.now() - t0;
      if (head.length < 400) head += new TextDecoder().decode(value.subarray(0, 400));
      bytes += value.length;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) newlines++;
    }
    const ms = performance.now() - t0;
    const peakMb = hwmMb() - before;
    if (res.status !== 200 || head.includes("errTrace"))
      throw new Error(`${name}: ${res.status} ${head.slice(0, 300)}`);
    // Zinc: a row per line after the two header lines; JSON rows are counted by the caller.
    return { ms, ttfbMs, peakMb, bytes, rows: init.accept === ZINC ? newlines - 2 : -1 };
  };
  const ZINC = "text/zinc";
  const JSON_ = "application/json";

  const out: string[][] = [];
  const row = (what: string, size: string, s: Sample[] | number[], rows: number, extra = "") => {
    const ms = s.map((x) => (typeof x === "number" ? x : x.ms));
    const first = s[0];
    const http = typeof first === "object" ? (s as Sample[]) : undefined;
    out.push([
      what,
      size,
      rows.toLocaleString("en"),
      pct(ms, 50).toFixed(1),
      pct(ms, 99).toFixed(1),
      http
        ? pct(
            http.map((x) => x.ttfbMs),
            50,
          ).toFixed(1)
        : "",
      http ? Math.max(...http.map((x) => x.peakMb)).toFixed(1) : "",
      http ? `${(http[0]!.bytes / 1e6).toFixed(2)} MB` : extra,
    ]);
  };
  /** Runs the named fns interleaved (A, B, …, A, B, …) after one warm-up round each. */
  const interleaved = async <T>(fns: Record<string, () => Promise<T>>) => {
    const res: Record<string, T[]> = {};
    for (const [k, f] of Object.entries(fns)) {
      await f();
      res[k] = [];
    }
    for (let i = 0; i < RUNS; i++) for (const [k, f] of Object.entries(fns)) res[k]!.push(await f());
    return res;
  };
  const clock = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };

  const FILTERS = [
    "point and equipRef->ahuRef",
    'point and equipRef->ahuRef->dis == "AHU 7"',
    'point and equipRef->siteRef->dis == "Site 3" and curVal > 80°F',
    "vav and ahuRef == @b.ahu5.0",
  ];
  let blocks = 0;
  for (const target of PARTS.has("filter") || PARTS.has("read") ? [10_000, 100_000] : [10_000]) {
    const t0 = performance.now();
    await insertBlocks(sql, org.id, blocks, target / BLOCK);
    blocks = target / BLOCK;
    const [{ n } = { n: 0 }] = await sql.query<{ n: number }>(
      "SELECT count(*)::int4 AS n FROM core.org_entity_permission WHERE org_id = $1",
      [org.id],
    );
    console.error(
      `inserted up to ${n.toLocaleString("en")} entities in ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${loadavg()})`,
    );
    const size = `${n.toLocaleString("en")} entities`;
    for (const f of PARTS.has("filter") ? FILTERS : []) {
      const ast = parseFilter(f);
      let found = 0;
      const r = await interleaved({
        f: () =>
          clock(async () => {
            found = (await filterEntityIds(sql, actor, org.id, ast, {})).length;
          }),
      });
      row(`filter SQL: ${f}`, size, r.f!, found);
    }
    if (!PARTS.has("read")) continue;
    // read of every entity (up to the op's 100,000-row limit) in process: its SQL steps once, then
    // its encoding by the generic writers beside gridChunks over the same grid. Over HTTP, 10,000 of
    // them, and all of them (streamed).
    const all = Math.min(n, 100_000);
    const bench = { id: org.id, key: "bench", valueTable: "values_bench" };
    let ids: number[] = [];
    const idsMs = await clock(async () => {
      ids = await filterEntityIds(sql, actor, org.id, parseFilter("id"), { limit: all });
    });
    let dicts = new Map<number, Dict>();
    const dictsMs = await clock(async () => {
      dicts = await loadDicts(sql, ids, bench, actor);
    });
    row("read in process: filterEntityIds(id), 1 run", size, [idsMs], ids.length);
    row("read in process: loadDicts (tags, curVal), 1 run", size, [dictsMs], dicts.size);
    const grid = gridOf(ids.map((id) => dicts.get(id) ?? {}));
    const chunks = (format: "zinc" | "json") => {
      let bytes = 0;
      for (const piece of gridChunks(format, grid)) bytes += piece.length;
      return bytes;
    };
    const enc = await interleaved({
      genericZinc: () => clock(async () => writeZincGrid(grid)),
      chunksZinc: () => clock(async () => chunks("zinc")),
      genericJson: () => clock(async () => writeJson(grid)),
      chunksJson: () => clock(async () => chunks("json")),
    });
    row("read baseline: writeZincGrid of that grid", size, enc.genericZinc!, ids.length);
    row("read: gridChunks Zinc of the same grid", size, enc.chunksZinc!, ids.length);
    row("read baseline: writeJson of that grid", size, enc.genericJson!, ids.length);
    row("read: gridChunks JSON of the same grid", size, enc.chunksJson!, ids.length);
    const http = await interleaved({
      zinc: () => op("read", { query: { filter: "id", limit: "10000" }, accept: ZINC }),
      json: () => op("read", { query: { filter: "id", limit: "10000" }, accept: JSON_ }),
    });
    row("HTTP read filter id, limit 10,000 (Zinc)", size, http.zinc!, http.zinc![0]!.rows);
    row("HTTP read filter id, limit 10,000 (JSON)", size, http.json!, 10_000);
    // The column pass of the streamed read (`dictColumns`) beside the one read of the tag rows it
    // makes (`firstTags` alone) and beside the pass as it was before (`firstTags`, then the points
    // without a `curVal` tag among all the ids, then their current values page by page), interleaved.
    const reader = await openDictReader(sql, bench, actor);
    let colsNow: string[] = [];
    let colsBefore: string[] = [];
    const cols = await interleaved({
      tagsOnly: () => clock(() => firstTags(sql, ids, reader.visibleTo)),
      now: () =>
        clock(async () => {
          colsNow = await dictColumns(sql, ids, reader);
        }),
      before: () =>
        clock(async () => {
          const tags = await firstTags(sql, ids, reader.visibleTo);
          const points = await entitiesWithout(sql, ids, "point", "curVal", reader.visibleTo);
          for (let from = 0; from < points.length && reader.current; from += DICT_PAGE_ROWS) {
            const rows = await reader.current(points.slice(from, from + DICT_PAGE_ROWS));
            if (rows.some((r) => r.value_n !== null || r.value_b !== null || r.value_s !== null)) break;
          }
          colsBefore = tags.map((t) => t.name);
        }),
    });
    if (colsNow.length < colsBefore.length) throw new Error("read: the column pass lost columns");
    row("read baseline: firstTags alone (one read of the tag rows)", size, cols.tagsOnly!, ids.length);
    row("read baseline: the column pass before (tags read twice)", size, cols.before!, ids.length);
    row("read: dictColumns, the column pass", size, cols.now!, ids.length);
    // The whole read streamed page by page (`streamDicts`: the columns' SQL pass, then 1,000 dicts
    // at a time) beside the whole-grid path it replaced (every dict loaded, then encoded), in
    // process and interleaved; then the same read over HTTP with its time to first byte.
    let firstPieceMs = 0;
    let wholeBytes = 0;
    let streamedBytes = 0;
    const streamed = async () => {
      const t0 = performance.now();
      let bytes = 0;
      for await (const piece of (await streamDicts(sql, ids, bench, actor)).encode("zinc")) {
        if (bytes === 0) firstPieceMs = performance.now() - t0;
        bytes += piece.length;
      }
      streamedBytes = bytes;
      return performance.now() - t0;
    };
    const wholeGrid = async () => {
      const t0 = performance.now();
      const d = await loadDicts(sql, ids, bench, actor);
      let bytes = 0;
      for (const piece of gridChunks("zinc", gridOf(ids.map((id) => d.get(id) ?? {})))) bytes += piece.length;
      wholeBytes = bytes;
      return performance.now() - t0;
    };
    const firsts: number[] = [];
    const inProcess = await interleaved({
      whole: wholeGrid,
      streamed: async () => {
        const ms = await streamed();
        firsts.push(firstPieceMs);
        return ms;
      },
    });
    if (wholeBytes !== streamedBytes)
      throw new Error(`read: ${streamedBytes} B streamed, ${wholeBytes} B whole`);
    row("read baseline: loadDicts of all, then gridChunks Zinc (before)", size, inProcess.whole!, ids.length);
    row("read: streamDicts Zinc, page by page", size, inProcess.streamed!, ids.length);
    row("read: streamDicts, its first piece (header)", size, firsts.slice(1), ids.length);
    const httpAll = await interleaved({
      zinc: () => op("read", { query: { filter: "id", limit: String(all) }, accept: ZINC }),
    });
    row(
      `HTTP read filter id, all ${all.toLocaleString("en")} (Zinc)`,
      size,
      httpAll.zinc!,
      httpAll.zinc![0]!.rows,
    );
    console.error(`read rows done at ${size} (load ${loadavg()})`);
  }

  // read of 5,000 points by ids.
  if (PARTS.has("read")) {
    const idRows = await sql.query<{ value_s: string }>(
      `SELECT t.value_s FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id AND d.name = 'id'
      WHERE t.value_s LIKE 'b.p%' ORDER BY t.entity_id LIMIT 5000`,
    );
    const byIds = Grid.fromRows(idRows.map((r) => ({ id: new Ref(r.value_s) })));
    const byId = await interleaved({
      zinc: () => op("read", { body: byIds, accept: ZINC }),
      json: () => op("read", { body: byIds, accept: JSON_ }),
    });
    row("HTTP read 5,000 points by ids (Zinc)", "100k entities", byId.zinc!, byId.zinc![0]!.rows);
    row("HTTP read 5,000 points by ids (JSON)", "100k entities", byId.json!, idRows.length);
  }

  // History: 1,000 points × one year at 15 minutes (New_York), written set-based in entity order.
  const t1 = performance.now();
  const points = await sql.query<{ entity_id: number; hid: string }>(
    `SELECT t.entity_id, t.value_s AS hid FROM core.entity_tag t JOIN core.tag_def d ON d.id = t.tag_id AND d.name = 'id'
      WHERE t.value_s LIKE 'b.p%' ORDER BY t.value_s = 'b.p0.10' DESC, t.entity_id LIMIT $1`,
    [HIS_POINTS],
  );
  const target = points[0]!;
  if (target.hid !== "b.p0.10") throw new Error("fixture point b.p0.10 missing");
  for (let i = 0; i < points.length; i += 50) {
    if (i % 250 === 0)
      console.error(`  history of points ${i}… (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
    await sql.query(
      `INSERT INTO core."values_bench" (entity_id, ts, value_n)
       SELECT e, g, 70 + 10 * sin(extract(epoch FROM g) / 86400.0 * 2 * pi() + e)
         FROM unnest($1::int4[]) e,
              generate_series('2025-01-01 05:00'::timestamp, '2026-01-01 04:45'::timestamp, interval '15 minutes') g
        ORDER BY e, g`,
      [points.slice(i, i + 50).map((p) => p.entity_id)],
    );
  }
  await sql.exec('VACUUM ANALYZE core."values_bench"');
  const [{ c } = { c: 0 }] = await sql.query<{ c: number }>(
    'SELECT count(*)::int4 AS c FROM core."values_bench"',
  );
  console.error(
    `history: ${c.toLocaleString("en")} rows of ${points.length} points in ${((performance.now() - t1) / 1000).toFixed(0)} s (load ${loadavg()})`,
  );

  const start = Date.parse("2025-01-01T05:00:00Z");
  const end = Date.parse("2026-01-01T05:00:00Z");
  const pages = (await openHistory(sql, "values_bench"))!;
  let pageRows = 0;
  let wholeRows = 0;
  const wholeSelect = () =>
    sql.query(
      `SELECT entity_id, ts, value_n, value_b, value_s FROM core."values_bench"
        WHERE entity_id = ANY($1::int4[]) AND ts >= $2::timestamp AND ts < $3::timestamp
        ORDER BY ts, entity_id LIMIT $4`,
      [[target.entity_id], "2025-01-01 05:00:00", "2026-01-01 05:00:00", 1_000_001],
    );
  const his = await interleaved<number | Sample>({
    // The keyset pages hisRead reads (2,048 rows, then 16,384 at a time), one after the other.
    pages: () =>
      clock(async () => {
        pageRows = 0;
        let after: number | undefined;
        let limit = 2048;
        for (;;) {
          const rows = await pages.page(target.entity_id, { from: start, end, after }, limit);
          pageRows += rows.length;
          if (rows.length < limit) break;
          after = rows[rows.length - 1]!.ts.getTime();
          limit = 16_384;
        }
      }),
    // The one SELECT of the whole range the unstreamed hisRead ran.
    whole: () =>
      clock(async () => {
        wholeRows = (await wholeSelect()).length;
      }),
    zinc: () => op("hisRead", { query: { id: "@b.p0.10", range: "2025-01-01,2025-12-31" }, accept: ZINC }),
    json: () => op("hisRead", { query: { id: "@b.p0.10", range: "2025-01-01,2025-12-31" }, accept: JSON_ }),
    // A week, to compare the server's peak RSS with the year's: streamed, they should be close.
    week: () => op("hisRead", { query: { id: "@b.p0.10", range: "2025-06-01,2025-06-07" }, accept: ZINC }),
  });
  const wholePeak = async () => {
    const before = resetPeak();
    await wholeSelect();
    return hwmMb() - before;
  };
  const size = `1 of ${points.length.toLocaleString("en")} points`;
  row("hisRead baseline: its keyset page SELECTs via postgres.js", size, his.pages as number[], pageRows);
  row(
    "hisRead baseline: the whole-range SELECT via postgres.js",
    size,
    his.whole as number[],
    wholeRows,
    `peak +${(await wholePeak()).toFixed(1)} MB`,
  );
  row("HTTP hisRead one year (Zinc)", size, his.zinc as Sample[], (his.zinc![0] as Sample).rows);
  row("HTTP hisRead one year (JSON)", size, his.json as Sample[], pageRows);
  row("HTTP hisRead one week (Zinc)", size, his.week as Sample[], (his.week![0] as Sample).rows);

  console.log(
    `${RUNS} timed runs per figure after one warm-up, interleaved; loopback; PostgreSQL ${cluster.port}; load ${loadavg()}`,
  );
  printTable(["what", "data", "rows", "p50 ms", "p99 ms", "TTFB p50", "peak RSS +MB", "size"], out);
  await server.stop();
} finally {
  await cluster.destroy();
}
