/** Ratchet's statistics: pure functions, no I/O. One module per method; see docs/statistics.md. */

export { logChoose, logFactorial, logGamma } from './log-gamma.ts';
export { erfc, normalCdf, normalQuantile, normalSf } from './normal.ts';
export {
  betaBinomialCdf,
  betaBinomialMixtureUpperSupport,
  betaBinomialSf,
  exceedancePrior,
} from './beta-binomial.ts';
export { fisherExact, fisherGreater, fisherGreaterSupport, fisherLess } from './fisher.ts';
export { wilsonInterval } from './wilson.ts';
export { newcombeInterval } from './newcombe.ts';
export { binomialCdf, binomialCdfSupport, binomialMixtureUpperSupport, binomialSf } from './binomial.ts';
export { describe, percentile } from './percentile.ts';
export { benjaminiHochberg } from './benjamini-hochberg.ts';
export { discreteBenjaminiHochberg } from './discrete-bh.ts';
export { mannWhitneyExactGreater, mannWhitneyU } from './mann-whitney.ts';
export {
  DISRUPTION_GRACE_SECONDS,
  aggregatedTestVerdict,
  applyPity,
  disruptionMeanCheck,
  disruptionPercentileCheck,
  requiredPasses,
  roundHalfToEven,
} from './aggregator.ts';
