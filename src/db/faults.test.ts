import { expect, test } from "bun:test";
import {
  createAvailabilityGate,
  createOutageMemo,
  DatabaseUnavailableError,
  isConnectionError,
  isDatabaseFault,
} from "./faults.ts";

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

test.each([
  ["a refused connect", coded("ECONNREFUSED"), true],
  ["a reset", coded("ECONNRESET"), true],
  ["postgres.js closed", coded("CONNECTION_CLOSED"), true],
  ["postgres.js connect timeout", coded("CONNECT_TIMEOUT"), true],
  ["admin shutdown (57P01)", coded("57P01"), true],
  ["cannot connect now (57P03)", coded("57P03"), true],
  ["connection failure (08006)", coded("08006"), true],
  ["known down", new DatabaseUnavailableError("p", new Date(0), "x"), true],
  ["a unique violation", coded("23505"), false],
  ["a syntax error", coded("42601"), false],
  ["we ended the pool", coded("CONNECTION_ENDED"), false],
  ["not an error", "ECONNREFUSED", false],
] as const)("isConnectionError: %s", (_, e, expected) => {
  expect(isConnectionError(e)).toBe(expected);
});

test("driver errors count as database faults, our own do not", () => {
  const fromDriver = new TypeError("null is not an object (evaluating 'socket.write')");
  expect(isDatabaseFault(fromDriver)).toBe(true);
  expect(isDatabaseFault(Object.assign(new Error("x"), { name: "PostgresError" }))).toBe(true);
  expect(isDatabaseFault(coded("ECONNRESET"))).toBe(true);
  expect(isDatabaseFault(new TypeError("undefined is not an object (evaluating 'a.b')"))).toBe(false);
});

async function until(fn: () => boolean) {
  for (let i = 0; i < 1000 && !fn(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(fn()).toBe(true);
}

test("the gate: a failed ping closes it at once, a probe reopens it, one change event each way", async () => {
  let serverUp = false;
  let probes = 0;
  const gate = createAvailabilityGate({
    key: "primary",
    minDelayMs: 1,
    maxDelayMs: 4,
    probe: async () => {
      probes++;
      if (!serverUp) throw coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1");
    },
  });
  const changes: boolean[] = [];
  gate.onChange((a) => changes.push(a.up));
  expect(() => gate.check()).not.toThrow();
  gate.unreachable(coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"));
  let thrown: unknown;
  try {
    gate.check();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DatabaseUnavailableError);
  expect((thrown as DatabaseUnavailableError).code).toBe("CONNECTION_UNAVAILABLE");
  expect(gate.state()).toMatchObject({ up: false, reason: "connect ECONNREFUSED 127.0.0.1:1" });
  await until(() => probes >= 3);
  expect(changes).toEqual([false]);
  serverUp = true;
  await until(() => gate.state().up);
  expect(changes).toEqual([false, true]);
  expect(() => gate.check()).not.toThrow();
  gate.close();
});

test("the gate: a statement error does not probe; a connection error probes once and stays open when it answers", async () => {
  let probes = 0;
  const gate = createAvailabilityGate({
    key: "primary",
    minDelayMs: 1,
    probe: async () => {
      probes++;
    },
  });
  gate.failed(coded("23505"));
  expect(probes).toBe(0);
  gate.failed(coded("ECONNRESET"));
  await until(() => probes === 1);
  expect(gate.state().up).toBe(true);
  gate.close();
});

test("the gate: a probe meeting a connection the server dropped earlier tries again before calling the database down", async () => {
  const outcomes = [coded("CONNECTION_CLOSED"), coded("ECONNRESET")];
  let probes = 0;
  const gate = createAvailabilityGate({
    key: "primary",
    minDelayMs: 1,
    probe: async () => {
      probes++;
      const e = outcomes.shift();
      if (e) throw e;
    },
  });
  gate.failed(coded("CONNECTION_CLOSED"));
  await until(() => probes === 3);
  expect(gate.state().up).toBe(true);
  gate.close();
});

test("the outage memo answers what it last read only while the database is unreachable, and not for long", async () => {
  let t = 0;
  const memo = createOutageMemo({ maxAgeMs: 100, maxEntries: 2, now: () => t });
  expect(await memo.remember("a", async () => "alice")).toBe("alice");
  const down = (): Promise<string | null> => Promise.reject(coded("ECONNREFUSED"));
  expect(await memo.remember("a", down)).toBe("alice");
  // A statement error is not an outage; an unknown key has nothing to answer.
  await expect(memo.remember<string>("a", () => Promise.reject(coded("42601")))).rejects.toThrow();
  await expect(memo.remember("b", down)).rejects.toThrow();
  // A null answer (revoked, deleted) forgets; old entries are not served.
  expect(await memo.remember("a", async () => null)).toBe(null);
  await expect(memo.remember("a", down)).rejects.toThrow();
  await memo.remember("c", async () => "carol");
  t = 101;
  await expect(memo.remember("c", down)).rejects.toThrow();
});
