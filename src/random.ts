/**
 * Seeded pseudo-random numbers for augmentation, the training order and sample picks. mulberry32 (32-bit state, fast, good enough for image
 * augmentation) plus a murmur3-style integer mixer to derive independent streams from (seed, epoch, index).
 * Same seed -> same stream on every machine (only 32-bit integer maths, no Math.random).
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform in [min, max) */
  uniform(min: number, max: number): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** true with probability p */
  chance(p: number): boolean;
  /** a new, independent generator seeded from one draw of this one */
  fork(): Rng;
}

/** The 32-bit finaliser of MurmurHash3: a bijective avalanche mix of one integer. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Combines integers (any safe integers, negative ones too) into one 32-bit seed; order matters. */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    if (!Number.isSafeInteger(part)) throw new RangeError(`seed parts must be safe integers, got ${part}`);
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x100000000) >>> 0;
    h = mix32(h ^ mix32(lo + 0x7f4a7c15));
    h = mix32(h ^ mix32(hi + 0x6a09e667));
  }
  return h;
}

/** mulberry32: returns a function giving uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRng(seed: number): Rng {
  const next = mulberry32(hashSeed(seed));
  const rng: Rng = {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (n) => Math.floor(next() * n),
    chance: (p) => p > 0 && next() < p,
    fork: () => createRng(Math.floor(next() * 4294967296)),
  };
  return rng;
}

/** A shuffled copy of `items` (Fisher–Yates) drawing from `rand` (uniform in [0, 1)). */
export function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A seeded permutation of 0..n-1: the training loop's sample order. mulberry32 seeded directly (not
 * through hashSeed) so that runs started before this function moved here resume in the same order.
 */
export function seededShuffle(n: number, seed: number): number[] {
  return shuffle(
    Array.from({ length: n }, (_, i) => i),
    mulberry32(seed),
  );
}
