/**
 * What the simulation prints beside each detection time (scripts/simulation/detection-bounds.ts): the
 * reference CUSUM's exact propagation agrees with a seeded Monte Carlo of the same lattice and its
 * threshold keeps the false-alarm rate asked for; the Neyman–Pearson bound is the most powerful test
 * (hand-computed case) and no rule held to the budget, the CUSUM included, beats it; hours follow the
 * runs' timing.
 */
import { describe, expect, it } from 'vitest';
import {
  alarmByRun,
  anyRuleMedianHours,
  anyRuleShownBy,
  cusumChain,
  cusumFalseAlarms,
  cusumReference,
  cusumThreshold,
  medianShownHours,
  neymanPearsonPower,
  shownBy,
  shownRunsDistribution,
} from '../scripts/simulation/detection-bounds.ts';
import { mulberry32 } from '../src/util/mulberry32.ts';

describe('the reference CUSUM', () => {
  it('propagates the CUSUM statistic exactly: alarm probabilities match a Monte Carlo of the same lattice', () => {
    const [p0, p1, h] = [0.05, 0.3, 3];
    const chain = cusumChain(p0, p1, h);
    const runs = 40;
    for (const fail of [p0, p1]) {
      // warmup 0: the statistic starts at 0, which a Monte Carlo can reproduce without a burn-in.
      const exact = alarmByRun(chain, p0, fail, runs, 0);
      const random = mulberry32(fail === p0 ? 1 : 2);
      const trials = 100_000;
      const firstAlarm = new Int32Array(runs + 1);
      for (let t = 0; t < trials; t++) {
        let s = 0;
        for (let r = 1; r <= runs; r++) {
          s = random() < fail ? s + chain.up : Math.max(0, s - chain.down);
          if (s >= chain.size) {
            firstAlarm[r]!++;
            break;
          }
        }
      }
      let cumulative = 0;
      for (const r of [5, 10, 20, 40]) {
        cumulative = 0;
        for (let k = 1; k <= r; k++) cumulative += firstAlarm[k]!;
        const sampled = cumulative / trials;
        const se = Math.sqrt((exact[r - 1]! * (1 - exact[r - 1]!)) / trials);
        expect(Math.abs(sampled - exact[r - 1]!), `fail ${fail}, run ${r}`).toBeLessThan(4 * se + 1e-4);
      }
    }
    // Under the change the alarm comes far sooner than under the null.
    expect(alarmByRun(chain, p0, p1, 20, 0)[19]!).toBeGreaterThan(10 * alarmByRun(chain, p0, p0, 20, 0)[19]!);
  });

  it('sets the threshold at the false-alarm rate asked for, higher for a rarer one, from a settled start', () => {
    const [p0, p1, week] = [0.005, 0.4, 84];
    const loose = cusumThreshold(p0, p1, week, 1e-2);
    const strict = cusumThreshold(p0, p1, week, 1e-4);
    expect(strict).toBeGreaterThan(loose);
    expect(cusumFalseAlarms(p0, p1, strict, week)).toBeLessThanOrEqual(1e-4);
    // The rate is a step function of the threshold: just below it, over the budget.
    expect(cusumFalseAlarms(p0, p1, strict - 0.01, week)).toBeGreaterThan(1e-4);
    // The quasi-stationary start has settled: a longer warm-up changes nothing that shows.
    const chain = cusumChain(p0, p1, strict);
    const settled = alarmByRun(chain, p0, p0, week, 1500)[week - 1]!;
    expect(alarmByRun(chain, p0, p0, week, 4000)[week - 1]!).toBeCloseTo(settled, 12);
    expect(alarmByRun(chain, p0, p0, week, 0)[week - 1]!).toBeLessThan(settled);
  });

  it('turns runs into hours: an alarm on the first run after the onset is shown 3.5 hours after it at the median', () => {
    // Runs every 2 hours at a uniform phase, 1.5 hours long, read by a 2-hour schedule at a uniform phase:
    // 1.5 + 2·(U + V), whose median is 1.5 + 2·1.
    const certain = Float64Array.from([1, 1, 1]);
    expect(medianShownHours(certain, 2, 1.5, 2, 100)).toBeCloseTo(3.5, 1);
    expect(shownBy(certain, 2, 1.5, 2, 1.5)).toBe(0);
    expect(shownBy(certain, 2, 1.5, 2, 5.5)).toBe(1);
    // Never alarming: no median within the horizon.
    expect(medianShownHours(new Float64Array(10), 2, 1.5, 2, 100)).toBeNull();
  });

  it('needs more time for a smaller drop and fewer runs a day, and less with a looser false-alarm rate', () => {
    const fast = cusumReference({ from: 0.995, to: 0.6, runsPerDay: 24, falseAlarmsPerWeek: 1e-4 });
    const slower = cusumReference({ from: 0.995, to: 0.6, runsPerDay: 12, falseAlarmsPerWeek: 1e-4 });
    const smaller = cusumReference({ from: 0.995, to: 0.8, runsPerDay: 12, falseAlarmsPerWeek: 1e-4 });
    const looser = cusumReference({ from: 0.995, to: 0.6, runsPerDay: 12, falseAlarmsPerWeek: 1e-2 });
    expect(fast.medianHours!).toBeLessThan(slower.medianHours!);
    expect(slower.medianHours!).toBeLessThan(smaller.medianHours!);
    expect(looser.medianHours!).toBeLessThan(slower.medianHours!);
    expect(slower.falseAlarmsPerWeek).toBeLessThanOrEqual(1e-4);
  });
});

