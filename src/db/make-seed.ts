// Build step: writes a freshly initialised PGlite cluster with every migration applied (building
// and state scopes, as the embedded primary holds both) as a gzip'd data directory to the given
// path. `bun run build` embeds it in the executable, where it replaces the initdb (4-5 s) and the
// migrations (1-3 s) of a first start on an empty directory (see `embeddedSeed` in connect.ts).
// The migrations are the ones this executable carries, so a start on the seed finds them applied.
import { openDatabase } from "./connect.ts";
import { migrate } from "./migrate.ts";

const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: bun src/db/make-seed.ts <out.tar.gz>\n");
  process.exit(2);
}
const db = await openDatabase({ key: "seed", url: "pglite://memory" });
try {
  await migrate(db, "building");
  await migrate(db, "state");
  // Leaves the smallest data directory: no dead rows, a checkpoint just taken.
  await db.exec("VACUUM");
  await db.exec("CHECKPOINT");
  const blob = await db.dumpDataDir!();
  await Bun.write(out, blob);
  process.stdout.write(`wrote ${out} (${blob.size} bytes)\n`);
} finally {
  await db.close();
}
