// How a promise settled within a bound, as text a test can compare: for driver faults where the
// failure being guarded against is a promise that never settles.

/** `p`'s outcome within `ms`: "ok", "rejected <code>", or "pending" when it never settled. */
export async function outcome(p: Promise<unknown>, ms = 5000): Promise<string> {
  let timer: Timer | undefined;
  const r = await Promise.race([
    p.then(
      () => "ok",
      (e: { code?: string }) => `rejected ${e.code ?? "?"}`,
    ),
    new Promise<string>((r) => {
      timer = setTimeout(() => r("pending"), ms);
    }),
  ]);
  clearTimeout(timer);
  return r;
}
