// The SSE transport over the broker: one stream per page (`GET /events`). Each client gets its own
// broker subscription limited to the orgs it may see, a bounded output queue (a client that does not
// read is dropped; the browser reconnects), comment pings, an idle limit (no event delivered) and a
// maximum lifetime after which the browser reconnects, and unsubscription when it goes away.
// What an event looks like on the wire (which HTML fragment, which event name) is decided by the
// `render` function the page layer passes in, so the same view components render pages and updates.
import type { Context } from "hono";
import type { Actor } from "../access/actor.ts";
import type { Broker, BrokerEvent } from "./broker.ts";

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

export interface SseOptions {
  readonly broker: Broker;
  /** Turns a batch of broker events into messages for one client (may return none). */
  readonly render: (client: SseClient, events: readonly BrokerEvent[]) => Promise<SseMessage[]>;
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
  readonly onClose?: (reason: "aborted" | "idle" | "lifetime" | "slow" | "dropped_events") => void;
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

interface BunServerLike {
  timeout?: (req: Request, seconds: number) => void;
}

/**
 * Answers one SSE request for `client`. The caller has authenticated the actor and checked the org.
 * Side effects: a broker subscription that lives exactly as long as the stream.
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
  const sub = opts.broker.subscribe({
    accept: (eventOrg) => eventOrg === null || (eventOrg === orgId && actor.roleIn(eventOrg) !== null),
  });
  const stop = new AbortController();
  const requestSignal = c.req.raw.signal;
  let reason: Parameters<NonNullable<SseOptions["onClose"]>>[0] = "aborted";
  const end = (why: typeof reason) => {
    if (stop.signal.aborted) return;
    reason = why;
    stop.abort();
  };
  const onRequestAbort = () => end("aborted");
  requestSignal.addEventListener("abort", onRequestAbort, { once: true });

  const source: Bun.UnderlyingSource<Uint8Array> = {
    async start(controller: ReadableStreamDefaultController<Uint8Array>) {
      let buffered = 0;
      const write = (text: string) => {
        if (stop.signal.aborted) return;
        const bytes = enc.encode(text);
        // desiredSize goes negative by what the client has not read yet.
        buffered = -(controller.desiredSize ?? 0);
        if (buffered > maxBuffered) return end("slow");
        try {
          controller.enqueue(bytes);
        } catch {
          end("aborted");
        }
      };
      const started = Date.now();
      let lastEvent = started;
      let lastTick = 0;
      write("retry: 3000\n: connected\n\n");
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
            const msgs = await opts.tick(client);
            if (msgs.length > 0) {
              lastEvent = Date.now();
              write(msgs.map(formatSse).join(""));
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
          const events = await sub.next(AbortSignal.any([stop.signal, AbortSignal.timeout(wait)]));
          if (sub.takeDropped() > 0) {
            end("dropped_events");
            break;
          }
          if (events.length > 0) {
            const out = await opts.render(client, events);
            if (out.length > 0) {
              lastEvent = Date.now();
              write(out.map(formatSse).join(""));
            }
          } else if (!stop.signal.aborted) {
            write(": ping\n\n");
          }
        }
      } catch {
        end("aborted");
      } finally {
        sub.close();
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
