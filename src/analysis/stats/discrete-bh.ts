/**
 * Discrete Benjamini–Hochberg, step-down: [DBH-SD] of Döhler, Durand & Roquain, "New FDR bounds for
 * discrete and heterogeneous tests", Electronic Journal of Statistics 12 (2018) 1867–1900.
 *
 * Benjamini–Hochberg treats every p-value as if it could take any value in [0, 1]. An exact test
 * on counts cannot: with its margins fixed, Fisher's test on a cell whose 4 failures could fall
 * anywhere in 50 + 50 runs can only give 5 p-values, the smallest 0.06. BH still counts such a cell
 * as a full hypothesis at every threshold. Knowing each test's null distribution F_i (a step
 * function: F_i(t) = the largest attainable p-value ≤ t, 0 below the smallest), the procedure
 * measures how many false rejections a threshold t can produce by
 *
 *     ξ(t) = Σ_i F_i(t) / (1 − F_i(t))
 *
 * instead of m·t, and rejects step-down: with p₍₁₎ ≤ … ≤ p₍ₘ₎, reject H₍₁₎ … H₍ₖ₎ for the largest k
 * with ξ(p₍ⱼ₎) ≤ j·α for every j ≤ k. The adjusted p-values are therefore
 *
 *     q₍ₖ₎ = min(1, max over j ≤ k of ξ(p₍ⱼ₎) / j)
 *
 * and H_i is rejected at level α iff q_i ≤ α. The paper proves FDR ≤ α for independent p-values
 * whose null distributions are F_i or stochastically larger (a conservative test is fine).
 * For continuous p-values (F_i(t) = t) ξ(t) = m·t/(1 − t), a hair stricter than BH; for discrete
 * ones ξ(t) is often far below m·t, and that is the gain. Cells that can never reach t add nothing
 * to ξ(t), so Tarone's filter is built in.
 */

/**
 * Adjusted p-values (input order) of the step-down discrete Benjamini–Hochberg procedure.
 * `supports[i]` lists the attainable p-values of hypothesis i under its null, ascending; each
 * observed p-value must be one of its support's values (compare as numbers, so pass the same
 * doubles). NaN p-values stay NaN and are not counted; p ≥ 1 gives 1.
 *
 * With `weights` (positive, averaging 1 over the hypotheses with a p-value), hypothesis i is judged
 * on p_i / w_i, whose null distribution is F_i(w_i t): the procedure is the same with that F in ξ.
 * A larger weight spends more of the error budget on a hypothesis (Genovese, Roeder & Wasserman 2006).
 * @throws RangeError when a p-value is outside [0, 1], its support is missing or a weight is not positive.
 */
export function discreteBenjaminiHochberg(
  pValues: ArrayLike<number>,
  supports: ReadonlyArray<ArrayLike<number> | undefined>,
  weights?: ArrayLike<number>,
): Float64Array {
  const w = (i: number): number => (weights ? weights[i]! : 1);
  const indices: number[] = [];
  for (let i = 0; i < pValues.length; i++) {
    const p = pValues[i]!;
    if (Number.isNaN(p)) continue;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`discreteBenjaminiHochberg: p-values must be in [0, 1] or NaN; index ${i} is ${p}.`);
    if (!supports[i]) throw new RangeError(`discreteBenjaminiHochberg: hypothesis ${i} has a p-value but no support.`);
    if (!(w(i) > 0)) throw new RangeError(`discreteBenjaminiHochberg: weights must be positive; index ${i} is ${w(i)}.`);
    indices.push(i);
  }
  const adjusted = new Float64Array(pValues.length).fill(NaN);
  const m = indices.length;
  if (m === 0) return adjusted;
  // Weighted, hypothesis i is judged on p_i / w_i, whose null distribution is F_i(w_i t).
  const scaled = (i: number): number => pValues[i]! / w(i);
  indices.sort((x, y) => scaled(x) - scaled(y) || x - y);
  const sorted = new Float64Array(m);
  for (let j = 0; j < m; j++) sorted[j] = scaled(indices[j]!);

  // ξ at every observed p-value at once: each support value s of each hypothesis raises ξ(t) for
  // all t ≥ s by g(s) − g(previous value), g(x) = x / (1 − x). Added at the first observed p-value
  // ≥ s, a running sum then gives ξ(p₍ⱼ₎). Values of 1 only matter for t ≥ 1, where q is 1.
  const step = new Float64Array(m + 1);
  const largest = sorted[m - 1]!;
  for (const i of indices) {
    const support = supports[i]!;
    const weight = w(i);
    let before = 0;
    let from = 0;
    for (let k = 0; k < support.length; k++) {
      const s = support[k]!;
      if (s / weight > largest) break;
      if (s >= 1) break;
      const g = s / (1 - s);
      from = lowerBound(sorted, s / weight, from);
      step[from] = step[from]! + (g - before);
      before = g;
    }
    // F_i(w_i·t) reaches 1 at t = 1/w_i (p′ is 1 for every split the rules refuse): from there ξ is infinite.
    // Without weights that is t = 1, where q is 1 anyway; with a weight above 1 it comes sooner.
    if (1 / weight <= largest) {
      const at = lowerBound(sorted, 1 / weight, 0);
      step[at] = Number.POSITIVE_INFINITY;
    }
  }
  let xi = 0;
  let running = 0;
  for (let j = 0; j < m; j++) {
    xi += step[j]!;
    const p = pValues[indices[j]!]!;
    running = p >= 1 ? 1 : Math.max(running, Math.min(1, xi / (j + 1)));
    adjusted[indices[j]!] = running;
  }
  return adjusted;
}

/** First index ≥ from whose value is ≥ x (sorted ascending). */
function lowerBound(sorted: Float64Array, x: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
