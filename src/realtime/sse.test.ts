// What a page's stream says about events it missed (`since` and `Last-Event-ID` against the
// broker), the `id` of its frames, and the coalescing of a group's frames (`minGapMs`).
import { expect, test } from "bun:test";
import { Hono } from "hono";
import { makeActor } from "../access/actor.ts";
import { type Broker, type BrokerEvent, createBroker } from "./broker.ts";
import {
  liveToken,
  missedRelevant,
  missedSince,
  type SseClient,
  type SseOptions,
  sseResponse,
} from "./sse.ts";

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

test("frames end with a seen message carrying the id of their last event; a gap coalesces the events meanwhile", async () => {
  const b = createBroker();
  // The gap is 40 times the pause below, so a loaded machine's stall cannot end it early.
  const s = open(b, { since: null, minGapMs: 2_000 });
  const res = await s.res;
  const got = readUntil(res, (t) => (t.match(/event: batch/g) ?? []).length >= 2 && t.endsWith("\n\n"));
  await Bun.sleep(20);
  b.publish("x:y", 1, "a");
  await Bun.sleep(50);
  // published while the group waits out its gap: rendered together
  b.publish("x:y", 1, "b");
  b.publish("x:y", 1, "c");
  const text = await got;
  const t = liveToken(b, 1);
  expect(text).toContain(`event: batch\ndata: b,c\n\nevent: seen\nid: ${t}\ndata: ${t}\n\n`);
  expect(text).toMatch(/event: batch\ndata: a\n\nevent: seen\nid: \S+\ndata: \S+\n\n/);
  s.stop();
});

test("heartbeats of a stream with ids say what the group has gone through, events it ignored too", async () => {
  const b = createBroker();
  const quiet = async (_c: SseClient, evs: readonly BrokerEvent[]) =>
    evs.some((e) => e.data === "shown") ? [{ event: "batch", data: "shown" }] : [];
  const s = open(b, { since: null, render: quiet, heartbeatMs: 20 });
  const res = await s.res;
  await Bun.sleep(10);
  b.publish("x:y", 1, "ignored");
  const t = liveToken(b, 1);
  const text = await readUntil(res, (x) => x.includes(`event: seen\nid: ${t}\ndata: ${t}\n\n`));
  expect(text).not.toContain("event: batch");
  s.stop();
});

test("a reconnecting page re-syncs only when it missed an event it shows, or cannot tell", () => {
  const b = createBroker({ historyLimit: 4 });
  const relevant = (_c: SseClient, ev: BrokerEvent) => ev.data === "shown";
  const t = liveToken(b, 1);
  b.publish("x:y", 1, "ignored");
  b.publish("records:written", null, "ignored");
  b.publish("x:y", 2, "shown"); // another org's: never delivered to this page
  expect(missedRelevant(b, client, t, relevant)).toBe(false);
  // without a relevance test any event of its orgs counts
  expect(missedRelevant(b, client, t)).toBe(true);
  b.publish("x:y", 1, "shown");
  expect(missedRelevant(b, client, t, relevant)).toBe(true);
  const after = liveToken(b, 1);
  expect(missedRelevant(b, client, after, relevant)).toBe(false);
  // more events since the token than the broker keeps: it cannot tell, so it re-syncs
  for (let i = 0; i < 4; i++) b.publish("x:y", 1, "ignored");
  expect(missedRelevant(b, client, after, relevant)).toBe(false); // the 4 kept are all it missed
  b.publish("x:y", 1, "ignored");
  expect(missedRelevant(b, client, after, relevant)).toBe(true);
  expect(missedRelevant(b, client, liveToken(b, 1), relevant)).toBe(false);
  // a token of another process (before a restart) or a damaged one
  expect(missedRelevant(b, client, "other.0", relevant)).toBe(true);
  expect(missedRelevant(b, client, "nonsense", relevant)).toBe(true);
});

test("a stream opened after events its page ignores starts without resync", async () => {
  const b = createBroker();
  const since = liveToken(b, 1);
  b.publish("records:written", null, "x");
  const relevant = (_c: SseClient, ev: BrokerEvent) => ev.type !== "records:written";
  const s = open(b, { since, relevant });
  expect(await readUntil(await s.res, (t) => t.includes(": connected\n\n"))).not.toContain("resync");
  s.stop();
  b.publish("x:y", 1, "x");
  const late = open(b, { since, relevant });
  expect(await readUntil(await late.res, (t) => t.includes("event: resync\n"))).toContain("event: resync");
  late.stop();
});
