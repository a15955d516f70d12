/** @jsxImportSource hono/jsx */
// A simulator's weather files: which site uses which EPW file (station, distance, upload time), a
// form to upload one for a site (multipart, works without JavaScript) and a button to remove one,
// after which the site's weather is synthetic again. Problems of a refused file are listed by line
// and field.
import { CsrfField } from "../components/csrf-field.tsx";
import { Layout } from "../layout.tsx";
import type { Shell } from "../shell.ts";

export interface WeatherFileRow {
  site: string;
  site_dis: string;
  name: string;
  station: string;
  distance_km: number;
  uploaded_at: string;
}

export interface WeatherPageProps {
  shell: Shell;
  id: number;
  name: string;
  sites: Array<{ key: string; dis: string }>;
  files: WeatherFileRow[];
  /** Problems of the last upload, one per line. */
  errors: string[];
  csrf: string | null;
  admin: boolean;
}

export function SimulatorWeatherPage(p: WeatherPageProps) {
  const action = `/simulators/${p.id}/weather`;
  return (
    <Layout shell={p.shell} title={`Weather of ${p.name}`}>
      <p class="small">
        <a href="/simulators">Simulators</a> / <a href={`/simulators/${p.id}`}>{p.name}</a> /
      </p>
      <h1>Weather files</h1>
      <div class="panel">
        <p class="small">
          Sites without a file use synthetic weather calibrated to climate normals. An EPW file (TMY3, TMYx)
          replaces it: each hour of the file, in its local standard time, is the site's outside air.
        </p>
        {p.files.length === 0 ? (
          <p>No weather files.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">File</th>
                <th scope="col">Station</th>
                <th scope="col">Distance</th>
                <th scope="col">Uploaded</th>
                {p.admin && <th scope="col" />}
              </tr>
            </thead>
            <tbody>
              {p.files.map((f) => (
                <tr>
                  <td>{f.site_dis}</td>
                  <td>{f.name}</td>
                  <td>{f.station}</td>
                  <td>{f.distance_km} km</td>
                  <td>{f.uploaded_at}</td>
                  {p.admin && (
                    <td>
                      <form method="post" action={`${action}/remove`}>
                        <CsrfField token={p.csrf} />
                        <input type="hidden" name="site" value={f.site} />
                        <button type="submit">Remove</button>
                      </form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {p.admin && (
        <div class="panel">
          <h2>Upload an EPW file</h2>
          {p.errors.length > 0 && (
            <div class="flash error" role="alert">
              <p>The file was not accepted:</p>
              <ul>
                {p.errors.map((e) => (
                  <li>{e}</li>
                ))}
              </ul>
            </div>
          )}
          <form method="post" action={action} enctype="multipart/form-data" id="weather-form">
            <CsrfField token={p.csrf} />
            {p.sites.length > 1 && (
              <label>
                Site
                <select name="site" required>
                  {p.sites.map((s) => (
                    <option value={s.key}>{s.dis}</option>
                  ))}
                </select>
              </label>
            )}
            <label>
              EPW file
              <input type="file" name="file" accept=".epw,text/plain" required />
            </label>
            <div class="row">
              <button type="submit">Upload</button>
            </div>
          </form>
        </div>
      )}
    </Layout>
  );
}
