import { chromium } from "playwright-core";
const base = "http://127.0.0.1:18731";
const shots = "/tmp/dbf-shots";
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
const ctx = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 860 } });
const page = await ctx.newPage();
const problems: string[] = [];
page.on("pageerror", (e) => problems.push(`pageerror ${e}`));
page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()} ${m.text()}`); });
page.on("response", (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
await page.goto("/login");
await page.fill('input[name="email"]', "admin@example.com");
await page.fill('input[name="password"]', "walkthrough password 1");
await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
console.log("after login:", page.url());
const visit = async (path: string, name: string) => {
  await page.goto(path);
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  console.log(name, page.url(), (await page.title()));
};
await visit("/", "dashboard");
await visit("/simulators", "simulators");
await visit("/simulators/1", "sim-detail");
await visit("/activity", "activity");
await visit("/explorer", "explorer");
await visit("/databases", "databases");
await visit("/settings", "settings");
await visit("/simulators/new", "sim-new");
await visit("/simulators/1/edit", "sim-edit");
// a no-JS view of activity
const nojs = await browser.newContext({ baseURL: base, javaScriptEnabled: false, storageState: await ctx.storageState() });
const p2 = await nojs.newPage();
await p2.goto("/activity");
await p2.screenshot({ path: `${shots}/activity-nojs.png`, fullPage: true });
await p2.goto("/simulators/1");
await p2.screenshot({ path: `${shots}/sim-detail-nojs.png`, fullPage: true });
console.log("problems:", JSON.stringify(problems, null, 1));
await browser.close();
