/** @jsxImportSource hono/jsx */
// Sign-in form. Errors are shown without saying whether the email exists.
import { CsrfField } from "../components/csrf-field.tsx";
import { Field, FormErrors } from "../components/field.tsx";
import { BareLayout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export function LoginPage(p: { shell: Shell; email?: string; next?: string; error?: string | null }) {
  return (
    <BareLayout shell={p.shell} title="Sign in">
      <div class="panel">
        <h1>Sign in</h1>
        <FormErrors errors={p.error ? [p.error] : []} />
        <form method="post" action="/login">
          <CsrfField token={p.shell.csrf} />
          {p.next ? <input type="hidden" name="next" value={p.next} /> : null}
          <Field name="email" label="Email" type="email" value={p.email} required autocomplete="username" />
          <Field name="password" label="Password" type="password" required autocomplete="current-password" />
          <button type="submit">Sign in</button>
        </form>
      </div>
    </BareLayout>
  );
}
