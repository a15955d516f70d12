// Static assets embedded in the executable (htmx, its SSE extension, uPlot, our CSS and JS). Read
// once at start, served at content-hashed URLs (`/static/app.3f2a9c1b.css`) with immutable caching,
// an ETag and a precomputed gzip body. Unhashed names (`/static/app.css`) are served too, revalidated
// on every use, for hand-written links and tools.
import { readFileSync } from "node:fs";
import type { Env, Hono } from "hono";
import htmxJs from "htmx.org/dist/htmx.min.js" with { type: "file" };
import sseJs from "htmx-ext-sse/dist/sse.min.js" with { type: "file" };
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "file" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "file" };
import appCss from "../../public/app.css" with { type: "file" };
import appJs from "../../public/app.js" with { type: "file" };

interface Asset {
  readonly name: string;
  readonly url: string;
  readonly type: string;
  readonly body: Uint8Array;
  readonly gzip: Uint8Array;
  readonly etag: string;
}

/** URLs of every asset the pages link to. */
export interface AssetUrls {
  readonly css: string;
  readonly js: string;
  readonly htmx: string;
  readonly sse: string;
  readonly uplot: string;
  readonly uplotCss: string;
}

const SOURCES: ReadonlyArray<[keyof AssetUrls, string, string]> = [
  ["css", "app.css", appCss],
  ["js", "app.js", appJs],
  ["htmx", "htmx.js", htmxJs],
  ["sse", "htmx-sse.js", sseJs],
  ["uplot", "uplot.js", uplotJs],
  ["uplotCss", "uplot.css", uplotCss],
];

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
};

function load(name: string, path: string): Asset {
  const body = new Uint8Array(readFileSync(path));
  const hash = new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 12);
  const dot = name.lastIndexOf(".");
  const ext = name.slice(dot + 1);
  return {
    name,
    url: `/static/${name.slice(0, dot)}.${hash}.${ext}`,
    type: TYPES[ext] ?? "application/octet-stream",
    body,
    gzip: Bun.gzipSync(body, { level: 9 }),
    etag: `"${hash}"`,
  };
}

let loaded: { urls: AssetUrls; byPath: Map<string, { asset: Asset; immutable: boolean }> } | undefined;

function assets() {
  if (loaded) return loaded;
  const byPath = new Map<string, { asset: Asset; immutable: boolean }>();
  const urls: Partial<Record<keyof AssetUrls, string>> = {};
  for (const [key, name, path] of SOURCES) {
    const asset = load(name, path);
    urls[key] = asset.url;
    byPath.set(asset.url, { asset, immutable: true });
    byPath.set(`/static/${name}`, { asset, immutable: false });
  }
  loaded = { urls: Object.freeze(urls as AssetUrls), byPath };
  return loaded;
}

/** The hashed URLs of the embedded assets (read and hashed on first use). */
export function assetUrls(): AssetUrls {
  return assets().urls;
}

/** Answers one asset request: 304 on a matching ETag, gzip when accepted, 404 for unknown paths. */
export function serveAsset(path: string, headers: Headers): Response {
  const hit = assets().byPath.get(path);
  if (!hit) return new Response("not found", { status: 404, headers: { "content-type": "text/plain" } });
  const { asset, immutable } = hit;
  const common: Record<string, string> = {
    etag: asset.etag,
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "public, max-age=0, must-revalidate",
    vary: "accept-encoding",
    "x-content-type-options": "nosniff",
  };
  const inm = headers.get("if-none-match");
  if (inm?.split(",").some((t) => t.trim().replace(/^W\//, "") === asset.etag))
    return new Response(null, { status: 304, headers: common });
  const gzip = /\bgzip\b/.test(headers.get("accept-encoding") ?? "");
  return new Response(gzip ? asset.gzip : asset.body, {
    headers: {
      ...common,
      "content-type": asset.type,
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    },
  });
}

/** Mounts `GET /static/*` (public). */
export function mountAssets<E extends Env>(app: Hono<E>): void {
  app.get("/static/*", (c) => serveAsset(c.req.path, c.req.raw.headers));
}
