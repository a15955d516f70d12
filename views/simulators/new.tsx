/** @jsxImportSource hono/jsx */
// Create a simulator from a template: a few settings, and the full configuration as YAML or JSON.
// Errors found by the server are shown next to their field.
import { CsrfField } from "../components/csrf-field.tsx";
import { Field, FormErrors, TextAreaField } from "../components/field.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface SimulatorFormValues {
  name: string;
  key: string;
  template: string;
  interval_minutes: string;
  backfill_days: string;
  seed: string;
  config: string;
}

export type SimulatorFormErrors = Partial<Record<keyof SimulatorFormValues, string>> & { form?: string[] };

export interface SimulatorFormProps {
  templates: ReadonlyArray<{ name: string; dis: string; description: string }>;
  values: SimulatorFormValues;
  errors: SimulatorFormErrors;
  csrf: string | null;
  action: string;
  submitLabel: string;
  keyLocked?: boolean;
}

export function SimulatorForm(p: SimulatorFormProps) {
  const v = p.values;
  const e = p.errors;
  return (
    <form
      method="post"
      action={p.action}
      id="simulator-form"
      hx-post={p.action}
      hx-target="this"
      hx-swap="outerHTML"
    >
      <CsrfField token={p.csrf} />
      <FormErrors errors={e.form} />
      <div class="inline-fields">
        <Field name="name" label="Name" value={v.name} error={e.name} required />
        <Field
          name="key"
          label="Key"
          value={v.key}
          error={e.key}
          required={!p.keyLocked}
          hint="Prefixes its entity ids: lower-case letters, digits, _ or -."
        />
      </div>
      <fieldset>
        <legend>Template</legend>
        {p.templates.map((t) => (
          <label class="choice">
            <input type="radio" name="template" value={t.name} checked={v.template === t.name} /> {t.dis}
            <span class="small muted"> – {t.description}</span>
          </label>
        ))}
        {e.template ? <div class="error">{e.template}</div> : null}
      </fieldset>
      <div class="inline-fields">
        <Field
          name="interval_minutes"
          label="Interval (minutes)"
          type="number"
          value={v.interval_minutes}
          error={e.interval_minutes}
          min={1}
        />
        <Field
          name="backfill_days"
          label="Backfill (days)"
          type="number"
          value={v.backfill_days}
          error={e.backfill_days}
          min={0}
        />
        <Field
          name="seed"
          label="Seed"
          type="number"
          value={v.seed}
          error={e.seed}
          hint="Empty: derived from the key."
        />
      </div>
      <TextAreaField
        name="config"
        label="Configuration (YAML or JSON, optional)"
        value={v.config}
        error={e.config}
        hint={
          <>
            Keys you set here override the template (for example{" "}
            <code>
              building: {"{"} floors: 3 {"}"}
            </code>
            ). The fields above win over the same keys in the document.
          </>
        }
      />
      <button type="submit">{p.submitLabel}</button>
    </form>
  );
}

export function NewSimulatorPage(p: SimulatorFormProps & { shell: Shell }) {
  return (
    <Layout shell={p.shell} title="New simulator">
      <p class="small">
        <a href="/simulators">Simulators</a> /
      </p>
      <h1>New simulator</h1>
      <div class="panel">
        <SimulatorForm {...p} />
      </div>
    </Layout>
  );
}
