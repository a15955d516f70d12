// An SSE server with nothing of ours in it, for bench/sse's baseline: Bun.serve answering every
// request with the same headers and first line as `/events` and a stream that stays open. What
// 1,000 of its streams cost is Bun's own per-connection memory. Prints its port; loopback only.
const hello = new TextEncoder().encode("retry: 3000\n: connected\n\n");
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req, srv) {
    srv.timeout(req, 0);
    const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(hello) }, { highWaterMark: 0 });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  },
});
console.log(server.port);
