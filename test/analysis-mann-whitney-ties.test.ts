/**
 * The exact Mann–Whitney tail with ties equals brute-force enumeration of every split of the pooled
 * values, and the exact no-ties distribution where there are no ties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitneyExactGreater, mannWhitneyU } from '../src/analysis/stats/index.ts';

/** P(U ≥ U_obs) by listing every choice of which pooled positions are x (BigInt-free: small n). */
function bruteForce(x: number[], y: number[]): number {
  const pooled = [...x, ...y];
  const n = pooled.length;
  const n1 = x.length;
  const uOf = (a: number[], b: number[]) => {
    let u = 0;
    for (const v of a) for (const w of b) u += v > w ? 1 : v === w ? 0.5 : 0;
    return u;
  };
  const observed = uOf(x, y);
  let hits = 0;
  let total = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let m = mask; m; m &= m - 1) bits++;
    if (bits !== n1) continue;
    const a: number[] = [];
    const b: number[] = [];
    for (const [i, v] of pooled.entries()) ((mask >> i) & 1 ? a : b).push(v);
    total++;
    if (uOf(a, b) >= observed - 1e-9) hits++;
  }
  return hits / total;
}

describe('mannWhitneyExactGreater', () => {
  it('equals enumeration of all splits, ties included', () => {
    const value = fc.integer({ min: 0, max: 3 });
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 7 }), fc.array(value, { minLength: 1, maxLength: 7 }), (x, y) => {
        const exact = mannWhitneyExactGreater(x, y)!;
        expect(exact.p).toBeCloseTo(bruteForce(x, y), 12);
        expect(exact.u).toBe(mannWhitneyU(x, y).u);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the exact no-ties distribution when there are no ties', () => {
    const x = [0.5, 3.2, 7.7, 9.1, 11.4, 12.9];
    const y = [0.1, 1.4, 2.2, 2.9, 4.8, 5.5, 6.1];
    expect(mannWhitneyExactGreater(x, y)!.p).toBeCloseTo(mannWhitneyU(x, y, { alternative: 'greater', method: 'exact' }).p, 13);
  });

  it('declines samples too large to count exactly', () => {
    const x = Array.from({ length: 400 }, (_, i) => i % 17);
    expect(mannWhitneyExactGreater(x, x)).toBeNull();
  });
});
