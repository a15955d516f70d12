/** @jsxImportSource hono/jsx */
// A labelled form control with its hint and its server-side error right below it.
import type { Child } from "hono/jsx";

export interface FieldProps {
  name: string;
  /** The control's id when the name repeats on the page (several forms); default `f-<name>`. */
  id?: string;
  label: string;
  value?: string | number | null;
  type?: string;
  error?: string | null;
  hint?: Child;
  required?: boolean;
  autocomplete?: string;
  placeholder?: string;
  min?: number;
  max?: number;
}

export function Field(p: FieldProps) {
  const id = p.id ?? `f-${p.name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  const described = [p.hint ? `${id}-hint` : null, p.error ? `${id}-err` : null].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.value ?? ""}
        required={p.required}
        autocomplete={p.autocomplete}
        placeholder={p.placeholder}
        min={p.min}
        max={p.max}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={described || undefined}
      />
      {p.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <div class="error" id={`${id}-err`}>
          {p.error}
        </div>
      ) : null}
    </div>
  );
}

/** Errors of the form itself (not tied to one field). */
export function FormErrors(props: { errors?: readonly string[] }) {
  if (!props.errors?.length) return null;
  return (
    <div class="flash error" role="alert">
      {props.errors.length === 1 ? (
        props.errors[0]
      ) : (
        <ul>
          {props.errors.map((e) => (
            <li>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface TextAreaFieldProps {
  name: string;
  /** Default `f-<name>`, as for {@link Field}. */
  id?: string;
  label: string;
  value?: string | null;
  error?: string | null;
  hint?: Child;
  rows?: number;
  /** Monospace (`textarea.code`) for YAML, JSON and the like. */
  code?: boolean;
}

/** A labelled textarea with its hint and its server-side error (kept preformatted: parser messages). */
export function TextAreaField(p: TextAreaFieldProps) {
  const id = p.id ?? `f-${p.name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  const described = [p.hint ? `${id}-hint` : null, p.error ? `${id}-err` : null].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <textarea
        id={id}
        name={p.name}
        rows={p.rows}
        spellcheck={false}
        class={p.code ? "code" : undefined}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={described || undefined}
      >
        {p.value ?? ""}
      </textarea>
      {p.hint ? (
        <div class="hint" id={`${id}-hint`}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <pre class="error" id={`${id}-err`}>
          {p.error}
        </pre>
      ) : null}
    </div>
  );
}
