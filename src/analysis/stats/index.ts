/** Ratchet's statistics: pure functions, no I/O. One module per method; see docs/statistics.md. */

export { logChoose, logFactorial, logGamma } from './log-gamma.ts';
export { erfc, normalCdf, normalQuantile, normalSf } from './normal.ts';
export { fisherExact, fisherGreater, fisherGreaterSupport, fisherLess, TWO_SIDED_RELATIVE_TOLERANCE } from './fisher.ts';
export type { FisherResult } from './fisher.ts';
export { wilsonInterval } from './wilson.ts';
export { newcombeInterval } from './newcombe.ts';
export { binomialCdf, binomialCdfSupport, binomialSf } from './binomial.ts';
export { describe, percentile } from './percentile.ts';
export type { Description } from './percentile.ts';
export { benjaminiHochberg } from './benjamini-hochberg.ts';
export { discreteBenjaminiHochberg } from './discrete-bh.ts';
export { EXACT_AUTO_MAX_PRODUCT, EXACT_MAX_PRODUCT, EXACT_TIES_MAX_WORK, mannWhitneyExactGreater, mannWhitneyU } from './mann-whitney.ts';
export type { Alternative, MannWhitneyOptions, MannWhitneyResult } from './mann-whitney.ts';
export {
  AGGREGATOR_ALPHA,
  AGGREGATOR_CORPUS_SIZE,
  DISRUPTION_GRACE_SECONDS,
  DISRUPTION_MEAN_SIGMAS,
  MIN_AGGREGATED_ATTEMPTS,
  NO_HISTORY_WORKING_PERCENT,
  aggregatedTestVerdict,
  applyPity,
  disruptionMeanCheck,
  disruptionPercentileCheck,
  requiredPasses,
  roundHalfToEven,
} from './aggregator.ts';
export type {
  AggregatedRule,
  AggregatedTestInput,
  AggregatedTestVerdict,
  DisruptionHistory,
  DisruptionMeanCheck,
  DisruptionPercentileCheck,
  RequiredPassesOptions,
} from './aggregator.ts';
