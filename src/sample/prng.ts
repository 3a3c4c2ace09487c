/**
 * A small seeded PRNG for the sample generator. Math.random is never used: the same seed must give
 * the same bucket byte for byte on every machine.
 *
 * Streams are keyed by labels (`rngFor(seed, 'run', job, index)`) rather than drawn from one shared
 * sequence, so adding a job or a file type does not shift the random choices of everything after
 * it: each run's content depends only on the seed and the run's own key.
 */
import { mulberry32 } from '../util/mulberry32.ts';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Uniform in [lo, hi). */
  float(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A new array in random order (Fisher–Yates); the input is not modified. */
  shuffle<T>(items: readonly T[]): T[];
  /** Standard normal deviate (Box–Muller). */
  normal(): number;
  /** `n` lower-case hex digits. */
  hex(n: number): string;
  /** `n` characters from [a-z0-9]. */
  alnum(n: number): string;
}

/** 32-bit FNV-1a over the UTF-16 code units, then a murmur3-style finaliser to spread the bits. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seeded stream (mulberry32) with the helpers the generator draws from. */
function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  const rng: Rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    float: (lo, hi) => lo + next() * (hi - lo),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    shuffle: <T>(items: readonly T[]): T[] => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = out[i] as T;
        out[i] = out[j] as T;
        out[j] = tmp;
      }
      return out;
    },
    normal: () => {
      // 1 - next() keeps the argument of log in (0, 1].
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    hex: (n) => {
      let s = '';
      for (let i = 0; i < n; i++) s += Math.floor(next() * 16).toString(16);
      return s;
    },
    alnum: (n) => {
      const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
      let s = '';
      for (let i = 0; i < n; i++) s += chars[Math.floor(next() * chars.length)];
      return s;
    },
  };
  return rng;
}

/** An independent stream for one purpose, keyed by the seed and any labels. */
export function rngFor(seed: number, ...labels: ReadonlyArray<string | number>): Rng {
  return createRng(hash32(labels.join('\u0000'), seed));
}
