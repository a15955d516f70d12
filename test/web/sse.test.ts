// The SSE transport's lifecycle (src/realtime/sse.ts) over the real broker, in process with short,
// injected limits: heartbeats, idle and maximum lifetime, a client that does not read is dropped
// (bounded output), broker overflow ends the stream, disconnects unsubscribe (subscriber count back
// to 0), and events of an org reach only clients that belong to it.
import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { type Actor, makeActor, type OrgRole } from "../../src/access/actor.ts";
import { type Broker, type BrokerEvent, createBroker } from "../../src/realtime/broker.ts";
import { type SseClient, type SseOptions, sseResponse } from "../../src/realtime/sse.ts";

type Reason = Parameters<NonNullable<SseOptions["onClose"]>>[0];

const actorIn = (orgs: Record<number, OrgRole>, userId = 1): Actor =>
  makeActor({
    kind: "user",
    userId,
    email: `u${userId}@t.test`,
    appAdmin: false,
    roles: new Map(Object.entries(orgs).map(([k, v]) => [Number(k), v])),
  });

const render = async (_c: SseClient, evs: readonly BrokerEvent[]) =>
  evs.map((e) => ({ event: e.type, data: JSON.stringify(e.data) }));

/** Opens one stream in process; `closed` resolves with the reason the server ended it. */
function open(
  broker: Broker,
  client: SseClient,
  opts: Partial<SseOptions> = {},
  signal?: AbortSignal,
): { res: Promise<Response>; closed: Promise<Reason> } {
  let done!: (r: Reason) => void;
  const closed = new Promise<Reason>((r) => {
    done = r;
  });
  const app = new Hono();
  app.get("/events", (c) =>
    sseResponse(c, client, { broker, render, heartbeatMs: 60_000, onClose: done, ...opts }),
  );
  return { res: Promise.resolve(app.request(new Request("http://x/events", { signal }))), closed };
}

/** Reads the stream until `until` matches the text so far (or the stream ends). */
async function readUntil(
  reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> },
  until: (text: string) => boolean,
  sofar = { text: "" },
): Promise<{ text: string; ended: boolean }> {
  const dec = new TextDecoder();
  while (!until(sofar.text)) {
    const { value, done } = await reader.read();
    if (done) return { text: sofar.text, ended: true };
    sofar.text += dec.decode(value, { stream: true });
  }
  return { text: sofar.text, ended: false };
}

