// What a page's stream says about events it missed (`since` and `Last-Event-ID` against the
// broker), the `id` of its frames, and the coalescing of a group's frames (`minGapMs`).
import { expect, test } from "bun:test";
import { Hono } from "hono";
import { makeActor } from "../access/actor.ts";
import { type Broker, type BrokerEvent, createBroker } from "./broker.ts";
import { liveToken, missedSince, type SseClient, type SseOptions, sseResponse } from "./sse.ts";

const client: SseClient = {
  actor: makeActor({
    kind: "user",
    userId: 1,
    email: "u1@t.test",
    appAdmin: false,
    roles: new Map([[1, "member"]]),
  }),
  orgId: 1,
  topics: new Set(),
};

const render = async (_c: SseClient, evs: readonly BrokerEvent[]) => [
  { event: "batch", data: evs.map((e) => String(e.data)).join(",") },
];

function open(broker: Broker, opts: Partial<SseOptions>, headers: Record<string, string> = {}) {
  const app = new Hono();
  app.get("/events", (c) => sseResponse(c, client, { broker, render, heartbeatMs: 60_000, ...opts }));
  const ac = new AbortController();
  const res = Promise.resolve(app.request(new Request("http://x/events", { headers, signal: ac.signal })));
  return { res, stop: () => ac.abort() };
}

async function readUntil(res: Response, until: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

test("a token is stale after an event of its org or a system-wide one, not another org's", () => {
  const b = createBroker();
  const t = liveToken(b, 1);
  expect(missedSince(b, 1, t)).toBe(false);
  b.publish("x:y", 2, 1);
  expect(missedSince(b, 1, t)).toBe(false);
  b.publish("x:y", null, 2);
  expect(missedSince(b, 1, t)).toBe(true);
  expect(missedSince(b, 1, liveToken(b, 1))).toBe(false);
  // a token of another process (before a restart) or a damaged one is stale
  expect(missedSince(b, 1, "other.0")).toBe(true);
  expect(missedSince(b, 1, "nonsense")).toBe(true);
});

test("a stream opened after events its page missed starts with resync; one that missed none does not", async () => {
  const b = createBroker();
  const since = liveToken(b, 1);
  const fresh = open(b, { since });
  const upToDate = await readUntil(await fresh.res, (t) => t.includes(": connected\n\n"));
  expect(upToDate).not.toContain("event: resync");
  fresh.stop();

  b.publish("x:y", 1, "e1");
  const late = open(b, { since });
  expect(await readUntil(await late.res, (t) => t.includes("event: resync\n"))).toContain(
    "event: resync\ndata: missed\n\n",
  );
  late.stop();
  // a reconnecting browser's Last-Event-ID counts, not the page's token in the URL
  const back = open(b, { since }, { "last-event-id": liveToken(b, 1) });
  expect(await readUntil(await back.res, (t) => t.includes(": connected\n\n"))).not.toContain("resync");
  back.stop();
});

test("frames carry the id of their last event; a gap coalesces the events meanwhile", async () => {
  const b = createBroker();
  // The gap is 40 times the pause below, so a loaded machine's stall cannot end it early.
  const s = open(b, { since: null, minGapMs: 2_000 });
  const res = await s.res;
  const got = readUntil(res, (t) => (t.match(/event: batch/g) ?? []).length >= 2);
  await Bun.sleep(20);
  b.publish("x:y", 1, "a");
  await Bun.sleep(50);
  // published while the group waits out its gap: rendered together
  b.publish("x:y", 1, "b");
  b.publish("x:y", 1, "c");
  const text = await got;
  expect(text).toContain(`event: batch\nid: ${liveToken(b, 1)}\ndata: b,c\n\n`);
  expect(text).toMatch(/event: batch\nid: \S+\ndata: a\n\n/);
  s.stop();
});
