/** @jsxImportSource hono/jsx */
// Simulator pages: list, create from a template, detail with controls, backfill and reset.
import type { Context, Hono } from "hono";
import YAML from "yaml";
import type { ActivityItemProps } from "../../views/components/activity-item.tsx";
import type { SimulatorSummary } from "../../views/components/simulator-card.tsx";
import { fmtInt, fmtZoned } from "../../views/format.ts";
import type { Flash } from "../../views/shell.ts";
import { KeyPointsPanel, ResetConfirmPage, SimulatorDetailPage } from "../../views/simulators/detail.tsx";
import {
  type EditFormErrors,
  type EditFormValues,
  SimulatorEditForm,
  SimulatorEditPage,
} from "../../views/simulators/edit.tsx";
import { SimulatorList, SimulatorListPage } from "../../views/simulators/list.tsx";
import {
  NewSimulatorPage,
  SimulatorForm,
  type SimulatorFormErrors,
  type SimulatorFormValues,
} from "../../views/simulators/new.tsx";
import type { Actor } from "../access/actor.ts";
import { AppError, isAppError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import {
  backfillRange,
  createSimulator,
  getSimulator,
  listActivity,
  pauseSimulator,
  type RunNowResult,
  resetSimulator,
  resumeSimulator,
  runNow,
  type SimulatorInput,
  type SimulatorView,
  simulatorTemplates,
  startSimulator,
  stopSimulator,
  updateSimulatorConfig,
} from "../simulator/service.ts";
import { localInput, parseSiteLocal } from "./building.ts";
import { flash, formOf, page, pageContext, redirect, requireOrg } from "./context.ts";
import { orgSimulators, simulatorSummaries, simulatorSummary } from "./dashboard.tsx";
import { siteZone } from "./key-points.ts";
import { simulatorChart } from "./series.ts";

const idParam = (c: Context): number => {
  const id = Number(c.req.param("id"));
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError("not_found", "no such simulator");
  return id;
};

/** How long "Run now" waits for the run to end before it says the run goes on in the background. */
const RUN_NOW_WAIT_MS = 5_000;

const plural = (n: number, one: string) => `${fmtInt(n)} ${one}${n === 1 ? "" : "s"}`;

/** The flash that says what "Run now" did, times in the site's zone. */
async function runNowMessage(
  deps: AppDeps,
  actor: Actor,
  before: SimulatorView,
  r: RunNowResult,
): Promise<[Flash["kind"], string]> {
  const tz = await siteZone(deps, actor, before);
  switch (r.outcome) {
    case "already_running":
      return ["info", "Already running: a backfill or gap fill is in progress; its progress shows below."];
    case "nothing_due":
      return ["info", `Nothing due: the next interval is due at ${fmtZoned(r.next_due, tz)}.`];
    case "started":
      return ["info", `Running ${plural(r.due, "interval")} in the background; progress shows below.`];
    case "ran": {
      const after = await getSimulator({ deps, actor, id: before.id });
      if (r.status === "error" || r.status === "waiting")
        return [
          "error",
          `The run failed: ${after.error ?? (r.status === "waiting" ? "primary database unavailable" : "unknown error")}.`,
        ];
      if (r.intervals === 0)
        return after.status === "running" && after.last_interval
          ? ["info", `Nothing was due: intervals up to ${fmtZoned(after.last_interval, tz)} are written.`]
          : ["warn", `Nothing ran: the simulator is ${after.status}.`];
      return [
        "ok",
        `Ran ${plural(r.intervals, "interval")} (${plural(r.written, "value")}), up to ${fmtZoned(after.last_interval, tz)}.`,
      ];
    }
  }
}

/** Creating and changing simulators is for admins of the org (the service checks again). */
function requireAdmin(role: string | null | undefined): void {
  if (role !== "admin") throw new AppError("forbidden", "only an admin of the org can change simulators");
}

const FIELD_OF: Record<string, keyof SimulatorFormValues> = {
  name: "name",
  key: "key",
  template: "template",
  intervalMinutes: "interval_minutes",
  backfillDays: "backfill_days",
  seed: "seed",
};

/** A service 422's detail entries: the `loc` path below `body`, and the message. */
function detailOf(e: AppError): Array<{ rest: string[]; msg: string }> {
  const detail = Array.isArray(e.detail) ? (e.detail as Array<{ loc?: unknown[]; msg?: string }>) : [];
  return detail.map((d) => {
    const loc = (d.loc ?? []).map(String);
    return { rest: loc[0] === "body" ? loc.slice(1) : loc, msg: d.msg ?? "invalid" };
  });
}

/** Maps a service's 422 detail (`loc` paths) to the form's fields; the rest goes to the document. */
/** Reads whole-number fields of a form into `input` (same names), or an error per bad field. */
function wholeNumbers<F extends "interval_minutes" | "backfill_days" | "seed">(
  values: Record<F, string>,
  fields: readonly F[],
  errors: Partial<Record<F, string>>,
  input: SimulatorInput,
): void {
  for (const field of fields) {
    const n = numOrUndefined(values[field]);
    if (n === "bad") errors[field] = "Enter a whole number.";
    else if (n !== undefined) input[field] = n;
  }
}

export function formErrorsOf(e: AppError): SimulatorFormErrors {
  const errors: SimulatorFormErrors = {};
  const detail = detailOf(e);
  if (detail.length === 0) return { form: [e.message] };
  const configLines: string[] = [];
  for (const { rest, msg } of detail) {
    if (rest[0] === "key") errors.key = msg;
    else if (rest[0] === "config" && rest.length > 1 && FIELD_OF[rest[1]!] && rest.length === 2)
      errors[FIELD_OF[rest[1]!]!] = msg;
    else if (rest[0] === "config")
      configLines.push(rest.length > 1 ? `${rest.slice(1).join(".")}: ${msg}` : msg);
    else {
      errors.form ??= [];
      errors.form.push(`${rest.join(".")}: ${msg}`);
    }
  }
  if (configLines.length) errors.config = configLines.join("\n");
  return errors;
}

const EDIT_FIELD_OF: Record<string, keyof EditFormValues> = {
  name: "name",
  intervalMinutes: "interval_minutes",
  seed: "seed",
  "quality.stalePercent": "stale_percent",
  "quality.faultPercent": "fault_percent",
};

/** Maps a 422 of updateSimulatorConfig to the edit form: fields, fault windows, the document. */
export function editErrorsOf(e: AppError): EditFormErrors {
  const detail = detailOf(e);
  if (detail.length === 0) return { form: [e.message] };
  const errors: EditFormErrors = {};
  const faults: string[] = [];
  const config: string[] = [];
  for (const { rest, msg } of detail) {
    const path = rest[0] === "config" ? rest.slice(1) : rest;
    const field = EDIT_FIELD_OF[path.join(".")];
    if (field) errors[field] = msg;
    else if (path[0] === "faults") faults.push(path.length > 1 ? `${path.slice(1).join(".")}: ${msg}` : msg);
    else config.push(path.length > 0 ? `${path.join(".")}: ${msg}` : msg);
  }
  if (faults.length) errors.faults = faults.join("\n");
  if (config.length) errors.config = config.join("\n");
  return errors;
}

/** The edit form's values for a simulator as it is. */
export function editValuesOf(v: SimulatorView): EditFormValues {
  const { name: _n, intervalMinutes, seed, quality, faults, ...rest } = v.config as Record<string, unknown>;
  const q = (quality ?? {}) as { stalePercent?: number; faultPercent?: number };
  const list = Array.isArray(faults) ? faults : [];
  return {
    name: v.name,
    interval_minutes: String(intervalMinutes ?? v.interval_minutes),
    seed: String(seed ?? v.seed),
    stale_percent: q.stalePercent === undefined ? "" : String(q.stalePercent),
    fault_percent: q.faultPercent === undefined ? "" : String(q.faultPercent),
    faults: list.length ? YAML.stringify(list) : "",
    config: Object.keys(rest).length ? YAML.stringify(rest) : "",
  };
}

/** A number field's value: undefined when empty, "bad" when `ok` refuses it (default: whole numbers). */
const numOrUndefined = (
  s: string | undefined,
  ok: (n: number) => boolean = Number.isInteger,
): number | undefined | "bad" => {
  if (s === undefined || s.trim() === "") return undefined;
  const n = Number(s);
  return ok(n) ? n : "bad";
};

/**
 * The rows of the org's simulator list (with any fill in progress), from the org's kept simulator
 * list: the page and its `simulators` SSE update read the same data, once per viewer and event.
 */
export async function simulatorListRows(
  deps: AppDeps,
  actor: Actor,
  orgId: number,
  orgKey: string,
): Promise<SimulatorSummary[]> {
  const views = await orgSimulators(deps, actor, orgId);
  const rows = await simulatorSummaries(deps, actor, views, orgKey);
  return rows.map((r, i) => ({ ...r, progress: views[i]?.progress ?? null }));
}

export function mountSimulatorPages(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get("/simulators", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    const simulators = await simulatorListRows(deps, p.actor, org.id, org.key);
    return page(
      c,
      () => <SimulatorListPage shell={p.shell} simulators={simulators} canCreate={org.role === "admin"} />,
      () => <SimulatorList simulators={simulators} />,
    );
  });

  const blank = (): SimulatorFormValues => ({
    name: "",
    key: "",
    template: simulatorTemplates()[0]?.name ?? "",
    interval_minutes: "15",
    backfill_days: "1",
    seed: "",
    config: "",
  });

  app.get("/simulators/new", async (c) => {
    const p = await pageContext(c, deps);
    requireAdmin(requireOrg(p).role);
    const values = blank();
    values.template = c.req.query("template") ?? values.template;
    return c.html(
      <NewSimulatorPage
        shell={p.shell}
        templates={simulatorTemplates()}
        values={values}
        errors={{}}
        csrf={p.shell.csrf}
        action="/simulators/new"
        submitLabel="Create simulator"
      />,
    );
  });

  app.post("/simulators/new", async (c) => {
    const p = await pageContext(c, deps);
    const org = requireOrg(p);
    requireAdmin(org.role);
    const f = await formOf(c);
    const values: SimulatorFormValues = {
      name: f.name ?? "",
      key: (f.key ?? "").trim(),
      template: f.template ?? "",
      interval_minutes: f.interval_minutes ?? "",
      backfill_days: f.backfill_days ?? "",
      seed: f.seed ?? "",
      config: f.config ?? "",
    };
    const errors: SimulatorFormErrors = {};
    const input: SimulatorInput = { key: values.key };
    if (values.name.trim()) input.name = values.name.trim();
    if (values.template) input.template = values.template;
    if (values.config.trim()) input.config = values.config;
    wholeNumbers(values, ["interval_minutes", "backfill_days", "seed"], errors, input);
    if (!values.key) errors.key = "Enter a key.";
    let failed = Object.keys(errors).length > 0;
    if (!failed) {
      try {
        const sim = await createSimulator({ deps, actor: p.actor, orgId: org.id, input });
        flash(c, "ok", `Simulator ${sim.name} created.`);
        return redirect(c, `/simulators/${sim.id}`);
      } catch (e) {
        if (!isAppError(e) || (e.code !== "invalid" && e.code !== "conflict")) throw e;
        Object.assign(errors, e.code === "conflict" ? { key: e.message } : formErrorsOf(e));
        failed = true;
      }
    }
    const props = {
      templates: simulatorTemplates(),
      values,
      errors,
      csrf: p.shell.csrf,
      action: "/simulators/new",
      submitLabel: "Create simulator",
    };
    return page(
      c,
      () => <NewSimulatorPage shell={p.shell} {...props} />,
      () => <SimulatorForm {...props} />,
      422,
    );
  });

  app.get("/simulators/:id{[0-9]+}", async (c) => {
    const p = await pageContext(c, deps);
    const v = await getSimulator({ deps, actor: p.actor, id: idParam(c) });
    const summary = await simulatorSummary(deps, p.actor, v, p.org?.key ?? "");
    let activity: ActivityItemProps[] = [];
    try {
      activity = (await listActivity({ deps, actor: p.actor, id: v.id, limit: 20 })).map((a) => ({
        id: a.id,
        simulatorId: a.simulator_id,
        simulatorName: v.name,
        type: a.event_type,
        message: a.message,
        details: a.details,
        at: new Date(a.timestamp).toISOString(),
        tz: summary.tz,
      }));
    } catch (e) {
      if (!isAppError(e)) throw e;
    }
    const chart = await simulatorChart(deps, p.actor, v).catch(() => null);
    const isAdmin = p.actor.roleIn(v.org_id) === "admin";
    // The backfill form takes the site's wall-clock time, like every building time of the page.
    const from = v.last_interval
      ? new Date(v.last_interval)
      : new Date(deps.clock.now().getTime() - 86_400_000);
    return c.html(
      <SimulatorDetailPage
        shell={p.shell}
        sim={summary}
        progress={v.progress}
        isAdmin={isAdmin}
        entityCount={v.entity_count}
        pointCount={v.point_count}
        chart={chart}
        activity={activity}
        config={YAML.stringify(v.config)}
        defaultFrom={localInput(from, summary.tz ?? "UTC")}
      />,
    );
  });

  // the key points' chart alone: what the detail page reads again after its events
  app.get("/simulators/:id{[0-9]+}/chart", async (c) => {
    const p = await pageContext(c, deps);
    const v = await getSimulator({ deps, actor: p.actor, id: idParam(c) });
    const chart = await simulatorChart(deps, p.actor, v).catch(() => null);
    c.header("cache-control", "no-store");
    return c.html(<KeyPointsPanel id={v.id} chart={chart} />);
  });

  const controls = {
    start: startSimulator,
    stop: stopSimulator,
    pause: pauseSimulator,
    resume: resumeSimulator,
  } as const;
  const done: Record<keyof typeof controls, string> = {
    start: "Started.",
    stop: "Stopped.",
    pause: "Paused.",
    resume: "Resumed.",
  };
  for (const action of Object.keys(controls) as Array<keyof typeof controls>) {
    app.post(`/simulators/:id{[0-9]+}/${action}`, async (c) => {
      const p = await pageContext(c, deps);
      const id = idParam(c);
      await controls[action]({ deps, actor: p.actor, id });
      flash(c, "ok", done[action]);
      return redirect(c, `/simulators/${id}`);
    });
  }

  // Run now says what happened: the intervals written, or why none were.
  app.post("/simulators/:id{[0-9]+}/run", async (c) => {
    const p = await pageContext(c, deps);
    const id = idParam(c);
    const v = await getSimulator({ deps, actor: p.actor, id });
    if (v.desired_status === "paused") {
      requireAdmin(p.actor.roleIn(v.org_id));
      flash(c, "warn", "Nothing ran: the simulator is paused. Resume it to write the intervals due.");
      return redirect(c, `/simulators/${id}`);
    }
    const r = await runNow({ deps, actor: p.actor, id, waitMs: RUN_NOW_WAIT_MS });
    const [kind, text] = await runNowMessage(deps, p.actor, v, r);
    flash(c, kind, text);
    return redirect(c, `/simulators/${id}`);
  });

  app.post("/simulators/:id{[0-9]+}/backfill", async (c) => {
    const p = await pageContext(c, deps);
    const id = idParam(c);
    const f = await formOf(c);
    const tz = await siteZone(deps, p.actor, await getSimulator({ deps, actor: p.actor, id }));
    const from = parseSiteLocal(f.from, tz);
    const to = parseSiteLocal(f.to, tz);
    if (from === null || to === null)
      throw new AppError("invalid", `enter dates as YYYY-MM-DDTHH:MM, in the site's time (${tz})`);
    await backfillRange({ deps, actor: p.actor, id, from, to });
    if (c.req.header("hx-request") === "true") return c.body(null, 204);
    flash(c, "ok", "Backfill started.");
    return c.redirect(`/simulators/${id}`, 303);
  });

  app.get("/simulators/:id{[0-9]+}/edit", async (c) => {
    const p = await pageContext(c, deps);
    const v = await getSimulator({ deps, actor: p.actor, id: idParam(c) });
    requireAdmin(p.actor.roleIn(v.org_id));
    c.header("cache-control", "no-store");
    return c.html(
      <SimulatorEditPage
        shell={p.shell}
        id={v.id}
        name={v.name}
        simKey={v.key}
        values={editValuesOf(v)}
        errors={{}}
        csrf={p.shell.csrf}
      />,
    );
  });

  app.post("/simulators/:id{[0-9]+}/edit", async (c) => {
    const p = await pageContext(c, deps);
    const id = idParam(c);
    const v = await getSimulator({ deps, actor: p.actor, id });
    requireAdmin(p.actor.roleIn(v.org_id));
    const f = await formOf(c);
    const values: EditFormValues = {
      name: f.name ?? "",
      interval_minutes: f.interval_minutes ?? "",
      seed: f.seed ?? "",
      stale_percent: f.stale_percent ?? "",
      fault_percent: f.fault_percent ?? "",
      faults: f.faults ?? "",
      config: f.config ?? "",
    };
    const errors: EditFormErrors = {};
    const input: SimulatorInput = {};
    if (values.name.trim()) input.name = values.name.trim();
    else errors.name = "Enter a name.";
    wholeNumbers(values, ["interval_minutes", "seed"], errors, input);
    const quality: Record<string, number> = {};
    for (const [field, key] of [
      ["stale_percent", "stalePercent"],
      ["fault_percent", "faultPercent"],
    ] as const) {
      const n = numOrUndefined(values[field], Number.isFinite);
      if (n === "bad") errors[field] = "Enter a number from 0 to 100.";
      else if (n !== undefined) quality[key] = n;
    }
    let faults: unknown = [];
    if (values.faults.trim()) {
      try {
        faults = YAML.parse(values.faults);
        if (!Array.isArray(faults)) errors.faults = "Enter a list (one `- type: …` entry per fault window).";
      } catch (e) {
        errors.faults = `Not valid YAML or JSON: ${(e as Error).message}`;
      }
    }
    // The document: the text as the service reads it when it is not a mapping (its error goes next to
    // the editor), otherwise the mapping with the fields' keys set.
    let config: string | Record<string, unknown> = values.config;
    try {
      const doc = values.config.trim() ? (YAML.parse(values.config) as unknown) : {};
      if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
        const d = { ...(doc as Record<string, unknown>) };
        if (Object.keys(quality).length) d.quality = quality;
        else delete d.quality;
        d.faults = faults;
        config = d;
      }
    } catch {
      // leave the text: updateSimulatorConfig reports where it fails
    }
    input.config = config;
    if (Object.keys(errors).length === 0) {
      try {
        const sim = await updateSimulatorConfig({ deps, actor: p.actor, id, input });
        flash(c, "ok", `Configuration of ${sim.name} saved; it applies from the next interval.`);
        return redirect(c, `/simulators/${sim.id}`);
      } catch (e) {
        if (!isAppError(e) || e.code !== "invalid") throw e;
        Object.assign(errors, editErrorsOf(e));
      }
    }
    const props = { id, simKey: v.key, values, errors, csrf: p.shell.csrf };
    return page(
      c,
      () => <SimulatorEditPage shell={p.shell} name={v.name} {...props} />,
      () => <SimulatorEditForm {...props} />,
      422,
    );
  });

  app.get("/simulators/:id{[0-9]+}/reset", async (c) => {
    const p = await pageContext(c, deps);
    const v = await getSimulator({ deps, actor: p.actor, id: idParam(c) });
    requireAdmin(p.actor.roleIn(v.org_id));
    return c.html(<ResetConfirmPage shell={p.shell} sim={await simulatorSummary(deps, p.actor, v, "")} />);
  });

  app.post("/simulators/:id{[0-9]+}/reset", async (c) => {
    const p = await pageContext(c, deps);
    const id = idParam(c);
    const f = await formOf(c);
    try {
      await resetSimulator({ deps, actor: p.actor, id, confirm: f.confirm ?? "" });
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid") throw e;
      const v = await getSimulator({ deps, actor: p.actor, id });
      return c.html(
        <ResetConfirmPage
          shell={p.shell}
          sim={await simulatorSummary(deps, p.actor, v, "")}
          error="That is not the key of this simulator."
        />,
        422,
      );
    }
    flash(c, "ok", "Simulator reset: it starts over with a fresh backfill.");
    return redirect(c, `/simulators/${id}`);
  });
}
