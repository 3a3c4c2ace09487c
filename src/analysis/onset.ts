/**
 * When did it start? A regression's onset is the change point of its cell's run sequence: the split
 * of the runs (oldest first) into "before" and "after" that makes the two segments' failure rates
 * most likely, with the rate after the split higher than before (a single change point, maximum
 * likelihood under two binomial segments; Hinkley 1970). The first failing run at or after the split
 * is the first bad run; its payload is the first bad payload, and the newest payload before it the
 * last good one: where a release team looks for the change to revert.
 */

/** Binomial log-likelihood of k failures in n runs at the maximum-likelihood rate k/n. */
function segmentLogLikelihood(k: number, n: number): number {
  if (n === 0 || k === 0 || k === n) return 0;
  return k * Math.log(k / n) + (n - k) * Math.log(1 - k / n);
}

/**
 * Index of the first run after the most likely change point, or -1 when no split raises the failure
 * rate. `failed[i]` is 1 when run i failed. Splits before `from` are not considered (the onset of a
 * regression found against a basis lies after the basis's start).
 */
export function changePoint(failed: ArrayLike<number>, from = 1): number {
  const n = failed.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += failed[i]!;
  if (total === 0) return -1;
  let best = -1;
  let bestLl = -Infinity;
  let before = 0;
  for (let s = 0; s < n; s++) {
    if (s >= Math.max(1, from)) {
      const after = total - before;
      // Only a rise counts: a split after which the rate falls is a recovery, not an onset.
      if (after / (n - s) > before / s) {
        const ll = segmentLogLikelihood(before, s) + segmentLogLikelihood(after, n - s);
        if (ll > bestLl + 1e-9) {
          bestLl = ll;
          best = s;
        }
      }
    }
    before += failed[s]!;
  }
  return best;
}

/** The first failing run at or after `split`, or -1. */
export function firstFailureFrom(failed: ArrayLike<number>, split: number): number {
  if (split < 0) return -1;
  for (let i = split; i < failed.length; i++) if (failed[i]) return i;
  return -1;
}

/**
 * The payload tags around the first bad run: its own, and the newest different tag among the runs
 * before it (runs oldest first; undefined where a run has no tag).
 */
export function payloadsAround(tags: ReadonlyArray<string | undefined>, firstBad: number): { firstBad: string | null; lastGood: string | null } {
  if (firstBad < 0) return { firstBad: null, lastGood: null };
  const bad = tags[firstBad] ?? null;
  for (let i = firstBad - 1; i >= 0; i--) {
    const tag = tags[i];
    if (tag !== undefined && tag !== bad) return { firstBad: bad, lastGood: tag };
  }
  return { firstBad: bad, lastGood: null };
}
