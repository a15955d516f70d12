/**
 * Counter-based random numbers: every draw is a hash of (seed, key, counter, salt), so a value depends
 * only on what it is for, never on how many draws came before. Regenerating an interval reproduces its
 * noise exactly; another interval, point or seed gives independent noise.
 */

/** 32-bit FNV-1a of a string; keys the stream of a point or component. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fmix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes integer words into one well-distributed 32-bit hash. Counters may exceed 32 bits (up to 2^53). */
export function hashWords(...words: number[]): number {
  let h = HASH_START;
  for (const w of words) h = mixWord(h, w);
  return h;
}

const HASH_START = 0x9e3779b9;

/** One word into the running hash of `hashWords`. */
function mixWord(h: number, w: number): number {
  const lo = w >>> 0;
  const hi = Math.floor(w / 4294967296) >>> 0;
  return fmix(fmix(h ^ fmix(lo + 0x7f4a7c15)) ^ fmix(hi + 0x2545f491));
}

/**
 * A uniform draw in the open interval (0, 1) for (seed, key, counter, salt): the hash of those four
 * words, mixed as `hashWords` mixes them (written out: this is the model's innermost call).
 */
export function uniform(seed: number, key: string, counter: number, salt = 0): number {
  return uniformOfHash(seed, keyHash(key), counter, salt);
}

/** `uniform` for a key whose `keyHash` the caller holds (keys drawn for every interval hash once). */
export function uniformOfHash(seed: number, key: number, counter: number, salt: number): number {
  const h = mixWord(mixWord(mixWord(mixWord(HASH_START, seed), key), counter), salt);
  return (h + 0.5) / 4294967296;
}

/** A standard normal draw (Box–Muller over two counter-based uniforms). */
export function normal(seed: number, key: string, counter: number, salt = 0): number {
  return normalOfHash(seed, keyHash(key), counter, salt);
}

function normalOfHash(seed: number, key: number, counter: number, salt: number): number {
  const u1 = uniformOfHash(seed, key, counter, salt * 2 + 1);
  const u2 = uniformOfHash(seed, key, counter, salt * 2 + 2);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A stationary AR(1) process with unit variance and lag-one correlation `phi`, evaluated at a
 * real-valued step position `x` as a pure function: the innovations are counter-based draws at integer
 * steps, the process value at step n is the truncated sum of `phi^k · e(n−k)` rescaled to unit variance,
 * and positions between steps are linearly interpolated so the series has no jumps.
 */
export function ar1(seed: number, key: string, x: number, phi: number, terms = 40): number {
  const n = Math.floor(x);
  const frac = x - n;
  const h = keyHash(key);
  const at = (m: number): number => {
    let sum = 0;
    let w = 1;
    for (let k = 0; k < terms; k++) {
      sum += w * normalOfHash(seed, h, m - k + 1e9, 0);
      w *= phi;
    }
    return sum * Math.sqrt(1 - phi * phi);
  };
  const a = at(n);
  return frac === 0 ? a : a + (at(n + 1) - a) * frac;
}
