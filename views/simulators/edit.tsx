/** @jsxImportSource hono/jsx */
// Edit a simulator: name, interval, seed, data quality and fault windows as fields, and the rest of
// the configuration as YAML or JSON. The key and template of an existing simulator do not change
// here (the template is part of the document). Errors found by the server sit next to their field.
import { CsrfField } from "../components/csrf-field.tsx";
import { Field, FormErrors, TextAreaField } from "../components/field.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface EditFormValues {
  name: string;
  interval_minutes: string;
  seed: string;
  stale_percent: string;
  fault_percent: string;
  /** The `faults` list as YAML. */
  faults: string;
  /** The rest of the document as YAML. */
  config: string;
}

export type EditFormErrors = Partial<Record<keyof EditFormValues, string>> & { form?: string[] };

export interface EditFormProps {
  id: number;
  simKey: string;
  values: EditFormValues;
  errors: EditFormErrors;
  csrf: string | null;
}

export function SimulatorEditForm(p: EditFormProps) {
  const v = p.values;
  const e = p.errors;
  const action = `/simulators/${p.id}/edit`;
  return (
    <form
      method="post"
      action={action}
      id="simulator-form"
      hx-post={action}
      hx-target="this"
      hx-swap="outerHTML"
    >
      <CsrfField token={p.csrf} />
      <FormErrors errors={e.form} />
      <div class="inline-fields">
        <Field name="name" label="Name" value={v.name} error={e.name} required />
        <Field
          name="interval_minutes"
          label="Interval (minutes)"
          type="number"
          value={v.interval_minutes}
          error={e.interval_minutes}
          min={1}
        />
        <Field name="seed" label="Seed" type="number" value={v.seed} error={e.seed} min={0} />
      </div>
      <fieldset>
        <legend>Data quality</legend>
        <div class="inline-fields">
          <Field
            name="stale_percent"
            label="Stale values (%)"
            type="number"
            value={v.stale_percent}
            error={e.stale_percent}
            min={0}
            max={100}
            hint="Share of readings repeated unchanged."
          />
          <Field
            name="fault_percent"
            label="Faulty values (%)"
            type="number"
            value={v.fault_percent}
            error={e.fault_percent}
            min={0}
            max={100}
            hint="Share of readings flagged as faults."
          />
        </div>
      </fieldset>
      <TextAreaField
        name="faults"
        label="Fault windows (YAML or JSON list)"
        value={v.faults}
        error={e.faults}
        rows={6}
        code
        hint={
          <>
            For example{" "}
            <code>
              - {"{"} type: sensor_bias, target: ahu-1, start: 2025-01-06T08:00:00Z, end: 2025-01-06T12:00:00Z{" "}
              {"}"}
            </code>
            ; types: stuck_damper, sensor_bias, chiller_trip, comm_outage. Empty: none.
          </>
        }
      />
      <TextAreaField
        name="config"
        label="Configuration (YAML or JSON)"
        value={v.config}
        error={e.config}
        rows={16}
        code
        hint={
          <>
            The rest of the document (template, building…). The key <code>{p.simKey}</code> does not change;
            the fields above win over the same keys here.
          </>
        }
      />
      <div class="row">
        <button type="submit">Save configuration</button>
        <a href={`/simulators/${p.id}`}>Cancel</a>
        <a href={`/simulators/${p.id}/weather`}>Weather files (EPW)</a>
      </div>
    </form>
  );
}

export function SimulatorEditPage(p: EditFormProps & { shell: Shell; name: string }) {
  return (
    <Layout shell={p.shell} title={`Edit ${p.name}`}>
      <p class="small">
        <a href="/simulators">Simulators</a> / <a href={`/simulators/${p.id}`}>{p.name}</a> /
      </p>
      <h1>Edit {p.name}</h1>
      <div class="panel">
        <SimulatorEditForm {...p} />
      </div>
    </Layout>
  );
}
