// bench/model: intervals generated per second by the pure simulator model, per template, beside the
// same figure of a baseline model measured in the same run (by default the model before the control
// loop dynamics, checked out into a temporary git worktree), and the time a building-year takes at 15-
// and 5-minute intervals. Run: `bun bench/model.ts [baseline revision] [hours]`. No network, no
// database; bounded by `hours` of simulated time per template and version (default 48).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { printTable } from "./lib.ts";

const ROOT = resolve(import.meta.dir, "..");
const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
const firstLoops = git("log", "--diff-filter=A", "--format=%H", "--", "src/simulator/model/loops.ts")
  .split("\n")
  .pop();
const baseline = process.argv[2] ?? (firstLoops ? `${firstLoops}~1` : "HEAD~1");
const HOURS = Math.max(6, Number(process.argv[3] ?? 48));
const INTERVAL = 15;
const sha = git("rev-parse", "--short", baseline);

// Inside node_modules so the worktree resolves the same dependencies (and no tool scans it).
const dir = join(ROOT, "node_modules", ".cache", `bench-model-${sha}`);
if (!existsSync(dir)) git("worktree", "add", "--detach", dir, baseline);

interface ModelModule {
  buildEntities: (b: unknown) => Array<{ localId: string }>;
  generateInterval: (i: Record<string, unknown>) => { state: unknown };
  initialState: (i: Record<string, unknown>) => unknown;
  intervalsBetween: (a: Date, b: Date, m: number) => Date[];
}
interface ConfigModule {
  templateBuilding: (name: string) => unknown;
}

async function load(
  root: string,
): Promise<{ model: ModelModule; config: ConfigModule; templates: string[] }> {
  const model = (await import(join(root, "src/simulator/model/index.ts"))) as ModelModule;
  const config = (await import(join(root, "src/simulator/config.ts"))) as ConfigModule;
  const t = (await import(join(root, "src/simulator/templates/index.ts"))) as { TEMPLATES: object };
  return { model, config, templates: Object.keys(t.TEMPLATES) };
}

/** Intervals per second of one template over `HOURS` of July at `INTERVAL` minutes, after a warm-up day. */
function rate(m: ModelModule, building: unknown): number {
  const entities = m.buildEntities(building);
  let state = m.initialState({ building, entities, seed: 1 });
  const run = (from: Date, hours: number) => {
    const list = m.intervalsBetween(from, new Date(from.getTime() + hours * 3_600_000), INTERVAL);
    const t0 = performance.now();
    for (const ts of list) {
      state = m.generateInterval({ building, entities, seed: 1, ts, intervalMinutes: INTERVAL, state }).state;
    }
    return list.length / ((performance.now() - t0) / 1000);
  };
  run(new Date("2025-07-14T00:00:00Z"), 24);
  return run(new Date("2025-07-15T00:00:00Z"), HOURS);
}

console.log(
  `model bench: ${HOURS} h of July per template at ${INTERVAL}-min intervals; baseline ${baseline} (${sha}); load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
try {
  const now = await load(ROOT);
  const base = await load(dir);
  const rows: string[][] = [];
  for (const name of now.templates) {
    const r = rate(now.model, now.config.templateBuilding(name));
    const b = base.templates.includes(name)
      ? rate(base.model, base.config.templateBuilding(name))
      : Number.NaN;
    const year = (minutes: number) => `${((365 * 24 * 60) / minutes / r).toFixed(0)} s`;
    rows.push([name, b.toFixed(0), r.toFixed(0), (r / b).toFixed(2), year(15), year(5)]);
  }
  printTable(
    ["template", `baseline int/s`, "now int/s", "now/baseline", "year @15 min", "year @5 min"],
    rows,
  );
} finally {
  git("worktree", "remove", "--force", dir);
}
