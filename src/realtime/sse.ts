// The SSE transport over the broker: one stream per page (`GET /events`). Clients that would get the
// same bytes (same `shareKey`, same org, same access to it) form a group: one broker subscription
// limited to the orgs they may see, each batch of events rendered and encoded once, the frame
// shared by every member. Each client keeps only a bounded queue of shared frames (a client that
// does not read is dropped; the browser reconnects), comment pings, an idle limit (no event
// delivered) and a maximum lifetime after which the browser reconnects; the group's subscription
// ends with its last member.
// What an event looks like on the wire (which HTML fragment, which event name) is decided by the
// `render` function the page layer passes in, so the same view components render pages and updates.
import type { Context } from "hono";
import type { Actor } from "../access/actor.ts";
import type { Broker, BrokerEvent, Subscription } from "./broker.ts";

export interface SseMessage {
  /** The SSE event name (htmx `sse-swap` attribute value). */
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly actor: Actor;
  /** The org the page shows; only its events (and system-wide ones) are delivered. */
  readonly orgId: number | null;
  /** Topics asked for by the page (`?topics=dashboard,sim:12`). */
  readonly topics: ReadonlySet<string>;
}

type CloseReason = "aborted" | "idle" | "lifetime" | "slow" | "dropped_events";

export interface SseOptions {
  readonly broker: Broker;
  /** Turns a batch of broker events into messages for one client (may return none). */
  readonly render: (client: SseClient, events: readonly BrokerEvent[]) => Promise<SseMessage[]>;
  /**
   * Clients with the same key (and the same org and access to it) get the same bytes from `render`
   * and `tick`: each batch is rendered once for all of them. The key must name the renderer and
   * everything the rendering depends on (e.g. `console|user:3|member|dashboard`). Unset: the client
   * is rendered for alone.
   */
  readonly shareKey?: string;
  /** Called every `tickMs` for periodic parts (database health); optional. */
  readonly tick?: (client: SseClient) => Promise<SseMessage[]>;
  readonly tickMs?: number;
  readonly heartbeatMs?: number;
  /** Close after this long without a delivered event (the browser reconnects). */
  readonly idleMs?: number;
  /** Close after this long in any case (spreads reconnections, refreshes credentials). */
  readonly maxLifetimeMs?: number;
  /** Bytes that may wait unread for one client before it is dropped. */
  readonly maxBufferedBytes?: number;
  /** Called with the reason when a stream ends (tests, metrics). */
  readonly onClose?: (reason: CloseReason) => void;
}

const enc = new TextEncoder();

/** Formats one SSE message; every line of `data` gets its own `data:` field. */
export function formatSse(m: SseMessage): string {
  const name = m.event.replace(/[\r\n]/g, "");
  return `event: ${name}\n${m.data
    .split(/\r\n|\r|\n/)
    .map((l) => `data: ${l}`)
    .join("\n")}\n\n`;
}

/** The encoded frame of `msgs`, or null when there are none. */
const encode = (msgs: readonly SseMessage[]): Uint8Array | null =>
  msgs.length > 0 ? enc.encode(msgs.map(formatSse).join("")) : null;

/** Frames a member may hold unread before it is ended (its browser reconnects and reloads). */
const MEMBER_QUEUE = 256;

/** One client of a group: its queue of shared frames and how it is woken or ended. */
interface Member {
  queue: Uint8Array[];
  wake: (() => void) | undefined;
  end: (why: CloseReason) => void;
}

/** Clients that get the same bytes: one subscription, one rendering per batch. */
interface Group {
  readonly members: Set<Member>;
  readonly sub: Subscription;
  readonly stop: AbortController;
  tick?: { bucket: number; frame: Promise<Uint8Array | null> };
}

const groups = new WeakMap<Broker, Map<string, Group>>();
let soloKeys = 0;

function deliver(m: Member, frame: Uint8Array): void {
  m.queue.push(frame);
  if (m.queue.length > MEMBER_QUEUE) m.end("dropped_events");
  m.wake?.();
}

/** Renders the group's batches once and hands each frame to every member, until the last leaves. */
async function runGroup(g: Group, client: SseClient, opts: SseOptions): Promise<void> {
  while (!g.stop.signal.aborted) {
    const events = await g.sub.next(g.stop.signal);
    if (g.sub.takeDropped() > 0) {
      for (const m of [...g.members]) m.end("dropped_events");
      continue;
    }
    if (events.length === 0) continue;
    let frame: Uint8Array | null;
    try {
      frame = encode(await opts.render(client, events));
    } catch {
      for (const m of [...g.members]) m.end("aborted");
      continue;
    }
    if (frame) for (const m of g.members) deliver(m, frame);
  }
}

/** Joins (or starts) the group of `key`; the returned function leaves it. */
function join(
  key: string,
  client: SseClient,
  opts: SseOptions,
  m: Member,
): { group: Group; leave: () => void } {
  const byKey = groups.get(opts.broker) ?? new Map<string, Group>();
  groups.set(opts.broker, byKey);
  let g = byKey.get(key);
  if (!g) {
    const { actor, orgId } = client;
    const group: Group = {
      members: new Set(),
      stop: new AbortController(),
      sub: opts.broker.subscribe({
        accept: (eventOrg) => eventOrg === null || (eventOrg === orgId && actor.roleIn(eventOrg) !== null),
      }),
    };
    g = group;
    byKey.set(key, group);
    void runGroup(group, client, opts).finally(() => group.sub.close());
  }
  const group = g;
  group.members.add(m);
  return {
    group,
    leave: () => {
      if (!group.members.delete(m) || group.members.size > 0) return;
      if (byKey.get(key) === group) byKey.delete(key);
      group.stop.abort();
      group.sub.close();
    },
  };
}