describe('the bound for any rule (Neyman–Pearson)', () => {
  const binomial = (n: number, f: number, p: number): number => {
    let c = 1;
    for (let i = 0; i < f; i++) c = (c * (n - i)) / (i + 1);
    return c * p ** f * (1 - p) ** (n - f);
  };

  it('is the power of the most powerful randomised test: five runs, 0.1 against 0.5, level 0.01 by hand', () => {
    const five = Float64Array.from([0, 0, 0, 0, 0, 1]);
    // Reject on 3, 4 or 5 failures (level 0.00856), and on 2 with the probability that spends the rest.
    const tail0 = binomial(5, 3, 0.1) + binomial(5, 4, 0.1) + binomial(5, 5, 0.1);
    const share = (0.01 - tail0) / binomial(5, 2, 0.1);
    const tail1 = binomial(5, 3, 0.5) + binomial(5, 4, 0.5) + binomial(5, 5, 0.5);
    expect(neymanPearsonPower(0.1, 0.5, five, 0.01)).toBeCloseTo(tail1 + share * binomial(5, 2, 0.5), 12);
    // At exactly the level of "3 or more", it is that test.
    expect(neymanPearsonPower(0.1, 0.5, five, tail0)).toBeCloseTo(tail1, 12);
    // Runs seen at random: never below the power on the fewer runs alone, never above the power on the more.
    const either = Float64Array.from([0, 0, 0, 0.5, 0, 0.5]);
    const mixed = neymanPearsonPower(0.1, 0.5, either, 0.01);
    expect(mixed).toBeGreaterThan(neymanPearsonPower(0.1, 0.5, Float64Array.from([0, 0, 0, 1]), 0.01));
    expect(mixed).toBeLessThan(neymanPearsonPower(0.1, 0.5, five, 0.01));
  });

  it('counts the runs shown by an hour as the timing says', () => {
    // Runs every 2 hours from a uniform phase, 1.5 hours long, read every 2 hours: by 3.5 hours the first is
    // shown when 2U + 2V ≤ 2, half the time.
    const runs = shownRunsDistribution(3.5, 2, 1.5, 2);
    expect(runs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(runs[1]!).toBeCloseTo(0.5, 1);
    expect(runs.length).toBe(2);
    expect(shownRunsDistribution(1.4, 2, 1.5, 2)[0]).toBe(1);
  });

  it('is never beaten by a rule held to the budget: the CUSUM shows no more drops by any hour', () => {
    for (const drop of [
      { from: 0.995, to: 0.6, runsPerDay: 12, falseAlarmsPerWeek: 1e-4 },
      { from: 0.95, to: 0.8, runsPerDay: 7, falseAlarmsPerWeek: 1e-4 },
    ]) {
      const p0 = 1 - drop.from;
      const p1 = 1 - drop.to;
      const chain = cusumChain(p0, p1, cusumThreshold(p0, p1, 7 * drop.runsPerDay, drop.falseAlarmsPerWeek));
      const cdf = alarmByRun(chain, p0, p1, 200);
      for (const t of [12, 24, 48, 96, 168]) {
        expect(shownBy(cdf, 24 / drop.runsPerDay, 1.5, 2, t), `${drop.to} at ${t} h`).toBeLessThanOrEqual(anyRuleShownBy(drop, t) + 1e-9);
      }
      // and its median is no sooner than the bound's.
      expect(medianShownHours(cdf, 24 / drop.runsPerDay, 1.5, 2, 336)!).toBeGreaterThanOrEqual(anyRuleMedianHours(drop)!);
    }
  });

  it('grows with the false-alarm budget and the hours allowed', () => {
    const drop = { from: 0.995, to: 0.6, runsPerDay: 12, falseAlarmsPerWeek: 1e-4 };
    expect(anyRuleShownBy(drop, 24)).toBeGreaterThan(anyRuleShownBy(drop, 12));
    expect(anyRuleShownBy({ ...drop, falseAlarmsPerWeek: 1e-3 }, 12)).toBeGreaterThan(anyRuleShownBy(drop, 12));
    // With no run shown yet a rule can only guess: its power is its level, 10⁻⁴ a week for one hour.
    expect(anyRuleShownBy(drop, 1)).toBeCloseTo(1e-4 / 168, 15);
  });
});
