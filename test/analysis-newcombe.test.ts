/** Newcombe's hybrid score interval reproduces the published values and brackets the difference. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newcombeInterval } from '../src/analysis/stats/index.ts';

describe('newcombeInterval', () => {
  // Newcombe, Statistics in Medicine 17 (1998) 873–890, Table II, method 10 (4 decimals).
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
  ])('%i/%i − %i/%i matches the paper', (x1, n1, x2, n2, lo, hi) => {
    const [l, u] = newcombeInterval(x1, n1, x2, n2);
    expect(l).toBeCloseTo(lo, 4);
    expect(u).toBeCloseTo(hi, 4);
  });

  it('always contains the observed difference and stays within [-1, 1]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n1, n2, a, b) => {
          const x1 = Math.floor(a * n1);
          const x2 = Math.floor(b * n2);
          const [l, u] = newcombeInterval(x1, n1, x2, n2);
          const d = x1 / n1 - x2 / n2;
          return l <= d + 1e-12 && d <= u + 1e-12 && l >= -1 - 1e-12 && u <= 1 + 1e-12;
        },
      ),
    );
  });

  it('refuses an empty sample with a message that says which', () => {
    expect(() => newcombeInterval(0, 0, 1, 2)).toThrow(/at least one trial/);
  });
});
