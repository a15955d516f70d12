// Build step: writes a freshly initialised, empty PGlite cluster (gzip'd data directory) to the
// given path. `bun run build` embeds it in the executable, where it replaces the 4-5 s initdb of
// a first start on an empty directory (see `embeddedSeed` in connect.ts).
import { openDatabase } from "./connect.ts";

const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: bun src/db/make-seed.ts <out.tar.gz>\n");
  process.exit(2);
}
const db = await openDatabase({ key: "seed", url: "pglite://memory" });
try {
  const blob = await db.dumpDataDir!();
  await Bun.write(out, blob);
  process.stdout.write(`wrote ${out} (${blob.size} bytes)\n`);
} finally {
  await db.close();
}
