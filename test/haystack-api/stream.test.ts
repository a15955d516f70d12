// Streamed answers of the Haystack API: hisRead reads keyset pages per point and encodes them page
// by page, `read` sends its grid in chunks of rows. The text must not depend on where the pages
// and chunks are cut (single and batch forms, an id asked twice, points whose timestamps
// interleave, Bool and Str histories), over a listening socket the answer is chunked, and a
// database failure after the first bytes aborts the response (the client's read of the body
// fails) instead of ending a grid that parses but lacks rows. The failure is a real one: the
// org's history table is replaced by a view whose value column divides by zero past an instant.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Actor } from "../../src/access/actor.ts";
import { actorForUser } from "../../src/access/resolve.ts";
import {
  HDateTime,
  HNum,
  Ref,
  readJsonGrid,
  readZincGrid,
  writeJson,
  writeZincGrid,
} from "../../src/haystack/index.ts";
import { hisRead } from "../../src/haystack-api/his.ts";
import type { HaystackOrg } from "../../src/haystack-api/records.ts";
import type { GridStream } from "../../src/haystack-api/wire.ts";
import { type TestApp, testApp } from "../harness/app.ts";
import { type SeededOrg, seedOrg } from "../harness/auth.ts";
import { ENGINES } from "../harness/db.ts";
import { callOp } from "./client.ts";
import { insertEntities, insertHistory } from "./fixture.ts";

const Q = 15 * 60_000;
const T0 = Date.parse("2024-03-09T05:00:00Z"); // 2024-03-09 00:00 in New_York, before its DST change
const DAYS = 4;

const ENTITIES = [
  `{id:@s1 dis:"HQ" site tz:"New_York"}`,
  `{id:@p1 dis:"Zone Temp" point his kind:"Number" unit:"°F" tz:"New_York" siteRef:@s1}`,
  `{id:@p2 dis:"Fan" point his kind:"Bool" tz:"New_York" siteRef:@s1}`,
  `{id:@p3 dis:"Mode \\"é\\"" point his kind:"Str" tz:"New_York" siteRef:@s1}`,
  `{id:@big dis:"Meter" point his kind:"Number" unit:"kW" tz:"New_York" siteRef:@s1}`,
];

const joined = async (s: GridStream, format: "zinc" | "json") => {
  let text = "";
  for await (const piece of s.encode(format)) text += piece;
  return text;
};

