/** @jsxImportSource hono/jsx */
import { expect, test } from "bun:test";
import type { SimulatorSummary } from "../components/simulator-card.tsx";
import { SimulatorLive } from "./detail.tsx";

const sim = (over: Partial<SimulatorSummary>): SimulatorSummary => ({
  id: 7,
  key: "shop",
  name: "Shop",
  orgKey: "acme",
  template: "retail-rtu",
  status: "running",
  desired: "running",
  lastInterval: "2025-07-01T12:00:00.000Z",
  nextRun: "2025-07-01T13:00:30.000Z",
  pointsWritten: 10,
  errors24h: 0,
  lastDurationMs: 5,
  errorMessage: null,
  intervalMinutes: 60,
  ...over,
});

const facts = async (s: SimulatorSummary) => {
  const html = String(await (<SimulatorLive sim={s} progress={null} />).toString());
  return Object.fromEntries(
    [...html.matchAll(/<dt>([^<]+)<\/dt><dd[^>]*>(.*?)<\/dd>/g)].map(([, k, v]) => [
      k,
      v!.replace(/<[^>]+>/g, ""),
    ]),
  );
};

test("last interval and next run read on the site's clock, with the zone named (summer in New York: EDT)", async () => {
  expect(await facts(sim({ tz: "America/New_York" }))).toMatchObject({
    "Last interval": "2025-07-01 08:00 EDT",
    "Next run": "2025-07-01 09:00 EDT",
    "Site time zone": "America/New_York",
  });
});

test("waiting says in words what it means; other statuses say nothing more", async () => {
  const html = async (status: string) =>
    String(await (<SimulatorLive sim={sim({ status, tz: "UTC" })} progress={null} />).toString());
  expect(await html("waiting")).toContain("Primary database unavailable");
  expect(await html("running")).not.toContain("Primary database unavailable");
});
