import { expect, test } from "bun:test";
import { RateLimiter } from "./rate-limit.ts";

test("counts attempts per key in a sliding window; released attempts do not count", () => {
  let now = 0;
  const l = new RateLimiter({ limit: 3, windowMs: 60_000, now: () => now, maxKeys: 2 });
  for (let i = 0; i < 3; i++) {
    expect(l.retryAfter(["a", "ip"])).toBe(0);
    l.reserve(["a", "ip"]);
    now += 1000;
  }
  expect(l.retryAfter(["a"])).toBe(57);
  expect(l.retryAfter(["b", "ip"])).toBe(57);
  expect(l.retryAfter(["b"])).toBe(0);
  l.reserve(["b"])(); // a success gives its slot back
  l.reserve(["b"])();
  l.reserve(["b"])();
  expect(l.retryAfter(["b"])).toBe(0);
  now += 56_000;
  expect(l.retryAfter(["a", "ip"])).toBe(1);
  now += 1000;
  expect(l.retryAfter(["a", "ip"])).toBe(0);
  // Stale keys are forgotten when there are too many.
  now += 120_000;
  l.reserve(["c"]);
  l.reserve(["d"]);
  l.reserve(["e"]);
  expect(l.retryAfter(["a"])).toBe(0);
});
