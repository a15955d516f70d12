/** @jsxImportSource hono/jsx */
// Password change: forced after a generated password, and from settings.
import { CsrfField } from "../components/csrf-field.tsx";
import { Field, FormErrors } from "../components/field.tsx";
import { BareLayout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface PasswordFormProps {
  errors?: Partial<Record<"current" | "password" | "confirm", string>>;
  formError?: string | null;
  action: string;
}

export function PasswordForm(p: PasswordFormProps & { csrf: string | null }) {
  return (
    <form method="post" action={p.action} id="password-form">
      <CsrfField token={p.csrf} />
      <FormErrors errors={p.formError ? [p.formError] : []} />
      <Field
        name="current"
        label="Current password"
        type="password"
        required
        autocomplete="current-password"
        error={p.errors?.current}
      />
      <Field
        name="password"
        label="New password"
        type="password"
        required
        autocomplete="new-password"
        hint="At least 8 characters."
        error={p.errors?.password}
      />
      <Field
        name="confirm"
        label="Repeat the new password"
        type="password"
        required
        autocomplete="new-password"
        error={p.errors?.confirm}
      />
      <button type="submit">Change password</button>
    </form>
  );
}

export function ForcedPasswordPage(p: PasswordFormProps & { shell: Shell }) {
  return (
    <BareLayout shell={p.shell} title="Choose a password">
      <div class="panel">
        <h1>Choose a new password</h1>
        <p class="muted">You signed in with a generated password. Choose your own before you continue.</p>
        <PasswordForm {...p} csrf={p.shell.csrf} />
      </div>
    </BareLayout>
  );
}
