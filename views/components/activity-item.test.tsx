/** @jsxImportSource hono/jsx */
import { expect, test } from "bun:test";
import { ActivityItem, type ActivityItemProps } from "./activity-item.tsx";

const ev = (over: Partial<ActivityItemProps>): ActivityItemProps => ({
  id: 1,
  simulatorId: 3,
  simulatorName: "Shop",
  type: "generation",
  message: "Generated 600 points for interval 2026-12-02T05:15:00.000Z",
  details: { interval: "2026-12-02T05:15:00.000Z" },
  at: "2026-12-02T05:15:02.000Z",
  ...over,
});

const msg = async (p: ActivityItemProps) => {
  const html = String(await (<ActivityItem ev={p} />).toString());
  return /<span class="msg">(.*?)<\/span>\s*(<span class="small|<\/summary>)/s.exec(html)?.[1] ?? "";
};
const text = (html: string) => html.replace(/<[^>]+>/g, "");

test("an instant in a message reads in the site's zone, the UTC instant kept in its markup", async () => {
  const html = await msg(ev({ tz: "America/Phoenix" }));
  expect(text(html)).toBe("Generated 600 points for interval 2026-12-01 22:15 MST");
  expect(html).toContain('datetime="2026-12-02T05:15:00.000Z"');
  expect(text(await msg(ev({ tz: "America/New_York" })))).toBe(
    "Generated 600 points for interval 2026-12-02 00:15 EST",
  );
  // no zone known: UTC, named
  expect(text(await msg(ev({})))).toBe("Generated 600 points for interval 2026-12-02 05:15 UTC");
});

test("a message without instants is shown as it is, escaped", async () => {
  expect(await msg(ev({ message: 'Simulator "<b>x</b>" created', tz: "UTC" }))).toBe(
    "Simulator &quot;&lt;b&gt;x&lt;/b&gt;&quot; created",
  );
});
