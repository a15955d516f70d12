// Small helpers for reading responses in tests.

// biome-ignore lint/suspicious/noExplicitAny: tests assert on parsed JSON of any shape.
export type Json = any;

/** The parsed JSON body of a response. */
export async function json(res: Response): Promise<Json> {
  return res.json();
}
