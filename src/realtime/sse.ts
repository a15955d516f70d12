// The SSE transport over the broker: one stream per page (`GET /events`). Clients that would get the
// same bytes (same `shareKey`, same org, same access to it) form a group: one broker subscription
// limited to the orgs they may see, each batch of events rendered and encoded once, the frame
// shared by every member, and one timer for the whole group (heartbeats, periodic parts, idle and
// lifetime limits). A client's own state is its stream's queue of shared frames, bounded in bytes
// (a client that does not read is dropped; the browser reconnects), and three times: when it
// connected, when it last got an event, when it last got anything. The group's subscription and
// timer end with its last member.
// What an event looks like on the wire (which HTML fragment, which event name) is decided by the
// `render` function the page layer passes in, so the same view components render pages and updates.
import type { Context } from "hono";
import type { Actor } from "../access/actor.ts";
import { sleep } from "../cron.ts";
import type { Broker, BrokerEvent, Subscription } from "./broker.ts";

export interface SseMessage {
  /** The SSE event name (htmx `sse-swap` attribute value). */
  readonly event: string;
  readonly data: string;
  /** The SSE `id` field: the browser sends it back as `Last-Event-ID` when it reconnects. */
  readonly id?: string;
}

/** This process's streams and pages: a token of another process (before a restart) is stale. */
const BOOT = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/**
 * What a page or a stream has seen of `orgId`'s events (with the system-wide ones): a page puts it
 * in its stream's URL (`since`), the stream in the `id` of its frames.
 */
export function liveToken(broker: Broker, orgId: number | null, lastId = broker.lastId(orgId)): string {
  return `${BOOT}.${lastId}`;
}

/** The event number a token of this process names, or null (another process's, or damaged). */
function seenOf(token: string): number | null {
  const dot = token.lastIndexOf(".");
  const seen = Number(token.slice(dot + 1));
  return token.slice(0, dot) === BOOT && Number.isSafeInteger(seen) && seen >= 0 ? seen : null;
}

/** Whether an event of `orgId` (or a system-wide one) was published after `token` was taken. */
export function missedSince(broker: Broker, orgId: number | null, token: string): boolean {
  const seen = seenOf(token);
  return seen === null || broker.lastId(orgId) > seen;
}

/**
 * Whether a page that has seen `token` missed an event it shows: one published since that
 * `relevant` says it renders (without `relevant`, any), or any when the broker no longer keeps them
 * all, or when the token is of another process.
 */
export function missedRelevant(
  broker: Broker,
  client: SseClient,
  token: string,
  relevant?: (client: SseClient, ev: BrokerEvent) => boolean,
): boolean {
  const seen = seenOf(token);
  if (seen === null) return true;
  if (broker.lastId(client.orgId) <= seen) return false;
  if (!relevant) return true;
  const missed = broker.eventsAfter(seen, acceptOf(client));
  return missed === null || missed.some((ev) => relevant(client, ev));
}

/** The orgs whose events a client gets: its page's org (when it may see it) and system-wide ones. */
function acceptOf(client: SseClient): (eventOrg: number | null) => boolean {
  const { actor, orgId } = client;
  return (eventOrg) => eventOrg === null || (eventOrg === orgId && actor.roleIn(eventOrg) !== null);
}

/** The message that ends each frame of a stream with ids: its `id` (and data) is what the page has seen. */
export const SEEN_EVENT = "seen";

/** The message a stream starts with when its page missed events: the page reads its live parts again. */
export const RESYNC_EVENT = "resync";

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
   * everything the rendering depends on (e.g. `console|user:3|member|dashboard`), and the clients
   * of one key must pass the same limits (the group keeps its first member's). Unset: the client
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
  /**
   * End each rendered frame with a `seen` message whose `id` (`liveToken`) is its last event, make
   * heartbeats such a message too (the events the group has gone through), and start the stream with a
   * `resync` message when events it shows (`relevant`) were published after `since` (the page's
   * token, or the `Last-Event-ID` of a reconnecting browser): it missed them. Unset: no ids, no check.
   */
  readonly since?: string | null;
  /**
   * Whether `render` shows anything for `ev` (pure, no I/O): a reconnecting page is told to
   * re-sync only when it missed such an event. Unset: after any event of its orgs.
   */
  readonly relevant?: (client: SseClient, ev: BrokerEvent) => boolean;
  /**
   * At least this long between two rendered frames of a group: the events of the wait are rendered
   * together (coalesced). Default 0 (each batch as soon as the last one is rendered).
   */
  readonly minGapMs?: number;
}

const enc = new TextEncoder();
const HELLO = enc.encode("retry: 3000\n: connected\n\n");
const PING = enc.encode(": ping\n\n");

