/**
 * Benjamini–Hochberg adjusted p-values (step-up, controls the false discovery rate; Benjamini &
 * Hochberg, JRSS B 1995). Testing thousands of tests × variants at 0.05 guarantees false alarms;
 * rejecting where adjusted p ≤ q keeps the expected share of false alarms among flagged ones ≤ q.
 *
 * For the m non-missing p-values sorted ascending, p₍ᵢ₎ becomes min over j ≥ i of min(1, m·p₍ⱼ₎ / j):
 * the running minimum from the top makes the adjusted values monotone in rank.
 */

/**
 * Adjusted p-values in the input order. NaN entries (tests that were not run) stay NaN and do not
 * count towards m, as R's p.adjust treats NA.
 * @throws RangeError on a value outside [0, 1] that is not NaN.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const indices: number[] = [];
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i]!;
    if (Number.isNaN(p)) continue;
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`benjaminiHochberg: p-values must be in [0, 1] or NaN; index ${i} is ${p}.`);
    }
    indices.push(i);
  }
  const adjusted = new Array<number>(pValues.length).fill(NaN);
  const m = indices.length;
  indices.sort((x, y) => pValues[x]! - pValues[y]! || x - y);
  let runningMin = 1;
  for (let rank = m; rank >= 1; rank--) {
    const index = indices[rank - 1]!;
    // m/rank ≥ 1, and rounding is monotone, so p·(m/rank) never rounds below p (p·m/rank can).
    const candidate = pValues[index]! * (m / rank);
    if (candidate < runningMin) runningMin = candidate;
    adjusted[index] = runningMin;
  }
  return adjusted;
}