describe.each(ENGINES)("streamed hisRead and read (%s)", (engine) => {
  let t: TestApp;
  let acme: SeededOrg;
  let actor: Actor;
  let org: HaystackOrg;
  let auth: string;
  let server: ReturnType<typeof Bun.serve>;
  let ids: Map<string, number>;

  beforeAll(async () => {
    t = await testApp(engine);
    acme = await seedOrg(t.deps, { key: "acme" });
    actor = (await actorForUser(t.dbs.primary, acme.member.userId))!;
    org = { id: acme.org.id, key: "acme", valueTable: "values_acme" };
    auth = `Bearer ${acme.member.token}`;
    ids = await insertEntities(t.dbs.primary, acme.org.id, ENTITIES);
    const rows = (n: number, step: number, off = 0) =>
      Array.from({ length: n }, (_, i): [number, number] => [T0 + off + i * step, i / 4]);
    await insertHistory(t.dbs.primary, "acme", ids.get("p1")!, rows((DAYS * 86_400_000) / Q, Q));
    // p2 every 10 minutes, p3 every 25 minutes, 5 minutes late: some instants shared, most not.
    const hist = 'core."values_acme"';
    await t.dbs.primary.query(
      `INSERT INTO ${hist} (entity_id, ts, value_b)
       SELECT $1, $2::timestamp + i * interval '10 minutes', i % 3 = 0 FROM generate_series(0, $3::int4) i`,
      [ids.get("p2")!, new Date(T0).toISOString().replace("Z", ""), (DAYS * 144) / 1 - 1],
    );
    await t.dbs.primary.query(
      `INSERT INTO ${hist} (entity_id, ts, value_s)
       SELECT $1, $2::timestamp + i * interval '25 minutes', 'mode "' || i || E'"\\n' FROM generate_series(0, $3::int4) i`,
      [
        ids.get("p3")!,
        new Date(T0 + 5 * 60_000).toISOString().replace("Z", ""),
        Math.floor((DAYS * 1440) / 25) - 1,
      ],
    );
    // More rows than a first page: 3,000 at one-minute steps.
    await insertHistory(t.dbs.primary, "acme", ids.get("big")!, rows(3000, 60_000));
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch });
  });

  afterAll(async () => {
    await server?.stop(true);
  });

  const read = (
    refs: string[],
    opts: { batch?: boolean; paging?: Parameters<typeof hisRead>[0]["paging"] },
  ) =>
    hisRead({
      deps: t.deps,
      actor,
      org,
      ids: refs.map((r) => new Ref(r)),
      range: "2024-03-09,2024-03-12",
      ...opts,
    });
  const TINY = { firstPageRows: 3, pageRows: 5, chunkRows: 7 };
  const WHOLE = { firstPageRows: 1_000_000, pageRows: 1_000_000, chunkRows: 1_000_000 };

  test.each([
    ["one point", ["p1"], false],
    ["one Str point, batch form", ["p3"], true],
    ["batch: Number, Bool, Str interleaved", ["p1", "p2", "p3"], true],
    ["batch: an id asked twice", ["p2", "p1", "p2"], true],
  ])("hisRead %s: the same bytes however the pages and chunks are cut", async (_n, refs, batch) => {
    for (const format of ["zinc", "json"] as const) {
      const whole = await joined(await read(refs, { batch, paging: WHOLE }), format);
      const tiny = await joined(await read(refs, { batch, paging: TINY }), format);
      const usual = await joined(await read(refs, { batch }), format);
      expect(tiny).toBe(whole);
      expect(usual).toBe(whole);
      const g = format === "zinc" ? readZincGrid(whole) : readJsonGrid(whole);
      // Written by the generic writers from the parsed grid: the same text again.
      expect(format === "zinc" ? writeZincGrid(g) : writeJson(g)).toBe(whole);
    }
  });

  test("hisRead batch: one row per instant of any point, each cell from its point", async () => {
    const text = await joined(await read(["p1", "p2", "p3"], { batch: true, paging: TINY }), "zinc");
    const g = readZincGrid(text);
    const instants = new Set<number>();
    for (let i = 0; i < (DAYS * 86_400_000) / Q; i++) instants.add(T0 + i * Q);
    for (let i = 0; i < DAYS * 144; i++) instants.add(T0 + i * 600_000);
    for (let i = 0; i < Math.floor((DAYS * 1440) / 25); i++) instants.add(T0 + 300_000 + i * 1_500_000);
    // The range ends at 2024-03-13 00:00 EDT, an hour before four days of UTC.
    const end = Date.parse("2024-03-13T04:00:00Z");
    const expected = [...instants].filter((i) => i < end).sort((a, b) => a - b);
    const ms = g.rows.map((r) => (r.ts as HDateTime).epochMs);
    expect(ms).toEqual(expected);
    const at = (t: number) => g.rows[ms.indexOf(t)]!;
    // 30 minutes: p1's 3rd row, p2's 4th (i % 3 = 0), p3's 2nd.
    expect(at(T0 + 2 * Q)).toMatchObject({ v0: new HNum(0.5, "°F"), v1: true, v2: 'mode "1"\n' });
    const tenMinutes = at(T0 + 600_000);
    expect(tenMinutes.v1).toBe(false);
    expect(tenMinutes.v0).toBeUndefined();
    expect(tenMinutes.v2).toBeUndefined();
  });

  test("over a socket: hisRead and read are chunked and parse whole", async () => {
    const res = await fetch(`${server.url}api/acme/hisRead?id=@big&range=2024-03-09,2024-03-11`, {
      headers: { authorization: auth },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/zinc; charset=utf-8");
    expect(res.headers.get("content-length")).toBeNull();
    const g = readZincGrid(await res.text());
    expect(g.rows.length).toBe(3000);
    expect((g.meta.id as Ref).id).toBe("big");
    const json = await fetch(`${server.url}api/acme/read?filter=point`, {
      headers: { authorization: auth, accept: "application/json" },
    });
    expect(json.headers.get("content-length")).toBeNull();
    const rows = readJsonGrid(await json.text()).rows;
    expect(rows.map((r) => (r.id as Ref).id).sort()).toEqual(["big", "p1", "p2", "p3"]);
    expect(rows.find((r) => (r.id as Ref).id === "big")!.curVal).toEqual(new HNum(2999 / 4, "kW"));
  });

  test("errors found before the first byte are still error grids", async () => {
    const r = await callOp(t.app, "acme", "hisRead", { auth, query: { id: "@nope", range: "today" } });
    expect(r.status).toBe(200);
    expect(r.grid!.meta.dis).toBe("unknown id @nope");
  });

  test("a database failure after the first bytes aborts the response", async () => {
    // Past the 2,500th minute a value of @big makes PostgreSQL raise division by zero: the first
    // page (2,048 rows) is read and sent, the second fails.
    const boomAt = new Date(T0 + 2500 * 60_000).toISOString().replace("Z", "");
    await t.dbs.primary.exec(`ALTER TABLE core."values_acme" RENAME TO "values_acme_real";
      CREATE VIEW core."values_acme" AS
        SELECT entity_id, ts, CASE WHEN ts >= '${boomAt}' THEN value_n / 0 ELSE value_n END AS value_n,
               value_b, value_s FROM core."values_acme_real"`);
    try {
      // The stream itself: the first piece comes, a later one throws.
      const pieces = (await read(["big"], {})).encode("zinc");
      const first = await pieces.next();
      expect(first.done).toBe(false);
      expect(readZincGrid(first.value as string).rows.length).toBe(2048);
      await expect(
        (async () => {
          for (;;) if ((await pieces.next()).done) break;
        })(),
      ).rejects.toThrow(/division by zero/);
      // Through the app (no socket): the body's read fails.
      const res = await t.app.request("/api/acme/hisRead?id=@big&range=2024-03-09,2024-03-11", {
        headers: { authorization: auth },
      });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      // A real client over a socket: status 200, then the connection ends without the last chunk.
      for (const accept of ["text/zinc", "application/json"]) {
        const sock = await fetch(`${server.url}api/acme/hisRead?id=@big&range=2024-03-09,2024-03-11`, {
          headers: { authorization: auth, accept },
        });
        expect(sock.status).toBe(200);
        await expect(sock.text()).rejects.toThrow();
      }
      // The server is still answering.
      const after = await callOp(t.app, "acme", "hisRead", {
        auth,
        query: { id: "@p1", range: "2024-03-09" },
      });
      expect(after.grid!.rows.length).toBe(96);
    } finally {
      await t.dbs.primary.exec(`DROP VIEW core."values_acme";
        ALTER TABLE core."values_acme_real" RENAME TO "values_acme"`);
    }
  });

  test("hisRead of a day holds the first point's zone offsets across page boundaries", async () => {
    const text = await joined(await read(["p1"], { paging: TINY }), "zinc");
    expect(text).toContain("2024-03-10T01:45:00-05:00 New_York");
    expect(text).toContain("2024-03-10T03:00:00-04:00 New_York");
    expect(readZincGrid(text).meta.hisStart).toEqual(
      HDateTime.parse("2024-03-09T00:00:00-05:00", "New_York"),
    );
  });
});
