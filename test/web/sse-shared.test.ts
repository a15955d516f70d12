// Shared encoding of SSE frames (src/realtime/sse.ts): clients that get the same bytes share one
// rendering per batch; the per-org access check still decides who gets a frame at all.
import { expect, test } from "bun:test";
import { Hono } from "hono";
import { type Actor, makeActor, type OrgRole } from "../../src/access/actor.ts";
import { type BrokerEvent, createBroker } from "../../src/realtime/broker.ts";
import { type SseClient, type SseOptions, sseResponse } from "../../src/realtime/sse.ts";

const actorIn = (orgs: Record<number, OrgRole>, userId: number): Actor =>
  makeActor({
    kind: "user",
    userId,
    email: `u${userId}@t.test`,
    appAdmin: false,
    roles: new Map(Object.entries(orgs).map(([k, v]) => [Number(k), v])),
  });

async function stream(client: SseClient, opts: SseOptions) {
  const app = new Hono();
  app.get("/events", (c) => sseResponse(c, client, opts));
  const res = await app.request("/events");
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  const sofar = { text: "" };
  const until = async (pred: (t: string) => boolean) => {
    while (!pred(sofar.text)) {
      const { value, done } = await reader.read();
      if (done) break;
      sofar.text += dec.decode(value, { stream: true });
    }
    return sofar.text;
  };
  await until((t) => t.includes(": connected\n\n"));
  return { sofar, until, close: () => reader.cancel() };
}

test("clients of the same topic get byte-identical frames rendered once; another org's client gets none", async () => {
  const broker = createBroker();
  const calls: number[][] = [];
  const render = async (_c: SseClient, evs: readonly BrokerEvent[]) => {
    calls.push(evs.map((e) => e.id));
    return evs.map((e) => ({ event: e.type, data: `<p>${JSON.stringify(e.data)}</p>` }));
  };
  const opts = (key: string): SseOptions => ({ broker, render, shareKey: key, heartbeatMs: 60_000 });
  const topics = new Set(["dashboard"]);
  const a = await stream({ actor: actorIn({ 1: "member" }, 1), orgId: 1, topics }, opts("k"));
  const b = await stream({ actor: actorIn({ 1: "member" }, 1), orgId: 1, topics }, opts("k"));
  // the same key, but another org; and one who claims org 1 without belonging to it
  const other = await stream({ actor: actorIn({ 2: "member" }, 2), orgId: 2, topics }, opts("k"));
  const forged = await stream({ actor: actorIn({ 2: "member" }, 2), orgId: 1, topics }, opts("k"));

  broker.publish("sim:updated", 1, { n: 1 });
  broker.publish("sim:updated", 1, { n: 2 });
  broker.publish("done:marked", null, {});
  const end = (t: string) => t.includes("event: done:marked");
  const [ta, tb, to, tf] = await Promise.all([
    a.until(end),
    b.until(end),
    other.until(end),
    forged.until(end),
  ]);

  expect(ta).toContain('data: <p>{"n":1}</p>');
  expect(ta).toContain('data: <p>{"n":2}</p>');
  expect(tb).toBe(ta);
  for (const t of [to, tf]) {
    expect(t).not.toContain("sim:updated");
    expect(t).toContain("event: done:marked");
  }
  // org 1's three events were rendered once for both its clients, not once per client
  expect(calls.flat().filter((id) => id <= 2)).toEqual([1, 2]);
  // the system-wide one once per group: org 1, org 2, and the forged claim (no access to org 1)
  expect(calls.flat().filter((id) => id === 3)).toEqual([3, 3, 3]);
  await Promise.all([a.close(), b.close(), other.close(), forged.close()]);
});

test("clients without a share key, or with different keys, are rendered for separately", async () => {
  const broker = createBroker();
  let calls = 0;
  const render = async (_c: SseClient, evs: readonly BrokerEvent[]) => {
    calls += 1;
    return evs.map((e) => ({ event: e.type, data: "x" }));
  };
  const client = { actor: actorIn({ 1: "member" }, 1), orgId: 1, topics: new Set<string>() };
  const base = { broker, render, heartbeatMs: 60_000 };
  const s = [
    await stream(client, base),
    await stream(client, base),
    await stream(client, { ...base, shareKey: "a" }),
    await stream(client, { ...base, shareKey: "b" }),
  ];
  expect(broker.subscribers).toBe(4);
  broker.publish("x:done", 1, {});
  await Promise.all(s.map((x) => x.until((t) => t.includes("event: x:done"))));
  expect(calls).toBe(4);
  await Promise.all(s.map((x) => x.close()));
});
