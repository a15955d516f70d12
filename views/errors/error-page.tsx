/** @jsxImportSource hono/jsx */
// Error pages (401, 403, 404, 5xx) and the htmx fragment shown in place of a failed swap.
import { BareLayout, Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Sign in required",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Too large",
  422: "Invalid input",
  429: "Too many requests",
  503: "Unavailable",
};

export const errorTitle = (status: number) =>
  TITLES[status] ?? (status >= 500 ? "Something went wrong" : "Error");

function Body(p: { status: number; message: string; requestId?: string }) {
  return (
    <div class="panel">
      <h1>{errorTitle(p.status)}</h1>
      <p>{p.message}</p>
      {p.status === 401 ? (
        <p>
          <a class="button" href="/login">
            Sign in
          </a>
        </p>
      ) : (
        <p>
          <a href="/">Back to the dashboard</a>
        </p>
      )}
      {p.requestId ? <p class="small muted">Request id: {p.requestId}</p> : null}
    </div>
  );
}

export function ErrorPage(p: { shell: Shell; status: number; message: string; requestId?: string }) {
  const Shell = p.shell.user ? Layout : BareLayout;
  return (
    <Shell shell={p.shell} title={errorTitle(p.status)}>
      <Body {...p} />
    </Shell>
  );
}

/** Swapped into `#flash` (out of band) when an htmx request fails. */
export function ErrorFragment(p: { status: number; message: string }) {
  return (
    <div id="flash" hx-swap-oob="true">
      <div class="flash error" role="alert">
        {errorTitle(p.status)}: {p.message}
      </div>
    </div>
  );
}
