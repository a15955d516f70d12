import { describe, expect, test } from "bun:test";
import { isKnownTz, localToInstant, offsetSpan, tzFromIana, tzOffsetMinutes, tzToIana } from "./tz.ts";

describe("Haystack zone names and IANA", () => {
  const pairs: [haystack: string, iana: string][] = [
    ["New_York", "America/New_York"],
    ["Chicago", "America/Chicago"],
    ["Denver", "America/Denver"],
    ["Los_Angeles", "America/Los_Angeles"],
    ["Phoenix", "America/Phoenix"],
    ["London", "Europe/London"],
    ["Taipei", "Asia/Taipei"],
    ["Kolkata", "Asia/Kolkata"],
    ["Sydney", "Australia/Sydney"],
    ["Indianapolis", "America/Indiana/Indianapolis"],
    ["UTC", "UTC"],
    ["GMT+5", "Etc/GMT+5"],
    ["GMT-3", "Etc/GMT-3"],
  ];
  test.each(pairs)("%s <-> %s", (haystack, iana) => {
    expect(tzToIana(haystack)).toBe(iana);
    expect(tzFromIana(iana)).toBe(haystack);
  });
  test("IANA names pass through; unknown names throw", () => {
    expect(tzToIana("Europe/Paris")).toBe("Europe/Paris");
    expect(tzFromIana("Etc/UTC")).toBe("UTC");
    expect(tzToIana("GMT")).toBe("Etc/GMT");
    expect(() => tzToIana("Atlantis")).toThrow(RangeError);
    expect(isKnownTz("Atlantis")).toBe(false);
    expect(isKnownTz("New_York")).toBe(true);
  });
});

describe("offsets and local times", () => {
  const ny = "America/New_York";
  test("offsets follow DST", () => {
    expect(tzOffsetMinutes(ny, Date.UTC(2024, 0, 15))).toBe(-300);
    expect(tzOffsetMinutes(ny, Date.UTC(2024, 6, 15))).toBe(-240);
    expect(tzOffsetMinutes("Etc/GMT+5", Date.UTC(2024, 6, 15))).toBe(-300);
    expect(tzOffsetMinutes("Asia/Kolkata", Date.UTC(2024, 6, 15))).toBe(330);
  });
  const cases: [name: string, fields: [number, number, number, number, number], utc: number][] = [
    ["plain winter", [2024, 1, 15, 9, 0], Date.UTC(2024, 0, 15, 14)],
    ["spring-forward gap moves forward", [2024, 3, 10, 2, 30], Date.UTC(2024, 2, 10, 7, 30)],
    ["just after the gap", [2024, 3, 10, 3, 0], Date.UTC(2024, 2, 10, 7)],
    ["fall-back overlap takes the earlier", [2024, 11, 3, 1, 30], Date.UTC(2024, 10, 3, 5, 30)],
    ["after fall-back", [2024, 11, 3, 2, 0], Date.UTC(2024, 10, 3, 7)],
  ];
  test.each(cases)("%s", (_name, [y, m, d, h, mi], utc) => {
    expect(localToInstant(ny, y, m, d, h, mi)).toBe(utc);
  });
});

describe("the offset cache agrees with the zone rules at every instant", () => {
  /** The offset as ICU names it (`GMT-04:00`, `GMT+05:45`, `GMT-04:56:02`), independently of tz.ts. */
  const reference = (iana: string) => {
    const f = new Intl.DateTimeFormat("en-US", { timeZone: iana, timeZoneName: "longOffset" });
    return (ms: number) => {
      const name = f.formatToParts(new Date(ms)).find((p) => p.type === "timeZoneName")!.value;
      const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
      if (!m) throw new Error(`unexpected offset name ${name}`);
      if (!m[1]) return 0;
      const secs = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
      return Math.round(((m[1] === "-" ? -1 : 1) * secs) / 60);
    };
  };
  test.each([
    // DST both ways, a 30-minute DST, a 45-minute offset, negative DST, a zone without DST.
    ["America/New_York", 2024],
    ["Australia/Lord_Howe", 2024],
    ["Asia/Kathmandu", 2024],
    ["Europe/Dublin", 2024],
    ["America/Phoenix", 2024],
    // Local mean time ending at an instant that is not on a minute (-4:56:02 until 1883-11-18).
    ["America/New_York", 1883],
  ])("%s in %i, every 7 minutes", (iana, year) => {
    const ref = reference(iana);
    const from = Date.UTC(year, 0, 1);
    const to = Date.UTC(year + 1, 0, 1);
    const wrong: string[] = [];
    for (let ms = from; ms < to && wrong.length < 5; ms += 7 * 60_000 + 13_000)
      if (tzOffsetMinutes(iana, ms) !== ref(ms)) wrong.push(new Date(ms).toISOString());
    expect(wrong).toEqual([]);
  });
});

describe("offsetSpan", () => {
  const cases: [iana: string, at: string, offset: number, end: string][] = [
    ["America/New_York", "2025-01-15T00:00:00Z", -300, "2025-03-09T07:00:00.000Z"],
    ["America/New_York", "2025-03-09T07:00:00Z", -240, "2025-11-02T06:00:00.000Z"],
    ["Europe/London", "2025-06-01T12:34:56.789Z", 60, "2025-10-26T01:00:00.000Z"],
    ["Australia/Lord_Howe", "2025-01-01T00:00:00Z", 660, "2025-04-05T15:00:00.000Z"],
    ["Australia/Lord_Howe", "2025-04-05T15:00:00Z", 630, "2025-10-04T15:30:00.000Z"],
  ];
  test.each(cases)("%s at %s: %d minutes until %s", (iana, at, offset, end) => {
    const s = offsetSpan(iana, Date.parse(at));
    expect(s.offsetMin).toBe(offset);
    expect(new Date(s.end).toISOString()).toBe(end);
    expect(tzOffsetMinutes(iana, s.end - 1)).toBe(offset);
    expect(tzOffsetMinutes(iana, s.end)).not.toBe(offset);
    // Asked again inside the span, the cached span answers.
    expect(offsetSpan(iana, s.end - 1)).toBe(s);
  });
  test("a zone without DST keeps its offset to the search horizon; fixed zones for ever", () => {
    const k = offsetSpan("Asia/Kolkata", Date.parse("2025-01-01T00:00:00Z"));
    expect(k.offsetMin).toBe(330);
    expect(k.end - Date.parse("2025-01-01T00:00:00Z")).toBeGreaterThan(365 * 86_400_000);
    expect(offsetSpan("UTC", 0)).toMatchObject({ offsetMin: 0, end: Number.POSITIVE_INFINITY });
    expect(offsetSpan("Etc/GMT+5", 0).offsetMin).toBe(-300);
  });
});
