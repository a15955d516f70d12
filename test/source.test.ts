// Rules about the source tree that the compiler cannot check.
import { expect, test } from "bun:test";
import { Glob } from "bun";

const ROOT = new URL("../", import.meta.url).pathname;

test("every .tsx file names its JSX runtime (bun reads tsconfig.json only from the working directory)", async () => {
  const missing: string[] = [];
  for (const dir of ["src", "views", "test"])
    for await (const f of new Glob("**/*.tsx").scan({ cwd: `${ROOT}${dir}` })) {
      const head = (await Bun.file(`${ROOT}${dir}/${f}`).text()).slice(0, 200);
      if (!head.startsWith("/** @jsxImportSource hono/jsx */")) missing.push(`${dir}/${f}`);
    }
  expect(missing).toEqual([]);
});
