// haystack-sim console enhancements. Everything here is optional: pages read fine without it.
// - charts: `<figure data-chart>` holding a `<script type="application/json">` block becomes a uPlot
//   chart (the server-drawn SVG stays as the no-JavaScript fallback), its time axis and legend in the
//   site's zone (`tz` of the block), as the server drew it;
// - `select[data-autosubmit]` submits its form on change;
// - `button[data-copy]` copies the text of the element it names;
// - `[data-local-time]` shows an ISO timestamp (a system event) in the browser's zone with its offset;
// - `form[data-confirm]` asks before submitting (without JavaScript it submits at once);
// - live pages re-sync when their event stream (re)opens: events sent before it connected (a backfill
//   that finished while the page loaded) or while it was down (a server restart) are not replayed,
//   so the page is fetched again and every live part (`[sse-swap][id]`, `[data-resync][id]`) replaced;
//   `[data-resync]` parts (no event of their own) are also refreshed after the page's events.
(() => {
  const charts = new Map();

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || undefined;
  }

  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2"];

  function drawChart(fig) {
    if (!window.uPlot) return;
    const src = fig.querySelector('script[type="application/json"]');
    if (!src) return;
    let spec;
    try {
      spec = JSON.parse(src.textContent || "{}");
    } catch {
      return;
    }
    if (!spec.x || spec.x.length === 0) return;
    const host = document.createElement("div");
    host.className = "uplot-host";
    const width = Math.max(280, fig.clientWidth - 16);
    const text = css("--text");
    const grid = css("--border");
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const tz = spec.tz || "UTC";
    const inZone = (secs) => window.uPlot.tzDate(new Date(secs * 1000), tz);
    const fmtX = window.uPlot.fmtDate("{YYYY}-{MM}-{DD} {HH}:{mm}");
    const opts = {
      width,
      height: spec.height || 320,
      tzDate: inZone,
      series: [
        { label: `Time (${spec.zone || tz})`, value: (_u, v) => (v == null ? "–" : fmtX(inZone(v))) },
      ].concat(
        spec.series.map((s, i) => ({
          label: s.unit ? `${s.name} (${s.unit})` : s.name,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          scale: s.unit || "y",
        })),
      ),
      axes: [{ ...axis, values: timeLabels(inZone) }].concat(
        Array.from(new Set(spec.series.map((s) => s.unit || "y"))).map((scale, i) => ({
          ...axis,
          scale,
          side: i === 0 ? 3 : 1,
          grid: { show: i === 0, stroke: grid, width: 1 },
          label: scale === "y" ? "" : scale,
        })),
      ),
      scales: { x: { time: true } },
    };
    const old = charts.get(fig);
    if (old) old.destroy();
    for (const el of fig.querySelectorAll(".fallback-chart, figcaption")) el.style.display = "none";
    fig.querySelector(".uplot-host")?.remove();
    fig.prepend(host);
    charts.set(fig, new window.uPlot(opts, [spec.x].concat(spec.ys), host));
    fig.dataset.drawnWidth = String(width);
  }

  // x-axis labels in 24-hour site time: `06:00`, with the day at local midnight (`Tue 2`)
  function timeLabels(inZone) {
    const day = window.uPlot.fmtDate("{WWW} {D}");
    const hm = window.uPlot.fmtDate("{HH}:{mm}");
    return (_u, splits) =>
      splits.map((v) => {
        const d = inZone(v);
        return d.getHours() === 0 && d.getMinutes() === 0 ? day(d) : hm(d);
      });
  }

  function localTimes(root) {
    for (const el of root.querySelectorAll("[data-local-time]")) {
      const d = new Date(el.getAttribute("data-local-time"));
      if (!Number.isNaN(d.getTime())) {
        el.title = el.getAttribute("data-local-time");
        el.textContent = d.toLocaleString(undefined, {
          year: "numeric",
          month: "short",
          day: "numeric",
          hour: "2-digit",
          minute: "2-digit",
          second: "2-digit",
          timeZoneName: "shortOffset",
        });
      }
    }
  }

  function init(root) {
    if (root instanceof Element && root.matches("[data-chart]")) drawChart(root);
    for (const fig of root.querySelectorAll("[data-chart]")) drawChart(fig);
    localTimes(root);
  }

  document.addEventListener("change", (e) => {
    const t = e.target;
    if (t instanceof HTMLSelectElement && t.hasAttribute("data-autosubmit") && t.form) t.form.requestSubmit();
  });

  document.addEventListener("click", (e) => {
    const b = e.target instanceof Element ? e.target.closest("button[data-copy]") : null;
    if (!b) return;
    const el = document.getElementById(b.getAttribute("data-copy"));
    if (el && navigator.clipboard) {
      navigator.clipboard.writeText(el.textContent.trim()).then(() => {
        b.textContent = "Copied";
      });
    }
  });

  document.addEventListener("submit", (e) => {
    const f = e.target;
    if (f instanceof HTMLFormElement && f.hasAttribute("data-confirm") && !window.confirm(f.dataset.confirm))
      e.preventDefault();
  });

  let resizeTimer;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const fig of charts.keys()) if (document.body.contains(fig)) drawChart(fig);
    }, 150);
  });

  document.addEventListener("htmx:afterSettle", (e) =>
    init(e.target instanceof Element ? e.target : document),
  );
  document.addEventListener("htmx:sseMessage", (e) =>
    localTimes(e.target instanceof Element ? e.target : document),
  );
  let resyncing = false;
  let resyncAgain = false;
  async function resync() {
    if (resyncing) {
      resyncAgain = true;
      return;
    }
    resyncing = true;
    try {
      do {
        resyncAgain = false;
        const res = await fetch(location.href, { headers: { Accept: "text/html" }, cache: "no-store" });
        if (!res.ok) return;
        const doc = new DOMParser().parseFromString(await res.text(), "text/html");
        const root = document.getElementById("live");
        if (!root) return;
        for (const old of root.querySelectorAll("[sse-swap][id], [data-resync][id]")) {
          if (!old.isConnected) continue;
          const fresh = doc.getElementById(old.id);
          if (!fresh || fresh.outerHTML === old.outerHTML) continue;
          const el = document.importNode(fresh, true);
          old.replaceWith(el);
          if (window.htmx) window.htmx.process(el);
          init(el);
        }
      } while (resyncAgain);
    } catch {
      // offline or a navigation away: the next open tries again
    } finally {
      resyncing = false;
    }
  }
  document.addEventListener("htmx:sseOpen", () => resync());
  // parts with no event of their own (a simulator's chart) follow the page's events, at most every 5 s
  let followTimer = null;
  document.addEventListener("htmx:sseMessage", () => {
    if (followTimer || !document.querySelector("#live [data-resync]")) return;
    followTimer = setTimeout(() => {
      followTimer = null;
      resync();
    }, 5000);
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => init(document));
  else init(document);
})();
