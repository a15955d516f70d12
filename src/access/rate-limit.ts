// A sliding-window limiter in memory (one process serves everything). An attempt reserves a slot
// before the (slow) password check and gives it back when it succeeds, so concurrent guesses are
// counted as they start and only failures stay counted.

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(
    private readonly opts: { limit: number; windowMs: number; now?: () => number; maxKeys?: number },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.opts.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  /** Seconds until one more attempt is allowed for every key (0 = allowed now). */
  retryAfter(keys: readonly string[]): number {
    let wait = 0;
    for (const k of keys) {
      const list = this.recent(k);
      if (list.length >= this.opts.limit) {
        const oldest = list[list.length - this.opts.limit]!;
        wait = Math.max(wait, Math.ceil((oldest + this.opts.windowMs - this.now()) / 1000));
      }
    }
    return Math.max(0, wait);
  }

  /** Reserves one attempt under each key; returns a function that releases it (on success). */
  reserve(keys: readonly string[]): () => void {
    const t = this.now();
    // Bounded memory under a flood of distinct keys: forget every key with nothing recent.
    if (this.hits.size > (this.opts.maxKeys ?? 100_000))
      for (const k of [...this.hits.keys()]) this.recent(k);
    for (const k of keys) this.hits.set(k, [...this.recent(k), t]);
    return () => {
      for (const k of keys) {
        const list = this.hits.get(k);
        const i = list?.lastIndexOf(t) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
      }
    };
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.hits.clear();
  }
}
