// An outage of the primary is told in the log once when it is found and once when it ends (the
// availability gate), not once or twice per refused request: a poller fleet retrying at 1,000
// requests a second would write ~60,000 warn lines in an 8 s outage. A failure that is not a
// refusal by a primary known down (a write lost mid-transaction) is still a warn line.
import { expect, test } from "bun:test";
import { Hono } from "hono";
import { DatabaseUnavailableError } from "../../src/db/faults.ts";
import { errorHandler } from "../../src/http/errors.ts";
import { primaryFailure } from "../../src/ingest/write.ts";
import { createLogger } from "../../src/log.ts";

function capture() {
  const lines: string[] = [];
  const log = createLogger({ level: "info", format: "json", write: (l) => lines.push(l) });
  return { log, lines };
}

test("a write refused by a primary known down is a 503 without a warn line; a lost connection is one", async () => {
  const { log, lines } = capture();
  const down = new DatabaseUnavailableError("primary", new Date(), "connect ECONNREFUSED 127.0.0.1:5432");
  const app = new Hono();
  app.onError(errorHandler(log));
  app.post("/refused", () => {
    throw primaryFailure({ log }, down);
  });
  app.post("/raw", () => {
    throw down;
  });
  app.post("/lost", () => {
    throw primaryFailure(
      { log },
      Object.assign(new Error("write CONNECTION_CLOSED"), { code: "CONNECTION_CLOSED" }),
    );
  });
  for (let i = 0; i < 100; i++) {
    expect((await app.request("/refused", { method: "POST" })).status).toBe(503);
    expect((await app.request("/raw", { method: "POST" })).status).toBe(503);
  }
  expect(lines).toEqual([]);
  expect((await app.request("/lost", { method: "POST" })).status).toBe(503);
  expect(lines.length).toBe(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", msg: "value write failed on the primary" });
});
