// What every full page needs from the request, as plain props: asset URLs, the signed-in user, the
// org being viewed, the CSRF token for forms and htmx requests, and one-shot flash messages.

export interface AssetUrlProps {
  readonly css: string;
  readonly js: string;
  readonly htmx: string;
  readonly sse: string;
  readonly uplot: string;
  readonly uplotCss: string;
}

export interface OrgOption {
  readonly id: number;
  readonly key: string;
  readonly name: string;
  readonly role: "admin" | "member";
}

export interface Flash {
  readonly kind: "ok" | "error" | "info" | "warn";
  readonly text: string;
}

export interface Shell {
  readonly assets: AssetUrlProps;
  /** The request path, to mark the current navigation entry. */
  readonly path: string;
  readonly user: { readonly email: string; readonly appAdmin: boolean } | null;
  readonly orgs: readonly OrgOption[];
  readonly org: OrgOption | null;
  /** Sent back in the `x-csrf-token` header (htmx) or the `_csrf` field (forms). */
  readonly csrf: string | null;
  readonly flash: readonly Flash[];
  readonly version: string;
  /**
   * What the page has seen of its org's live events, taken before its data was read: the page's
   * event stream is opened with it (`since`), and says `resync` when events were published after it.
   */
  readonly since?: string;
}
