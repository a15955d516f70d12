// The Dockerfile, docker-compose.yaml and railway.json cannot be built or run here (no Docker
// engine). This checks them as far as the machine allows: they parse, they name files that
// exist, they start the binary the way the tests do, and the binary runs with the image's
// environment as an unprivileged user (as the image's USER does).
import { afterAll, expect, test } from "bun:test";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { startServe } from "../harness/proc.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const read = (f: string) => Bun.file(join(ROOT, f)).text();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("Dockerfile: multi-stage, copies files that exist, runs the compiled binary as non-root with a healthcheck", async () => {
  const df = await read("Dockerfile");
  const froms = [...df.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\w+))?/gim)].map((m) => m[1]);
  expect(froms.length).toBe(2);
  expect(froms[0]).toMatch(/^oven\/bun:1\.4\.5-debian$/);
  expect(froms[1]).toBe("debian:bookworm-slim");
  for (const m of df.matchAll(/^COPY\s+(?!--from)(.+)\s+\S+$/gm))
    for (const src of m[1]!.trim().split(/\s+/))
      expect(existsSync(join(ROOT, src)), `COPY ${src}`).toBe(true);
  const pkg = JSON.parse(await read("package.json"));
  expect(df).toContain("RUN bun run build");
  expect(pkg.scripts.build).toContain("--outfile dist/haystack-sim");
  expect(df).toContain("COPY --from=build /src/dist/haystack-sim /usr/local/bin/haystack-sim");
  expect(df).toMatch(/^USER haystack$/m);
  expect(df).toMatch(/HEALTHCHECK[\s\S]*\/health/);
  expect(df).toContain('ENTRYPOINT ["/usr/local/bin/haystack-sim"]');
  expect(df).toContain('CMD ["serve"]');
  const dockerignore = await read(".dockerignore");
  for (const x of ["node_modules", "dist", "data"]) expect(dockerignore).toContain(x);
});

test("docker-compose.yaml: the app waits for a healthy TimescaleDB and gets DATABASE_URL", async () => {
  const c = parse(await read("docker-compose.yaml"));
  expect(c.services.timescaledb.image).toMatch(/^timescale\/timescaledb:/);
  expect(c.services.timescaledb.healthcheck.test.join(" ")).toContain("pg_isready");
  expect(c.services.app.depends_on.timescaledb.condition).toBe("service_healthy");
  expect(c.services.app.environment.DATABASE_URL).toMatch(/^postgres:\/\/.+@timescaledb:5432\//);
  expect(c.services.app.ports).toContain("8080:8080");
});

test("railway.json: Dockerfile build, /health healthcheck, restart policy, same start command", async () => {
  const r = JSON.parse(await read("railway.json"));
  expect(r.build).toEqual({ builder: "DOCKERFILE", dockerfilePath: "Dockerfile" });
  expect(r.deploy.healthcheckPath).toBe("/health");
  expect(r.deploy.restartPolicyType).toBe("ON_FAILURE");
  expect(r.deploy.startCommand).toBe("/usr/local/bin/haystack-sim serve");
});

test("the binary runs with the image's environment as an unprivileged user", async () => {
  const bin = join(ROOT, "dist", "haystack-sim");
  if (!existsSync(bin)) {
    const b = Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT });
    expect(b.exitCode).toBe(0);
  }
  const data = mkdtempSync(join(tmpdir(), "hs-image-"));
  dirs.push(data);
  const asRoot = process.getuid?.() === 0;
  let cmd = [bin];
  if (asRoot) {
    const uid = Number(Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString().trim());
    const gid = Number(Bun.spawnSync(["id", "-g", "nobody"]).stdout.toString().trim());
    chownSync(data, uid, gid);
    cmd = ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", bin];
  }
  const s = await startServe({ cmd, cwd: data, env: { DATA_DIR: data, LOG_FORMAT: "json", DEMO: "false" } });
  try {
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const line = s
      .logs()
      .split("\n")
      .find((l) => l.includes('"listening"'));
    expect(JSON.parse(line!)).toMatchObject({ level: "info", msg: "listening" });
  } finally {
    s.proc.kill("SIGTERM");
    expect(await s.proc.exited).toBe(0);
  }
}, 120_000);