/** Formats one SSE message; every line of `data` gets its own `data:` field. */
export function formatSse(m: SseMessage): string {
  const name = m.event.replace(/[\r\n]/g, "");
  const id = m.id === undefined ? "" : `id: ${m.id.replace(/[\r\n]/g, "")}\n`;
  return `event: ${name}\n${id}${m.data
    .split(/\r\n|\r|\n/)
    .map((l) => `data: ${l}`)
    .join("\n")}\n\n`;
}

/** The encoded frame of `msgs`, or null when there are none. */
const encode = (msgs: readonly SseMessage[]): Uint8Array | null =>
  msgs.length > 0 ? enc.encode(msgs.map(formatSse).join("")) : null;

/**
 * One client of a group: its stream (whose queue holds the frames it has not read) and times. It is
 * its stream's source and its request's abort listener itself (methods on the prototype), so a
 * client costs no closures of its own.
 */
class Member {
  controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** Last event (not heartbeat) delivered, and last bytes of any kind. */
  lastEvent: number;
  lastWrite: number;
  closed = false;
  /** The group, once joined. */
  group: Group | null = null;
  constructor(
    readonly started: number,
    readonly onClose: SseOptions["onClose"],
    /** The request's signal while this listens to it. */
    public signal: AbortSignal | null,
    /** The stream starts with `resync`. */
    readonly missed: boolean,
  ) {
    this.lastEvent = started;
    this.lastWrite = started;
  }
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
    controller.enqueue(HELLO);
    if (this.missed) controller.enqueue(RESYNC);
    const signal = this.signal;
    if (signal?.aborted) this.handleEvent();
    else signal?.addEventListener("abort", this, { once: true });
  }
  cancel(): void {
    this.handleEvent();
  }
  /** The request was aborted. */
  handleEvent(): void {
    if (this.group) endMember(this.group, this, "aborted");
  }
}

/** The group's limits, from its first member's options. */
interface Limits {
  heartbeatMs: number;
  idleMs: number;
  maxLifetimeMs: number;
  maxBuffered: number;
  tickMs: number;
}

/** Clients that get the same bytes: one subscription, one rendering per batch, one timer. */
interface Group {
  readonly key: string;
  readonly byKey: Map<string, Group>;
  readonly members: Set<Member>;
  readonly sub: Subscription;
  readonly stop: AbortController;
  readonly client: SseClient;
  readonly opts: SseOptions;
  readonly limits: Limits;
  timer: ReturnType<typeof setInterval> | null;
  lastTick: number;
  ticking: boolean;
  /** The last event the group has rendered (or found nothing to render for), and its heartbeat. */
  seenId: number;
  ping: Uint8Array;
}

const groups = new WeakMap<Broker, Map<string, Group>>();
let soloKeys = 0;

/** Ends one member's stream (once): leaves its group, closes the stream, reports the reason. */
function endMember(g: Group, m: Member, why: CloseReason): void {
  if (m.closed) return;
  m.closed = true;
  m.signal?.removeEventListener("abort", m);
  m.signal = null;
  g.members.delete(m);
  if (g.members.size === 0) stopGroup(g);
  try {
    m.controller?.close();
  } catch {
    // already closed or cancelled by the client
  }
  m.controller = null;
  m.onClose?.(why);
}

function stopGroup(g: Group): void {
  if (g.byKey.get(g.key) === g) g.byKey.delete(g.key);
  if (g.timer) clearInterval(g.timer);
  g.timer = null;
  g.stop.abort();
  g.sub.close();
}

/** Queues `bytes` for `m`, or ends it when it has more than the bound unread. */
function write(g: Group, m: Member, bytes: Uint8Array, now: number, isEvent: boolean): void {
  const c = m.controller;
  if (!c || m.closed) return;
  // desiredSize goes negative by what the client has not read yet.
  if (-(c.desiredSize ?? 0) > g.limits.maxBuffered) {
    endMember(g, m, "slow");
    return;
  }
  try {
    c.enqueue(bytes);
  } catch {
    endMember(g, m, "aborted");
    return;
  }
  m.lastWrite = now;
  if (isEvent) m.lastEvent = now;
}

function deliver(g: Group, frame: Uint8Array): void {
  const now = Date.now();
  for (const m of [...g.members]) write(g, m, frame, now, true);
}

/** The message that says the page has seen the group's events up to `lastId`. */
function seenMessage(g: Group, lastId: number): SseMessage {
  const token = liveToken(g.opts.broker, g.client.orgId, lastId);
  return { event: SEEN_EVENT, id: token, data: token };
}

