// Unpacks a PGlite data-directory dump (`dumpDataDir("gzip")`: a gzip'd tar) straight onto disk.
// PGlite's own `loadDataDir` does the same through its emulated file system, which on a first
// start took seconds and left ~170 MB more resident than opening the same directory later; writing
// the files here first makes a first start an ordinary later start.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const BLOCK = 512;

/** One tar member: a file's bytes or a directory. */
interface Entry {
  readonly path: string;
  readonly dir: boolean;
  readonly mode: number;
  readonly data: Uint8Array;
}

function field(b: Uint8Array, at: number, len: number): string {
  const s = b.subarray(at, at + len);
  const end = s.indexOf(0);
  return new TextDecoder().decode(end < 0 ? s : s.subarray(0, end));
}

const octal = (b: Uint8Array, at: number, len: number) => Number.parseInt(field(b, at, len).trim() || "0", 8);

/**
 * The members of an uncompressed tar (ustar, with pax `path` records and GNU long names).
 * @throws on a member type other than file or directory, or a path leaving the archive's root.
 */
export function* tarEntries(tar: Uint8Array): Generator<Entry> {
  let at = 0;
  let longName: string | undefined;
  while (at + BLOCK <= tar.length) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((x) => x === 0)) return;
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] ?? 0);
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x" || type === "L") {
      const text = new TextDecoder().decode(data).replace(/\0+$/, "");
      longName = type === "L" ? text : (/(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? longName);
      continue;
    }
    if (type === "g") continue;
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    const path = name.replace(/^\/+/, "").replace(/\/+$/, "");
    if (path === "" || path === ".") continue;
    if (path.split("/").some((p) => p === "..")) throw new Error(`data directory dump: unsafe path ${name}`);
    if (type !== "0" && type !== "\0" && type !== "5")
      throw new Error(`data directory dump: unsupported member type "${type}" (${name})`);
    yield { path, dir: type === "5", mode: octal(h, 100, 8) & 0o7777, data };
  }
}

/**
 * Writes the dump `seed` as the data directory `dir`, which must be absent or empty. The files go
 * to `<dir>.seeding` first and that is renamed into place, so a crash meanwhile leaves no partial
 * directory behind (the next start unpacks it again).
 * @returns false (and writes nothing) when `dir` exists and is not empty.
 */
export async function unpackDataDir(seed: Blob, dir: string): Promise<boolean> {
  if (existsSync(dir) && readdirSync(dir).length > 0) return false;
  const tar = Bun.gunzipSync(new Uint8Array(await seed.arrayBuffer()));
  const tmp = `${dir}.seeding`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    for (const e of tarEntries(tar)) {
      const to = join(tmp, e.path);
      if (e.dir) mkdirSync(to, { recursive: true, mode: e.mode || 0o700 });
      else {
        mkdirSync(join(to, ".."), { recursive: true, mode: 0o700 });
        writeFileSync(to, e.data, { mode: e.mode || 0o600 });
      }
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return true;
}
