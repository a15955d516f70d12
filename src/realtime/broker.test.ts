import { expect, test } from "bun:test";
import { createBroker } from "./broker.ts";

test("subscribers get the events of the orgs they accept, in order", async () => {
  const b = createBroker();
  const s = b.subscribe({ accept: (org) => org === 1 || org === null });
  b.publish("a:done", 1, { n: 1 });
  b.publish("a:done", 2, { n: 2 });
  b.publish("a:done", null, { n: 3 });
  const got = await s.next();
  expect(got.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }]);
  expect(got[0]!.id).toBeLessThan(got[1]!.id);
  s.close();
  expect(b.subscribers).toBe(0);
});

test("next waits for an event and returns empty on abort or close", async () => {
  const b = createBroker();
  const s = b.subscribe({ accept: () => true, types: (t) => t.startsWith("sim") });
  const waiting = s.next();
  b.publish("other:x", 1, {});
  b.publish("sim:x", 1, { ok: true });
  expect((await waiting).map((e) => e.type)).toEqual(["sim:x"]);
  const ac = new AbortController();
  const p = s.next(ac.signal);
  ac.abort();
  expect(await p).toEqual([]);
  const q = s.next();
  s.close();
  expect(await q).toEqual([]);
});

test("a slow subscriber drops its oldest events and is told how many", async () => {
  const b = createBroker({ queueLimit: 3 });
  const s = b.subscribe({ accept: () => true });
  for (let i = 0; i < 5; i++) b.publish("x:y", null, i);
  expect((await s.next()).map((e) => e.data)).toEqual([2, 3, 4]);
  expect(s.takeDropped()).toBe(2);
  expect(s.takeDropped()).toBe(0);
});

test("lastId is the latest event of the org or system-wide", () => {
  const b = createBroker();
  expect(b.lastId(1)).toBe(0);
  b.publish("a:done", 1, {});
  const one = b.lastId(1);
  expect(one).toBeGreaterThan(0);
  b.publish("a:done", 2, {});
  expect(b.lastId(1)).toBe(one);
  expect(b.lastId(2)).toBeGreaterThan(one);
  b.publish("a:done", null, {});
  expect(b.lastId(1)).toBe(b.lastId(2));
  expect(b.lastId(null)).toBe(b.lastId(1));
});
