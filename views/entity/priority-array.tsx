/** @jsxImportSource hono/jsx */
// A writable point's 17-level priority array (the Haystack `pointWrite` read form) with a form to
// write or release one level. The whole section is the htmx target of the form and of the
// `pa-<id>` SSE update, so every open page shows a write at once; without JavaScript the form posts
// and the page comes back with a message.
import { CsrfField } from "../components/csrf-field.tsx";
import { SiteTime } from "../components/site-time.tsx";
import type { Flash } from "../shell.ts";

export interface PriorityLevel {
  level: number;
  /** `emergency`, `manual`, `default`, `relinquish default`, or the number. */
  levelDis: string;
  /** The written value as text (with unit), null when the level is empty. */
  val: string | null;
  who: string | null;
  /** When a timed write ends (ISO), null for until released. */
  expiresAt: string | null;
}

export interface PriorityForm {
  level: string;
  value: string;
  who: string;
  duration: string;
  errors: Readonly<Record<string, string>>;
}

export interface PriorityProps {
  pointId: number;
  kind: "Number" | "Bool" | "Str";
  unit: string | null;
  levels: readonly PriorityLevel[];
  canWrite: boolean;
  csrf: string | null;
  /** The value the form proposes for `who` (the signed-in user). */
  defaultWho: string;
  /** The site's zone (for when timed writes end). */
  tz: string;
  /** What the last write did, or why it was refused. */
  message?: Flash | null;
  /** The submitted form when it is shown again with errors. */
  form?: PriorityForm | null;
}

export const DURATIONS: ReadonlyArray<[minutes: string, label: string]> = [
  ["", "until released"],
  ["15", "15 minutes"],
  ["60", "1 hour"],
  ["240", "4 hours"],
  ["480", "8 hours"],
  ["1440", "24 hours"],
];

function ValueInput(p: { kind: PriorityProps["kind"]; unit: string | null; value: string; error?: string }) {
  const invalid = p.error ? "true" : undefined;
  const described = p.error ? "pw-value-err" : undefined;
  if (p.kind === "Bool")
    return (
      <select id="pw-value" name="value" aria-invalid={invalid} aria-describedby={described}>
        <option value="true" selected={p.value === "true"}>
          true (on)
        </option>
        <option value="false" selected={p.value === "false"}>
          false (off)
        </option>
      </select>
    );
  return (
    <input
      id="pw-value"
      name="value"
      type="text"
      inputmode={p.kind === "Number" ? "decimal" : undefined}
      value={p.value}
      autocomplete="off"
      aria-invalid={invalid}
      aria-describedby={described}
    />
  );
}

export function PriorityArray(p: PriorityProps) {
  const active = p.levels.find((l) => l.val !== null) ?? null;
  const f = p.form ?? { level: "8", value: "", who: p.defaultWho, duration: "", errors: {} };
  const action = `/explorer/entity/${p.pointId}/write`;
  const htmx = {
    "hx-post": action,
    "hx-target": `#priority-${p.pointId}`,
    "hx-swap": "outerHTML",
  };
  return (
    <section
      class="panel"
      id={`priority-${p.pointId}`}
      sse-swap={`pa-${p.pointId}`}
      hx-swap="outerHTML"
      aria-labelledby="h-priority"
    >
      <div class="spread">
        <h2 id="h-priority">Priority array</h2>
        <span class="small" id="pa-effective">
          {active ? (
            <>
              In effect: <strong>{active.val}</strong> at level {active.level} ({active.levelDis})
            </>
          ) : (
            <span class="muted">No level written: the simulation drives this point.</span>
          )}
        </span>
      </div>
      {p.message ? (
        <div class={`flash ${p.message.kind}`} role={p.message.kind === "error" ? "alert" : "status"}>
          {p.message.text}
        </div>
      ) : null}
      <div class="table-wrap">
        <table class="priority">
          <caption class="visually-hidden">Levels 1 (highest) to 17</caption>
          <thead>
            <tr>
              <th scope="col">Level</th>
              <th scope="col">Value</th>
              <th scope="col">Who</th>
              <th scope="col">Until</th>
              {p.canWrite ? (
                <th scope="col">
                  <span class="visually-hidden">Release</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {p.levels.map((l) => (
              <tr
                data-level={l.level}
                class={l.val === null ? "empty" : l === active ? "in-effect" : undefined}
              >
                <td>
                  {l.level}
                  {l.levelDis !== String(l.level) ? <span class="small muted"> {l.levelDis}</span> : null}
                </td>
                <td class="pa-val">{l.val ?? <span class="muted">–</span>}</td>
                <td class="wrap-anywhere">{l.who ?? ""}</td>
                <td>
                  {l.val === null ? (
                    ""
                  ) : l.expiresAt ? (
                    <SiteTime at={l.expiresAt} tz={p.tz} />
                  ) : (
                    "until released"
                  )}
                </td>
                {p.canWrite ? (
                  <td>
                    {l.val !== null ? (
                      <form method="post" action={action} {...htmx}>
                        <CsrfField token={p.csrf} />
                        <input type="hidden" name="level" value={String(l.level)} />
                        <input type="hidden" name="release" value="1" />
                        <button type="submit" class="secondary small-button">
                          Release<span class="visually-hidden"> level {l.level}</span>
                        </button>
                      </form>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {p.canWrite ? (
        <form
          method="post"
          action={action}
          {...htmx}
          class="inline-fields pw-form"
          aria-label="Write a level"
        >
          <CsrfField token={p.csrf} />
          <div class="field">
            <label for="pw-level">Level</label>
            <select id="pw-level" name="level" aria-invalid={f.errors.level ? "true" : undefined}>
              {p.levels.map((l) => (
                <option value={String(l.level)} selected={f.level === String(l.level)}>
                  {l.level}
                  {l.levelDis !== String(l.level) ? ` ${l.levelDis}` : ""}
                </option>
              ))}
            </select>
            {f.errors.level ? <div class="error">{f.errors.level}</div> : null}
          </div>
          <div class="field">
            <label for="pw-value">Value{p.unit ? ` (${p.unit})` : ""}</label>
            <ValueInput kind={p.kind} unit={p.unit} value={f.value} error={f.errors.value} />
            {f.errors.value ? (
              <div class="error" id="pw-value-err">
                {f.errors.value}
              </div>
            ) : null}
          </div>
          <div class="field">
            <label for="pw-who">Who</label>
            <input id="pw-who" name="who" type="text" value={f.who} maxlength={200} />
          </div>
          <div class="field">
            <label for="pw-duration">For</label>
            <select id="pw-duration" name="duration" aria-invalid={f.errors.duration ? "true" : undefined}>
              {DURATIONS.map(([m, label]) => (
                <option value={m} selected={f.duration === m}>
                  {label}
                </option>
              ))}
            </select>
            {f.errors.duration ? <div class="error">{f.errors.duration}</div> : null}
          </div>
          <div class="row">
            <button type="submit">Write</button>
            <button type="submit" name="release" value="1" class="secondary">
              Release level
            </button>
          </div>
        </form>
      ) : (
        <p class="small muted">Only members of this org can write to points.</p>
      )}
      <p class="small muted">
        Writes go through the same path as the Haystack <code>pointWrite</code> op; a simulated point follows
        the level in effect from its next interval.
      </p>
    </section>
  );
}
