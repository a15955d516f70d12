/** @jsxImportSource hono/jsx */
// The page shell: skip link, header with navigation, the signed-in user and org switcher, flash
// messages, and the one SSE connection of the page (when the page has live parts). Props only.
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { CsrfField } from "./components/csrf-field.tsx";
import { FlashList } from "./components/flash.tsx";
import type { Shell } from "./shell.ts";

const NAV: ReadonlyArray<[href: string, label: string]> = [
  ["/", "Dashboard"],
  ["/simulators", "Simulators"],
  ["/activity", "Activity"],
  ["/explorer", "Explorer"],
  ["/databases", "Databases"],
  ["/settings", "Settings"],
];

// Error responses are swapped too: the server sends `HX-Reswap: none` with an out-of-band flash for
// failures, and re-rendered forms (422) for validation errors. No eval, no script tags in swaps;
// no inline styles either (strict CSP): htmx settles only classes and sizes, not `style`.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  attributesToSettle: ["class", "width", "height"],
  allowScriptTags: false,
  allowEval: false,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: true },
  ],
});

const isCurrent = (path: string, href: string) =>
  href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);

function Head(props: { shell: Shell; title: string; chart?: boolean }) {
  const a = props.shell.assets;
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <link rel="icon" href="data:," />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <title>{`${props.title} · haystack-sim`}</title>
      <link rel="stylesheet" href={a.css} />
      {props.chart ? <link rel="stylesheet" href={a.uplotCss} /> : null}
      <script src={a.htmx} defer />
      <script src={a.sse} defer />
      {props.chart ? <script src={a.uplot} defer /> : null}
      <script src={a.js} defer />
    </head>
  );
}

/** A signed-in page. `live` is the SSE URL for the page's live parts (one stream per page). */
export function Layout(props: {
  shell: Shell;
  title: string;
  live?: string;
  chart?: boolean;
  children?: Child;
}) {
  const { shell } = props;
  const headers = shell.csrf ? JSON.stringify({ "x-csrf-token": shell.csrf }) : undefined;
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <Head shell={shell} title={props.title} chart={props.chart} />
        <body hx-headers={headers}>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="topbar">
            <div class="topbar-inner">
              <a class="brand" href="/">
                haystack<span>-sim</span>
              </a>
              <nav aria-label="Main">
                <ul class="nav">
                  {NAV.filter(([href]) => href !== "/databases" || shell.user?.appAdmin).map(
                    ([href, label]) => (
                      <li>
                        <a href={href} aria-current={isCurrent(shell.path, href) ? "page" : undefined}>
                          {label}
                        </a>
                      </li>
                    ),
                  )}
                </ul>
              </nav>
              {shell.user ? <UserBox shell={shell} /> : null}
            </div>
          </header>
          {props.live ? (
            <div hx-ext="sse" sse-connect={props.live} data-since={shell.since} id="live">
              <Main shell={shell}>{props.children}</Main>
            </div>
          ) : (
            <Main shell={shell}>{props.children}</Main>
          )}
          <footer class="foot">haystack-sim {shell.version}</footer>
        </body>
      </html>
    </>
  );
}

function Main(props: { shell: Shell; children?: Child }) {
  return (
    <main id="main" tabindex={-1}>
      <div id="flash">
        <FlashList flash={props.shell.flash} />
      </div>
      {props.children}
    </main>
  );
}

function UserBox(props: { shell: Shell }) {
  const { shell } = props;
  return (
    <div class="userbox">
      {shell.orgs.length > 0 ? (
        <form method="post" action="/session/org" class="org-switch">
          <CsrfField token={shell.csrf} />
          <input type="hidden" name="back" value={shell.path} />
          <label for="org-select" class="visually-hidden">
            Organization
          </label>
          <select id="org-select" class="org-select" name="org" data-autosubmit>
            {shell.orgs.map((o) => (
              <option value={o.key} selected={shell.org?.id === o.id}>
                {o.name} ({o.role})
              </option>
            ))}
          </select>
          <noscript>
            <button type="submit" class="secondary">
              Switch
            </button>
          </noscript>
        </form>
      ) : null}
      <a href="/settings" class="hide-sm">
        {shell.user?.email}
      </a>
      <form method="post" action="/logout">
        <CsrfField token={shell.csrf} />
        <button type="submit" class="secondary">
          Sign out
        </button>
      </form>
    </div>
  );
}

/** A page without navigation (login, password change, errors before sign-in). */
export function BareLayout(props: { shell: Shell; title: string; children?: Child }) {
  return (
    <>
      {raw("<!doctype html>")}
      <html lang="en">
        <Head shell={props.shell} title={props.title} />
        <body>
          <main id="main" class="login">
            <p class="brand brand-lg">
              haystack<span>-sim</span>
            </p>
            <FlashList flash={props.shell.flash} />
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}
