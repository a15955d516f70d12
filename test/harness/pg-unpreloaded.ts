// A PostgreSQL build that offers a `timescaledb` extension whose CREATE EXTENSION ends the session,
// as a real TimescaleDB does when it is installed but not in shared_preload_libraries (`FATAL:
// extension "timescaledb" must be preloaded`): the connection dies, which no PL/pgSQL exception
// handler can catch. Made from the installed server: PostgreSQL finds its share directory relative
// to its own executable, so copies of initdb, pg_ctl and postgres beside a copy of the share
// directory (plus the stand-in extension's control and script files) form a relocated build.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { binDir } from "./pg.ts";

export interface RelocatedBuild {
  /** Pass as `startCluster({ bin })`. */
  readonly bin: string;
  remove(): void;
}

/** The version the stand-in offers in pg_available_extensions. */
export const STAND_IN_VERSION = "2.99.0";

export function unpreloadedTimescaleBuild(): RelocatedBuild {
  const realBin = binDir();
  const config = (flag: string) => {
    const p = Bun.spawnSync([join(realBin, "pg_config"), flag]);
    if (p.exitCode !== 0) throw new Error(`pg_config ${flag} failed`);
    return p.stdout.toString().trim();
  };
  const [bindir, sharedir, pkglibdir] = [config("--bindir"), config("--sharedir"), config("--pkglibdir")];
  const root = mkdtempSync(join(tmpdir(), "hs-pgbuild-"));
  chmodSync(root, 0o755);
  // The same layout relative to root as the real one has relative to /: the server derives its
  // share and library directories from where its executable is.
  const bin = join(root, bindir);
  mkdirSync(bin, { recursive: true });
  for (const exe of ["initdb", "pg_ctl", "postgres"]) cpSync(join(realBin, exe), join(bin, exe));
  cpSync(sharedir, join(root, sharedir), { recursive: true });
  mkdirSync(dirname(join(root, pkglibdir)), { recursive: true });
  if (!existsSync(join(root, pkglibdir))) symlinkSync(pkglibdir, join(root, pkglibdir));
  const ext = join(root, sharedir, "extension");
  writeFileSync(
    join(ext, "timescaledb.control"),
    `comment = 'stand-in for a TimescaleDB installed but not preloaded'\ndefault_version = '${STAND_IN_VERSION}'\nrelocatable = false\n`,
  );
  writeFileSync(
    join(ext, `timescaledb--${STAND_IN_VERSION}.sql`),
    "SELECT pg_terminate_backend(pg_backend_pid());\n",
  );
  Bun.spawnSync(["chmod", "-R", "a+rX", root]);
  return { bin, remove: () => rmSync(root, { recursive: true, force: true }) };
}
