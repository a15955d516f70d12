// Per-process state of the services (signing key, login limiter, Haystack handshakes and
// watches, the poller config key, the activity queue, the simulator runtime, engine lookups):
// created once by createServices and carried in the deps as `deps.runtime`, instead of hidden
// module-level maps keyed by object identity. Each module declares its slot next to the code that
// uses it (`const WATCHES = slot("haystack.watches", () => new Map())`) and reads it with
// `WATCHES.of(deps)`. Copies of the deps share it; a fresh createServices is a fresh process.
// A leaf module.

export interface HasRuntime {
  readonly runtime: ProcessRuntime;
}

/** One named piece of per-process state, created on first use. */
export interface Slot<T, D extends HasRuntime = HasRuntime> {
  readonly name: string;
  of(deps: D): T;
}

export class ProcessRuntime {
  readonly #values = new Map<string, unknown>();

  /** The names of the slots created so far (diagnostics, tests). */
  names(): string[] {
    return [...this.#values.keys()];
  }

  /** The slot's value, created by `create` on first use. Prefer `slot(…).of(deps)`. */
  obtain<T>(name: string, create: () => T): T {
    if (!this.#values.has(name)) this.#values.set(name, create());
    return this.#values.get(name) as T;
  }
}

/** Declares a slot; `create` builds its value the first time a process asks for it. */
export function slot<T, D extends HasRuntime = HasRuntime>(name: string, create: (deps: D) => T): Slot<T, D> {
  return { name, of: (deps) => deps.runtime.obtain(name, () => create(deps)) };
}
