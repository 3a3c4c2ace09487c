/**
 * Newcombe's hybrid score interval for a difference of two proportions (R. G. Newcombe, Statistics
 * in Medicine 1998, method 10). It combines the two Wilson intervals, so, like them, it behaves at
 * 0 % and 100 % and for small samples, where the textbook p₁ − p₂ ± z·√(…) is far too narrow:
 *
 *   d = p₁ − p₂,  [l₁, u₁] and [l₂, u₂] the Wilson intervals of p₁ and p₂
 *   lower = d − √((p₁ − l₁)² + (u₂ − p₂)²)
 *   upper = d + √((u₁ − p₁)² + (p₂ − l₂)²)
 */

import { wilsonInterval } from './wilson.ts';

/**
 * Interval [lower, upper] for p₁ − p₂ = x₁/n₁ − x₂/n₂ at the given two-sided confidence.
 * @throws RangeError when a count is invalid (see wilsonInterval) or a sample is empty.
 */
export function newcombeInterval(x1: number, n1: number, x2: number, n2: number, confidence = 0.95): [number, number] {
  if (n1 === 0 || n2 === 0) {
    throw new RangeError(`newcombeInterval: both samples need at least one trial, got n₁ = ${n1} and n₂ = ${n2}.`);
  }
  const [l1, u1] = wilsonInterval(x1, n1, confidence);
  const [l2, u2] = wilsonInterval(x2, n2, confidence);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  return [d - Math.hypot(p1 - l1, u2 - p2), d + Math.hypot(u1 - p1, p2 - l2)];
}
