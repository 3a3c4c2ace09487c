/**
 * The bound the simulation prints beside each detection time (scripts/simulation/oracle-cusum.ts): its
 * exact propagation of the CUSUM statistic agrees with a seeded Monte Carlo of the same CUSUM, its
 * threshold gives the false-alarm rate asked for, and its hours follow the runs' timing.
 */
import { describe, expect, it } from 'vitest';
import { alarmByRun, cusumChain, cusumThreshold, medianShownHours, oracleBound, shownBy } from '../scripts/simulation/oracle-cusum.ts';

/** Mulberry32: a small seeded generator, so the Monte Carlo is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the oracle CUSUM bound', () => {
  it('propagates the CUSUM statistic exactly: alarm probabilities match a Monte Carlo of the same lattice', () => {
    const [p0, p1, h] = [0.05, 0.3, 3];
    const chain = cusumChain(p0, p1, h);
    const runs = 40;
    for (const fail of [p0, p1]) {
      // warmup 0: the statistic starts at 0, which a Monte Carlo can reproduce without a burn-in.
      const exact = alarmByRun(chain, p0, fail, runs, 0);
      const random = rng(fail === p0 ? 1 : 2);
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

  it('sets the threshold at the false-alarm rate asked for, higher for a rarer one', () => {
    const [p0, p1, week] = [0.005, 0.4, 84];
    const loose = cusumThreshold(p0, p1, week, 1e-2);
    const strict = cusumThreshold(p0, p1, week, 1e-4);
    expect(strict).toBeGreaterThan(loose);
    const faAt = (h: number): number => alarmByRun(cusumChain(p0, p1, h), p0, p0, week)[week - 1]!;
    expect(faAt(strict)).toBeLessThanOrEqual(1e-4);
    // Just below the threshold the rate is over the target (the bisection's bracket is tight).
    expect(faAt(strict - 0.05)).toBeGreaterThan(1e-4 * 0.8);
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
    const fast = oracleBound({ from: 0.995, to: 0.6, runsPerDay: 24, falseAlarmsPerWeek: 1e-4 });
    const slower = oracleBound({ from: 0.995, to: 0.6, runsPerDay: 12, falseAlarmsPerWeek: 1e-4 });
    const smaller = oracleBound({ from: 0.995, to: 0.8, runsPerDay: 12, falseAlarmsPerWeek: 1e-4 });
    const looser = oracleBound({ from: 0.995, to: 0.6, runsPerDay: 12, falseAlarmsPerWeek: 1e-2 });
    expect(fast.medianHours!).toBeLessThan(slower.medianHours!);
    expect(slower.medianHours!).toBeLessThan(smaller.medianHours!);
    expect(looser.medianHours!).toBeLessThan(slower.medianHours!);
    // 12 runs a day: the first runs after a random onset are shown about 3.5 hours in, two hours apart, and
    // a 60 % failing test needs at least three failures' worth of evidence against 99.5 %.
    expect(slower.medianHours!).toBeGreaterThan(3.5 + 2 * 2);
  });
});
