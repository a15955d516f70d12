// haystack-sim console enhancements. Everything here is optional: pages read fine without it.
// - charts: `<figure data-chart>` holding a `<script type="application/json">` block becomes a uPlot
//   chart (the server-drawn SVG stays as the no-JavaScript fallback), its time axis and legend in the
//   site's zone (`tz` of the block), as the server drew it;
// - `select[data-autosubmit]` submits its form on change;
// - `button[data-copy]` copies the text of the element it names;
// - `[data-local-time]` shows an ISO timestamp (a system event) in the browser's zone with its offset;
// - `form[data-confirm]` asks before submitting (without JavaScript it submits at once);
// - live pages re-sync when their event stream says `resync`: the page opens it with what it has seen
//   (`data-since`, kept current by the stream's `seen` messages), the browser reconnects with the
//   `Last-Event-ID` of the last one, and the server says `resync` only when events the page shows were
//   published meanwhile (a backfill that finished while the page loaded, a server restart); then the
//   page's fragment is fetched once and every live part (`[sse-swap][id]`, `[data-resync][id]`) that
//   changed is replaced;
// - `[data-resync="<url>"]` parts (no event of their own) are read again from their URL after their
//   notice (`data-resync-on`), at most every 5 s;
// - a hidden page (`document.hidden`) makes no requests and closes its stream; shown again, it opens it
//   with what it has seen (and re-syncs only when it missed something it shows).
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
  // Replaces `old` by `fresh` (parsed from a response) when it changed; htmx and charts see the new one.
  function replacePart(old, fresh) {
    if (!old.isConnected || !fresh || fresh.outerHTML === old.outerHTML) return;
    const el = document.importNode(fresh, true);
    old.replaceWith(el);
    if (window.htmx) window.htmx.process(el);
    init(el);
  }

  async function fetchDoc(url) {
    // `HX-Request`: the page's fragment (its body without the shell), which holds every live part
    const res = await fetch(url, {
      headers: { Accept: "text/html", "HX-Request": "true" },
      cache: "no-store",
    });
    if (!res.ok) return null;
    return new DOMParser().parseFromString(await res.text(), "text/html");
  }

  // Work for when the page is shown again: a hidden page makes no requests (and has no stream).
  const pending = { resync: false, follow: false };

  // The stream says `resync` when the page missed events (sent before it connected, or while it was
  // down): the page's fragment is fetched once and every live part that changed is replaced.
  let resyncing = false;
  let resyncAgain = false;
  async function resync() {
    if (document.hidden) {
      pending.resync = true;
      return;
    }
    if (resyncing) {
      resyncAgain = true;
      return;
    }
    resyncing = true;
    try {
      do {
        resyncAgain = false;
        const doc = await fetchDoc(location.href);
        const root = document.getElementById("live");
        if (!doc || !root) return;
        for (const old of root.querySelectorAll("[sse-swap][id], [data-resync][id]"))
          replacePart(old, doc.getElementById(old.id));
      } while (resyncAgain);
    } catch {
      // offline or a navigation away: the next open tries again
    } finally {
      resyncing = false;
    }
  }
  // What the page has seen of its org's events: `data-since` of `#live` (a token `<boot>.<n>`, taken
  // before the page's data was read), moved forward by each `seen` message of the stream (the end of
  // every frame, and the heartbeats), never back.
  function sinceOf() {
    return document.getElementById("live")?.getAttribute("data-since") || null;
  }
  function laterToken(a, b) {
    const boot = (t) => t.slice(0, t.lastIndexOf("."));
    const n = (t) => Number(t.slice(t.lastIndexOf(".") + 1));
    // another boot: the server restarted, its token is the current one
    return boot(a) !== boot(b) || n(b) > n(a) ? b : a;
  }
  function noteSeen(e) {
    const live = document.getElementById("live");
    const token = e.lastEventId || e.data;
    if (!live || !token) return;
    const since = live.getAttribute("data-since");
    live.setAttribute("data-since", since ? laterToken(since, token) : token);
  }
  function withSince(url) {
    const since = sinceOf();
    if (!since) return url;
    const u = new URL(url, location.href);
    u.searchParams.set("since", since);
    return u.pathname + u.search;
  }

  // The page's stream, as htmx sees it (an EventSource): while the page is hidden its connection is
  // closed (a hidden tab costs the server nothing); when it is shown again it is opened anew with
  // what the page has seen (`since`), and the server says `resync` only when the page missed an
  // event it shows. htmx's listeners (its `sse-swap` parts) and ours are kept across connections.
  function liveSource(url) {
    let real = null;
    let closed = false;
    const listeners = [];
    const src = {
      url,
      withCredentials: false,
      onopen: null,
      onerror: null,
      onmessage: null,
      get readyState() {
        return closed ? 2 : real ? real.readyState : 0;
      },
      addEventListener(name, fn) {
        listeners.push([name, fn]);
        real?.addEventListener(name, fn);
      },
      removeEventListener(name, fn) {
        const i = listeners.findIndex(([n, f]) => n === name && f === fn);
        if (i >= 0) listeners.splice(i, 1);
        real?.removeEventListener(name, fn);
      },
      close() {
        closed = true;
        disconnect();
        document.removeEventListener("visibilitychange", onVisibility);
      },
    };
    function connect() {
      const es = new EventSource(withSince(url));
      real = es;
      es.onopen = (e) => src.onopen?.(e);
      es.onmessage = (e) => src.onmessage?.(e);
      es.onerror = (e) => {
        // closed for good (the server refused it): htmx opens a new stream after its back-off
        if (es.readyState === 2) src.close();
        src.onerror?.(e);
      };
      es.addEventListener("seen", noteSeen);
      for (const [name, fn] of listeners) es.addEventListener(name, fn);
    }
    function disconnect() {
      real?.close();
      real = null;
    }
    function onVisibility() {
      if (closed) return;
      if (document.hidden) disconnect();
      else if (!real) connect();
    }
    document.addEventListener("visibilitychange", onVisibility);
    if (!document.hidden) connect();
    return src;
  }
  if (window.htmx) window.htmx.createEventSource = liveSource;
  const sources = new WeakSet();
  document.addEventListener("htmx:sseOpen", (e) => {
    const source = e.detail?.source;
    if (!source || sources.has(source)) return;
    sources.add(source);
    source.addEventListener("resync", () => resync());
    const notices = new Set();
    for (const el of document.querySelectorAll("#live [data-resync-on]"))
      notices.add(el.getAttribute("data-resync-on"));
    for (const name of notices) source.addEventListener(name, () => followSoon());
  });

  // Parts with no event of their own (a simulator's chart, `data-resync="<its URL>"`) are read again
  // from their URL after their notice (`data-resync-on`, an SSE event name; without one, after any of
  // the page's events), at most every 5 s.
  async function follow() {
    if (document.hidden) {
      pending.follow = true;
      return;
    }
    for (const old of document.querySelectorAll("#live [data-resync][id]")) {
      const url = old.getAttribute("data-resync");
      if (!url) continue;
      try {
        const doc = await fetchDoc(url);
        if (doc) replacePart(old, doc.getElementById(old.id));
      } catch {
        // the next notice tries again
      }
    }
  }
  let followTimer = null;
  function followSoon() {
    if (followTimer) return;
    followTimer = setTimeout(() => {
      followTimer = null;
      follow();
    }, 5000);
  }
  document.addEventListener("htmx:sseMessage", () => {
    if (document.querySelector("#live [data-resync]:not([data-resync-on])")) followSoon();
  });

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    if (pending.resync) {
      pending.resync = false;
      resync();
    }
    if (pending.follow) {
      pending.follow = false;
      follow();
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => init(document));
  else init(document);
})();
