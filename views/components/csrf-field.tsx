/** @jsxImportSource hono/jsx */
/** The CSRF token as a hidden form field (`_csrf`), for forms posted without JavaScript. */
export function CsrfField(props: { token: string | null }) {
  return props.token ? <input type="hidden" name="_csrf" value={props.token} /> : null;
}