/** Renders the group's batches once and hands each frame to every member, until the last leaves. */
async function runGroup(g: Group): Promise<void> {
  while (!g.stop.signal.aborted) {
    const events = await g.sub.next(g.stop.signal);
    if (g.sub.takeDropped() > 0) {
      for (const m of [...g.members]) endMember(g, m, "dropped_events");
      continue;
    }
    if (events.length === 0) continue;
    const lastId = events.reduce((n, e) => Math.max(n, e.id), 0);
    let frame: Uint8Array | null;
    try {
      const msgs = await g.opts.render(g.client, events);
      if (msgs.length > 0 && g.opts.since !== undefined) msgs.push(seenMessage(g, lastId));
      frame = encode(msgs);
    } catch {
      for (const m of [...g.members]) endMember(g, m, "aborted");
      continue;
    }
    if (g.opts.since !== undefined && lastId > g.seenId) {
      g.seenId = lastId;
      g.ping = enc.encode(formatSse(seenMessage(g, lastId)));
    }
    if (frame) {
      deliver(g, frame);
      const gap = g.opts.minGapMs ?? 0;
      if (gap > 0) await sleep(gap, g.stop.signal);
    }
  }
}

/** The group's timer: periodic parts (rendered once), then each member's limits and heartbeat. */
function onTimer(g: Group): void {
  const { tick } = g.opts;
  const { tickMs, heartbeatMs, idleMs, maxLifetimeMs } = g.limits;
  const now = Date.now();
  if (tick && !g.ticking && now - g.lastTick >= tickMs) {
    g.lastTick = now;
    g.ticking = true;
    void tick(g.client)
      .then(encode)
      .then(
        (frame) => {
          if (frame) deliver(g, frame);
        },
        () => undefined, // the next tick tries again
      )
      .finally(() => {
        g.ticking = false;
      });
  }
  for (const m of [...g.members]) {
    if (now - m.started >= maxLifetimeMs) endMember(g, m, "lifetime");
    else if (now - m.lastEvent >= idleMs) endMember(g, m, "idle");
    else if (now - m.lastWrite >= heartbeatMs) write(g, m, g.ping, now, false);
  }
}

/** Joins (or starts) the group of `key`. */
function join(key: string, client: SseClient, opts: SseOptions, m: Member): Group {
  const byKey = groups.get(opts.broker) ?? new Map<string, Group>();
  groups.set(opts.broker, byKey);
  const found = byKey.get(key);
  if (found) {
    found.members.add(m);
    return found;
  }
  const limits: Limits = {
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    idleMs: opts.idleMs ?? 10 * 60_000,
    maxLifetimeMs: opts.maxLifetimeMs ?? 60 * 60_000,
    maxBuffered: opts.maxBufferedBytes ?? 1024 * 1024,
    tickMs: opts.tickMs ?? 5_000,
  };
  const g: Group = {
    key,
    byKey,
    members: new Set([m]),
    stop: new AbortController(),
    sub: opts.broker.subscribe({ accept: acceptOf(client) }),
    client,
    opts,
    limits,
    timer: null,
    lastTick: 0,
    ticking: false,
    seenId: 0,
    ping: PING,
  };
  byKey.set(key, g);
  // The timer's period: fine enough for the shortest limit, at most a second.
  const period = Math.max(
    5,
    Math.min(
      1000,
      limits.heartbeatMs,
      limits.idleMs / 4,
      limits.maxLifetimeMs / 4,
      opts.tick ? limits.tickMs : 1000,
    ),
  );
  g.timer = setInterval(() => onTimer(g), period);
  void runGroup(g).finally(() => g.sub.close());
  // a group with a periodic part sends it to its first member at once
  if (opts.tick) queueMicrotask(() => onTimer(g));
  return g;
}

interface BunServerLike {
  timeout?: (req: Request, seconds: number) => void;
}

/**
 * Answers one SSE request for `client`. The caller has authenticated the actor and checked the org.
 * Side effects: membership of a group whose broker subscription lives as long as its last stream.
 */
export function sseResponse(c: Context, client: SseClient, opts: SseOptions): Response {
  // Bun closes idle connections after 10 s unless told otherwise for this request.
  (c.env as { server?: BunServerLike } | undefined)?.server?.timeout?.(c.req.raw, 0);

  const { actor, orgId } = client;
  // The access check is part of the key: members of a group see exactly the same orgs' events.
  const access = orgId === null ? "none" : (actor.roleIn(orgId) ?? "none");
  const key =
    opts.shareKey === undefined
      ? `solo:${++soloKeys}`
      : `${opts.tick ? `tick:${opts.tickMs ?? 5_000}` : "notick"}|${orgId}|${access}|${opts.shareKey}`;
  const since = opts.since === undefined ? null : (c.req.header("last-event-id") ?? opts.since);
  const missed = since !== null && missedRelevant(opts.broker, client, since, opts.relevant);
  const member = new Member(Date.now(), opts.onClose, c.req.raw.signal, missed);
  member.group = join(key, client, opts, member);
  return new Response(new ReadableStream<Uint8Array>(member, STRATEGY), { headers: SSE_HEADERS });
}

const RESYNC = enc.encode(formatSse({ event: RESYNC_EVENT, data: "missed" }));

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/** Every stream's queue is counted in bytes, and nothing is pulled ahead. */
const STRATEGY: QueuingStrategy<Uint8Array> = { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 };
