/** @jsxImportSource hono/jsx */
// The weather files page of a simulator: list (members), upload and remove (org admins). The
// upload is the REST route's: the same service verb, the multipart form read the same way.
import type { Context, Hono } from "hono";
import { SimulatorWeatherPage } from "../../views/simulators/weather.tsx";
import { epwUploadOf } from "../api/simulator-weather.ts";
import { isAppError } from "../errors.ts";
import type { AppDeps, AppEnv } from "../http/env.ts";
import { idParam } from "../http/validate.ts";
import {
  getSimulator,
  listWeatherFiles,
  removeWeatherFile,
  uploadWeatherFile,
  weatherSites,
} from "../simulator/service.ts";
import { flash, formOf, pageContext, redirect } from "./context.ts";

const idOf = (c: Context): number => idParam(c, "id");

export function mountSimulatorWeatherPages(app: Hono<AppEnv>, deps: AppDeps): void {
  const render = async (c: Context, id: number, errors: string[], status: 200 | 422 = 200) => {
    const p = await pageContext(c, deps);
    const v = await getSimulator({ deps, actor: p.actor, id });
    const [sites, files] = await Promise.all([
      weatherSites({ deps, actor: p.actor, id }),
      listWeatherFiles({ deps, actor: p.actor, id }),
    ]);
    c.header("cache-control", "no-store");
    return c.html(
      <SimulatorWeatherPage
        shell={p.shell}
        id={id}
        name={v.name}
        sites={sites}
        files={files.map((f) => ({
          ...f,
          station: [f.location.city, f.location.region, f.location.country].filter(Boolean).join(", "),
        }))}
        errors={errors}
        csrf={p.shell.csrf}
        admin={p.actor.roleIn(v.org_id) === "admin"}
      />,
      status,
    );
  };

  app.get("/simulators/:id{[0-9]+}/weather", (c) => render(c, idOf(c), []));

  app.post("/simulators/:id{[0-9]+}/weather", async (c) => {
    const p = await pageContext(c, deps);
    const id = idOf(c);
    try {
      const up = await epwUploadOf(c);
      const f = await uploadWeatherFile({ deps, actor: p.actor, id, ...up });
      flash(c, "ok", `${f.name} is now the weather of ${f.site_dis}; it applies from the next interval.`);
      return redirect(c, `/simulators/${id}/weather`);
    } catch (e) {
      if (!isAppError(e) || (e.code !== "invalid" && e.code !== "too_large")) throw e;
      const detail = Array.isArray(e.detail) ? (e.detail as Array<{ msg?: unknown }>) : [];
      const lines = detail.map((d) => String(d.msg ?? "")).filter(Boolean);
      return render(c, id, lines.length > 0 ? lines : [e.message], 422);
    }
  });

  app.post("/simulators/:id{[0-9]+}/weather/remove", async (c) => {
    const p = await pageContext(c, deps);
    const id = idOf(c);
    const f = await formOf(c);
    await removeWeatherFile({ deps, actor: p.actor, id, site: f.site ?? "" });
    flash(c, "ok", "Weather file removed: the site's weather is synthetic again.");
    return redirect(c, `/simulators/${id}/weather`);
  });
}
