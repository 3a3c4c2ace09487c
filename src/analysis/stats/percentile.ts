/**
 * Type-7 percentiles (linear interpolation between order statistics, Hyndman & Fan 1996): the
 * default of numpy, R and BigQuery's PERCENTILE_CONT, which the job-run-aggregator's history uses.
 * For sorted x₀ ≤ … ≤ xₙ₋₁ and h = (n − 1)·p/100: x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋).
 */

import { mean, quantileSorted, sampleStandardDeviation } from 'simple-statistics';

function checkValues(name: string, values: readonly number[]): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`${name}: values must be finite numbers; index ${i} is ${values[i]}. Drop missing runs first.`);
    }
  }
}

function isSorted(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1]! > values[i]!) return false;
  return true;
}

function sortedCopy(values: readonly number[]): number[] {
  return isSorted(values) ? [...values] : [...values].sort((x, y) => x - y);
}

/**
 * The p-th percentile (p in 0..100) of `values`, sorted or not, by type-7 interpolation.
 * @throws RangeError on an empty array, non-finite values, or p outside [0, 100].
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile: values is empty; a percentile needs at least one value.');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be in [0, 100] (e.g. 95), got ${p}.`);
  checkValues('percentile', values);
  const sorted = isSorted(values) ? (values as number[]) : [...values].sort((x, y) => x - y);
  // simple-statistics ≥ 7.10 interpolates at (n − 1)·p: exactly type 7.
  return quantileSorted(sorted, p / 100);
}

export interface Description {
  count: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1); NaN for fewer than two values. */
  sd: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/**
 * Count, mean, sample standard deviation, type-7 P50/P75/P95/P99, min and max: the summary the
 * aggregator keeps per disruption backend. Empty input gives count 0 and NaN elsewhere.
 * @throws RangeError on non-finite values.
 */
export function describe(values: readonly number[]): Description {
  checkValues('describe', values);
  if (values.length === 0) {
    return { count: 0, mean: NaN, sd: NaN, p50: NaN, p75: NaN, p95: NaN, p99: NaN, min: NaN, max: NaN };
  }
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    mean: mean(sorted),
    sd: sorted.length < 2 ? NaN : sampleStandardDeviation(sorted),
    p50: quantileSorted(sorted, 0.5),
    p75: quantileSorted(sorted, 0.75),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}
