/**
 * Deterministic randomness for the development SSO: a seeded PRNG and
 * Mongo-ObjectId-shaped ids drawn from it. No dependency; the same seed gives
 * the same sequence on every runtime, which is what makes generated
 * organisations reproducible across test runs and processes.
 *
 * @module
 */

/** A source of floats in [0, 1). */
export type Rng = () => number;

/** cyrb128: spreads any seed text over 128 bits, so seeds 1 and 2 give unrelated streams. */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  return [h1 >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/**
 * A seeded PRNG (sfc32): small, fast and good enough for test data.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * rng() === createRng(42)(); // true
 * ```
 */
export function createRng(seed: number | string): Rng {
  let [a, b, c, d] = hash128(String(seed));
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next(); // warm up: the first outputs still echo the seed
  return next;
}

/**
 * One element of a non-empty list, chosen by `rng`.
 *
 * @example
 * ```ts
 * pick(createRng(1), ["a", "b"]); // "a" or "b", always the same for seed 1
 * ```
 */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/**
 * An integer in [min, max).
 *
 * @example
 * ```ts
 * randInt(createRng(1), 0, 10); // 0..9
 * ```
 */
export function randInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min));
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/**
 * A factory of 24-hex ids laid out like a MongoDB ObjectId (4-byte time,
 * 5-byte "machine" random, 3-byte counter), all drawn from `rng`: ids are
 * unique for 16M calls of one factory and stable for a given seed.
 *
 * @example
 * ```ts
 * const nextId = createIdFactory(createRng("org:42"));
 * nextId(); // e.g. "64f1a2b3c4d5e6f708090a0b"
 * ```
 */
export function createIdFactory(rng: Rng): () => string {
  const time = hex(0x60000000 + Math.floor(rng() * 0x08000000), 8);
  const machine = hex(Math.floor(rng() * 0x100000), 5) + hex(Math.floor(rng() * 0x100000), 5);
  let counter = Math.floor(rng() * 0x1000000);
  return () => {
    counter = (counter + 1) & 0xffffff;
    return time + machine + hex(counter, 6);
  };
}