/** The group's tick frame for the current `tickMs` period: rendered by the first member to ask. */
function tickFrame(
  g: Group,
  client: SseClient,
  opts: SseOptions,
  tickMs: number,
): Promise<Uint8Array | null> {
  const bucket = Math.floor(Date.now() / tickMs);
  const tick = opts.tick;
  if (!tick) return Promise.resolve(null);
  if (g.tick?.bucket !== bucket) g.tick = { bucket, frame: tick(client).then(encode) };
  return g.tick.frame;
}

interface BunServerLike {
  timeout?: (req: Request, seconds: number) => void;
}

/**
 * Answers one SSE request for `client`. The caller has authenticated the actor and checked the org.
 * Side effects: membership of a group whose broker subscription lives as long as its last stream.
 */
export function sseResponse(c: Context, client: SseClient, opts: SseOptions): Response {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const idleMs = opts.idleMs ?? 10 * 60_000;
  const maxLifetimeMs = opts.maxLifetimeMs ?? 60 * 60_000;
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const tickMs = opts.tickMs ?? 5_000;

  // Bun closes idle connections after 10 s unless told otherwise for this request.
  (c.env as { server?: BunServerLike } | undefined)?.server?.timeout?.(c.req.raw, 0);

  const { actor, orgId } = client;
  // The access check is part of the key: members of a group see exactly the same orgs' events.
  const access = orgId === null ? "none" : (actor.roleIn(orgId) ?? "none");
  const key =
    opts.shareKey === undefined
      ? `solo:${++soloKeys}`
      : `${opts.tick ? `tick:${tickMs}` : "notick"}|${orgId}|${access}|${opts.shareKey}`;
  const stop = new AbortController();
  const requestSignal = c.req.raw.signal;
  let reason: CloseReason = "aborted";
  const end = (why: CloseReason) => {
    if (stop.signal.aborted) return;
    reason = why;
    stop.abort();
  };
  const member: Member = { queue: [], wake: undefined, end };
  const { group, leave } = join(key, client, opts, member);
  const onRequestAbort = () => end("aborted");
  requestSignal.addEventListener("abort", onRequestAbort, { once: true });

  /** The next frames of this member (at once when some are queued); empty on abort or timeout. */
  const nextFrames = (signal: AbortSignal) =>
    new Promise<Uint8Array[]>((resolve) => {
      const flush = () => {
        member.wake = undefined;
        signal.removeEventListener("abort", flush);
        resolve(member.queue.splice(0));
      };
      if (member.queue.length > 0 || signal.aborted) return flush();
      member.wake = flush;
      signal.addEventListener("abort", flush, { once: true });
    });

  const source: Bun.UnderlyingSource<Uint8Array> = {
    async start(controller: ReadableStreamDefaultController<Uint8Array>) {
      const write = (bytes: Uint8Array) => {
        if (stop.signal.aborted) return;
        // desiredSize goes negative by what the client has not read yet.
        if (-(controller.desiredSize ?? 0) > maxBuffered) return end("slow");
        try {
          controller.enqueue(bytes);
        } catch {
          end("aborted");
        }
      };
      const started = Date.now();
      let lastEvent = started;
      let lastTick = 0;
      write(enc.encode("retry: 3000\n: connected\n\n"));
      try {
        while (!stop.signal.aborted) {
          const now = Date.now();
          if (now - started >= maxLifetimeMs) {
            end("lifetime");
            break;
          }
          if (now - lastEvent >= idleMs) {
            end("idle");
            break;
          }
          if (opts.tick && now - lastTick >= tickMs) {
            lastTick = now;
            const frame = await tickFrame(group, client, opts, tickMs);
            if (frame) {
              lastEvent = Date.now();
              write(frame);
            }
          }
          const wait = Math.max(
            1,
            Math.min(
              heartbeatMs,
              opts.tick ? tickMs - (Date.now() - lastTick) : heartbeatMs,
              maxLifetimeMs - (Date.now() - started),
              idleMs - (Date.now() - lastEvent),
            ),
          );
          const frames = await nextFrames(AbortSignal.any([stop.signal, AbortSignal.timeout(wait)]));
          if (stop.signal.aborted) break;
          if (frames.length > 0) {
            lastEvent = Date.now();
            for (const f of frames) write(f);
          } else {
            write(PING);
          }
        }
      } catch {
        end("aborted");
      } finally {
        leave();
        requestSignal.removeEventListener("abort", onRequestAbort);
        opts.onClose?.(reason);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    },
    cancel() {
      end("aborted");
    },
  };
  const strategy: QueuingStrategy<Uint8Array> = { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 };
  const body = new ReadableStream<Uint8Array>(source, strategy);

  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}

const PING = enc.encode(": ping\n\n");