describe("SSE stream lifecycle", () => {
  test("connects, sends comment heartbeats, and unsubscribes when the client goes away", async () => {
    const broker = createBroker();
    const s = open(
      broker,
      { actor: actorIn({ 1: "member" }), orgId: 1, topics: new Set() },
      { heartbeatMs: 20 },
    );
    const res = await s.res;
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
    const reader = res.body!.getReader();
    const r = await readUntil(reader, (t) => (t.match(/: ping\n\n/g) ?? []).length >= 2);
    expect(r.text.startsWith("retry: 3000\n: connected\n\n")).toBe(true);
    expect(broker.subscribers).toBe(1);
    await reader.cancel();
    expect(await s.closed).toBe("aborted");
    expect(broker.subscribers).toBe(0);
  });

  test("an aborted request (browser navigates away) ends the stream and its subscription", async () => {
    const broker = createBroker();
    const ac = new AbortController();
    const s = open(broker, { actor: actorIn({ 1: "member" }), orgId: 1, topics: new Set() }, {}, ac.signal);
    const reader = (await s.res).body!.getReader();
    await readUntil(reader, (t) => t.includes(": connected"));
    expect(broker.subscribers).toBe(1);
    ac.abort();
    expect(await s.closed).toBe("aborted");
    expect(broker.subscribers).toBe(0);
  });

  test("closes after the idle time without a delivered event (heartbeats do not count)", async () => {
    const broker = createBroker();
    const s = open(
      broker,
      { actor: actorIn({ 1: "member" }), orgId: 1, topics: new Set() },
      { heartbeatMs: 10, idleMs: 80 },
    );
    const reader = (await s.res).body!.getReader();
    const r = await readUntil(reader, () => false);
    expect(r.ended).toBe(true);
    expect(r.text).toContain(": ping");
    expect(await s.closed).toBe("idle");
    expect(broker.subscribers).toBe(0);
  });

  test("closes at the maximum lifetime even while events flow", async () => {
    const broker = createBroker();
    const s = open(
      broker,
      { actor: actorIn({ 1: "member" }), orgId: 1, topics: new Set() },
      { idleMs: 60_000, maxLifetimeMs: 150 },
    );
    const reader = (await s.res).body!.getReader();
    let n = 0;
    const timer = setInterval(() => broker.publish("simulator:interval_written", 1, { n: ++n }), 10);
    const r = await readUntil(reader, () => false);
    clearInterval(timer);
    expect(r.ended).toBe(true);
    expect(r.text).toContain("event: simulator:interval_written");
    expect(await s.closed).toBe("lifetime");
    expect(broker.subscribers).toBe(0);
  });

  test("a client that does not read is dropped once its output exceeds the bound", async () => {
    const broker = createBroker();
    const s = open(
      broker,
      { actor: actorIn({ 1: "member" }), orgId: 1, topics: new Set() },
      { maxBufferedBytes: 4096 },
    );
    const res = await s.res; // never read
    const big = "x".repeat(1024);
    const timer = setInterval(() => broker.publish("activity:logged", 1, { big }), 2);
    const reason = await s.closed;
    clearInterval(timer);
    expect(reason).toBe("slow");
    expect(broker.subscribers).toBe(0);
    await res.body?.cancel();
  });

  test("a subscriber whose broker queue overflowed is ended (the browser reconnects and reloads)", async () => {
    const broker = createBroker({ queueLimit: 3 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    let entered!: () => void;
    const inRender = new Promise<void>((r) => {
      entered = r;
    });
    const s = open(
      broker,
      { actor: actorIn({ 1: "member" }), orgId: 1, topics: new Set() },
      {
        render: async (c, evs) => {
          calls += 1;
          if (calls === 1) {
            entered();
            await gate;
          } // the page layer is busy: events pile up in the broker
          return render(c, evs);
        },
      },
    );
    const reader = (await s.res).body!.getReader();
    broker.publish("a:b_done", 1, 1);
    await inRender;
    for (let i = 0; i < 10; i++) broker.publish("a:b_done", 1, i);
    release();
    await readUntil(reader, () => false);
    expect(await s.closed).toBe("dropped_events");
    expect(broker.subscribers).toBe(0);
  });

  test("events of an org reach only its members; system-wide events reach everyone", async () => {
    const broker = createBroker();
    const clients = {
      memberOf1: { actor: actorIn({ 1: "member" }, 1), orgId: 1, topics: new Set<string>() },
      memberOf2: { actor: actorIn({ 2: "admin" }, 2), orgId: 2, topics: new Set<string>() },
      // asks for org 1 without belonging to it (a forged org cookie)
      claims1: { actor: actorIn({ 2: "member" }, 3), orgId: 1, topics: new Set<string>() },
    };
    const streams = Object.fromEntries(
      await Promise.all(
        Object.entries(clients).map(async ([name, c]) => {
          const s = open(broker, c);
          const reader = (await s.res).body!.getReader();
          const sofar = { text: "" };
          await readUntil(reader, (t) => t.includes(": connected"), sofar);
          return [name, { s, reader, sofar }] as const;
        }),
      ),
    );
    expect(broker.subscribers).toBe(3);
    broker.publish("secret:leaked", 1, { org: 1 });
    broker.publish("other:thing_done", 2, { org: 2 });
    broker.publish("system:notice_sent", null, { all: true });
    for (const x of Object.values(streams))
      await readUntil(x.reader, (t) => t.includes("system:notice_sent"), x.sofar);
    const got = (name: string) => [...streams[name]!.sofar.text.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
    expect(got("memberOf1")).toEqual(["secret:leaked", "system:notice_sent"]);
    expect(got("memberOf2")).toEqual(["other:thing_done", "system:notice_sent"]);
    expect(got("claims1")).toEqual(["system:notice_sent"]);
    for (const x of Object.values(streams)) await x.reader.cancel();
    await Promise.all(Object.values(streams).map((x) => x.s.closed));
    expect(broker.subscribers).toBe(0);
  });
});
