// Exclusive OS lock on an embedded database directory. Two processes on one PGlite directory
// corrupt it for good, so the lock is taken before PGlite opens it. flock(2) locks belong to the
// open file description: the kernel releases them when the holder dies, even on SIGKILL, so a
// directory left behind by a killed process opens again without manual steps.
import { dlopen, FFIType } from "bun:ffi";
import { mkdirSync } from "node:fs";

const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_CLOEXEC = 0o2000000;
const LOCK_EX = 2;
const LOCK_NB = 4;

let libc: ReturnType<typeof openLibc> | undefined;
function openLibc() {
  return dlopen("libc.so.6", {
    open: { args: [FFIType.cstring, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols;
}

export class DirectoryLockedError extends Error {
  constructor(readonly dir: string) {
    super(
      `the embedded database in ${dir} is in use by another haystack-sim process; ` +
        "stop that server first, or use its web console and API",
    );
    this.name = "DirectoryLockedError";
  }
}

export interface DirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the exclusive lock `<dir>.lock` beside the data directory (creating the parent).
 * @throws DirectoryLockedError when another process (or another handle in this one) holds it.
 */
export function lockDirectory(dir: string): DirLock {
  libc ??= openLibc();
  const lib = libc;
  const clean = dir.replace(/\/+$/, "");
  const parent = clean.includes("/") ? clean.slice(0, clean.lastIndexOf("/")) || "/" : ".";
  mkdirSync(parent, { recursive: true });
  const path = `${clean}.lock`;
  const fd = lib.open(Buffer.from(`${path}\0`), O_RDWR | O_CREAT | O_CLOEXEC, 0o644);
  if (fd < 0) throw new Error(`cannot open lock file ${path}`);
  if (lib.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    lib.close(fd);
    throw new DirectoryLockedError(clean);
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      lib.close(fd);
    },
  };
}
