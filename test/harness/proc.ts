// Runs the CLI (source or compiled binary) as a child process, as an operator would.
import type { Subprocess } from "bun";
import { freePort } from "./pg.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
export const MAIN = `${ROOT}src/main.ts`;

export interface ServerProcess {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  readonly url: string;
  readonly port: number;
  /** Everything the process wrote to stderr so far (logs). */
  logs(): string;
}

/** The command that runs the CLI from source. */
export const sourceCommand = (): string[] => [process.execPath, MAIN];

function collect(stream: ReadableStream<Uint8Array>, into: { text: string }) {
  (async () => {
    const dec = new TextDecoder();
    for await (const chunk of stream) into.text += dec.decode(chunk);
  })();
}

/** Polls until `fn` resolves true or the deadline passes. */
export async function waitFor(fn: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch {
      // not yet
    }
    await Bun.sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts `serve` and waits for /health; rejects with the logs when the process exits first. */
export async function startServe(opts: {
  env: Record<string, string>;
  cmd?: string[];
  cwd?: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const port = await freePort();
  const cmd = [...(opts.cmd ?? sourceCommand()), "serve"];
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(port),
      HOST: "127.0.0.1",
      ...opts.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = { text: "" };
  collect(proc.stderr, out);
  collect(proc.stdout, out);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  proc.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited with ${proc.exitCode}:\n${out.text}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return { proc, url, port, logs: () => out.text };
    } catch {
      // not listening yet
    }
    await Bun.sleep(50);
  }
  proc.kill("SIGKILL");
  throw new Error(`server did not answer /health in time:\n${out.text}`);
}

/** Runs a CLI command to completion; `stdin`, when given, is its standard input. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { cmd?: string[]; cwd?: string; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn([...(opts.cmd ?? sourceCommand()), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}
