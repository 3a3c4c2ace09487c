/**
 * Runs whose test failures say nothing about the tests (src/analysis/run-class.ts): a mass failure (a
 * large share of the tests failed at once) or an infrastructure failure (install, infrastructure) is
 * kept out of test verdicts, listed in data quality and counted on its job. Through analyze(): a
 * 16-hour outage whose runs fail 40 % of their tests flags no test at any snapshot through it, while a
 * real regression in the same hours is still flagged; without the classification, the outage would
 * have flagged dozens.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import { RunClassifier } from '../src/analysis/run-class.ts';
import { regressionsConfigSchema } from '../src/config/config-schema.ts';
import type { TestResult } from '../src/ingest/run-record.ts';
import { mulberry32 } from '../src/util/mulberry32.ts';
import { AS_OF_MS, DAY, HOUR, JOB } from './support/constants.ts';
import { analysisInput, runRecord } from './support/run-records.ts';
import { analyzeEach, runSeries, testResults } from './support/run-series.ts';

const defaults = regressionsConfigSchema.parse({}).massFailure;

/** A run of `total` tests: the first `failed` fail, the next `flaked` flake, the next `skipped` are skipped. */
function run(total: number, counts: { failed?: number; flaked?: number; skipped?: number; names?: Record<number, string> }) {
  const tests: TestResult[] = [];
  const { failed = 0, flaked = 0, skipped = 0 } = counts;
  for (let i = 0; i < total; i++) {
    const status = i < failed ? 'fail' : i < failed + flaked ? 'flake' : i < failed + flaked + skipped ? 'skip' : 'pass';
    tests.push({ suite: 'openshift-tests', name: counts.names?.[i] ?? `[sig-x] test ${i}`, status, durationSec: 1 });
  }
  return runRecord(JOB, '1', AS_OF_MS - HOUR, { tests });
}

describe('RunClassifier', () => {
  const classifier = new RunClassifier(defaults);

  it('calls a run a mass failure when at least 20 % and at least 10 of its tests failed', () => {
    expect(defaults).toMatchObject({ share: 0.2, minFailed: 10 });
    expect(classifier.classify(run(100, { failed: 19 }))).toEqual({ class: 'normal', failed: 19, tests: 100, reason: '' });
    const mass = classifier.classify(run(100, { failed: 20 }));
    expect(mass).toMatchObject({ class: 'mass-failure', failed: 20, tests: 100 });
    expect(mass.reason).toBe('20 of 100 tests failed (at least 20 % and 10): a mass failure');
    // A small run failing most of its tests, but fewer than 10: its failures may be real.
    expect(classifier.classify(run(12, { failed: 9 })).class).toBe('normal');
    expect(classifier.classify(run(12, { failed: 10 })).class).toBe('mass-failure');
  });

  it('counts neither flakes as failures nor skipped tests as run', () => {
    // 60 tests, 20 skipped: 40 ran; 8 failed and 10 flaked: 8 of 40 is 20 %, but under 10.
    expect(classifier.classify(run(60, { failed: 8, flaked: 10, skipped: 20 }))).toMatchObject({ class: 'normal', failed: 8, tests: 40 });
    // 50 skipped of 100: 10 failures among 50 run tests is a mass failure, though only 10 % of all.
    expect(classifier.classify(run(100, { failed: 10, skipped: 50 }))).toMatchObject({ class: 'mass-failure', failed: 10, tests: 50 });
  });

  it('calls a run an infrastructure failure when an install or infrastructure test failed, however few', () => {
    const install = classifier.classify(run(50, { failed: 1, names: { 0: 'install should succeed: overall' } }));
    expect(install).toMatchObject({ class: 'infrastructure', failed: 1, tests: 50 });
    expect(install.reason).toMatch(/^failed "install should succeed: overall": it failed before its tests could tell anything/);
    expect(classifier.classify(run(50, { failed: 1, names: { 0: '[sig-ci] cluster infrastructure should work' } })).class).toBe('infrastructure');
    // Anchored: a test that merely mentions the install is an ordinary test.
    expect(classifier.classify(run(50, { failed: 1, names: { 0: 'upgrade: install should succeed later' } })).class).toBe('normal');
    // Passing, it says the run was fine.
    expect(classifier.classify(run(50, { failed: 0, names: { 0: 'install should succeed: overall' } })).class).toBe('normal');
    // Before a mass failure: a run that failed its install and then most tests failed for that reason.
    expect(classifier.classify(run(50, { failed: 30, names: { 0: 'install should succeed: overall' } })).class).toBe('infrastructure');
  });

  it('takes its thresholds from the config', () => {
    const strict = new RunClassifier({ share: 0.5, minFailed: 2, infraTests: [] });
    expect(strict.classify(run(4, { failed: 2 })).class).toBe('mass-failure');
    expect(strict.classify(run(5, { failed: 2 })).class).toBe('normal');
    expect(strict.classify(run(4, { failed: 1, names: { 0: 'install should succeed: overall' } })).class).toBe('normal');
  });
});

describe('an outage through analyze()', () => {
  const OTHER_JOB = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-gcp-ovn';
  const TESTS = Array.from({ length: 50 }, (_, k) => `[sig-${k % 5}] stable test ${k}`);
  const REGRESSED = TESTS[7]!;
  const OUTAGE_START = AS_OF_MS - 30 * HOUR; // 00:00 UTC
  const OUTAGE_END = OUTAGE_START + 16 * HOUR;
  const ONSET = OUTAGE_START - 12 * HOUR;
  const rng = mulberry32(16);

  /** Each stable test fails about one run in 150, at its own runs; the regressed one fails 3 runs in 5 from its onset. */
  const ordinary = (name: string, time: number, i: number): boolean => {
    const k = TESTS.indexOf(name);
    if (name === REGRESSED && time >= ONSET) return [0, 1, 3].includes(i % 5);
    return (i + 37 * k) % 150 === 0;
  };
  // The outage: 7 of its 8 runs on JOB fail a random 40 % of the tests (20 of 50) as well.
  const outageRuns = new Set<number>();
  const runs = [
    ...runSeries(JOB, {
      from: AS_OF_MS - 40 * DAY + HOUR,
      to: AS_OF_MS,
      make: (time, i) => {
        const inOutage = time >= OUTAGE_START && time < OUTAGE_END && time !== OUTAGE_START + 5 * HOUR;
        if (inOutage) outageRuns.add(time);
        const broken = new Set(inOutage ? [...TESTS].sort(() => rng() - 0.5).slice(0, 20) : []);
        return { tests: testResults(TESTS, (name) => broken.has(name) || ordinary(name, time, i)) };
      },
    }),
    ...runSeries(OTHER_JOB, {
      from: AS_OF_MS - 40 * DAY + 2 * HOUR,
      to: AS_OF_MS,
      salt: 1,
      make: (time, i) => {
        // One run whose install failed, taking three tests down with it.
        if (time === AS_OF_MS - 10 * HOUR) {
          const down = new Set(['install should succeed: overall', ...TESTS.slice(1, 4)]);
          return { tests: testResults(['install should succeed: overall', ...TESTS], (name) => down.has(name)) };
        }
        return { tests: testResults(TESTS, (name) => name !== REGRESSED && ordinary(name, time, i)) };
      },
    }),
  ];
  const outageBuilds = runs.filter((r) => r.job === JOB && outageRuns.has(Date.parse(r.started!))).map((r) => r.buildId);

  it('flags no test at any snapshot through the outage, and still flags the real regression', async () => {
    expect(outageBuilds).toHaveLength(7);
    // Every 2 hours from the outage's start to 14 hours after its end.
    const asOfs = Array.from({ length: 16 }, (_, k) => OUTAGE_START + (k + 1) * 2 * HOUR);
    const snapshots = await analyzeEach(runs, asOfs);
    for (const s of snapshots) {
      const flagged = s.regressions!.tests.filter((r) => r.status !== 'resolved' && r.name !== REGRESSED);
      expect(
        flagged.map((r) => `${r.mode} ${r.name}`),
        s.asOf,
      ).toEqual([]);
    }
    const last = snapshots.at(-1)!;
    const regressed = last.regressions!.tests.filter((r) => r.name === REGRESSED && r.status !== 'resolved');
    const ratchet = regressed.find((r) => r.mode === 'ratchet');
    expect(ratchet?.jobs).toEqual([JOB]);
    // Its onset is its own, 12 hours before the outage, not the outage.
    expect(Date.parse(ratchet!.onset!.run!.started!)).toBeLessThan(OUTAGE_START);
    // Its evidence holds no outage run: those are out of the test's counts, so they are not its evidence either.
    expect(ratchet!.failedRuns.length).toBeGreaterThan(0);
    for (const r of regressed) for (const f of r.failedRuns) expect(outageBuilds).not.toContain(f.buildId);
  });

  it('lists the runs it kept out and counts them on their job', async () => {
    const s = await analyze(analysisInput(runs));
    const excluded = s.dataQuality.excludedRuns!;
    expect(
      excluded
        .filter((r) => r.class === 'mass-failure')
        .map((r) => r.buildId)
        .sort(),
    ).toEqual([...outageBuilds].sort());
    for (const r of excluded.filter((x) => x.class === 'mass-failure')) {
      expect(r).toMatchObject({ job: JOB, tests: 50 });
      // 20 broken by the outage, and the regressed test or a stable one's rare failure on top.
      expect(r.failed).toBeGreaterThanOrEqual(20);
      expect(r.failed).toBeLessThanOrEqual(22);
    }
    const infra = excluded.filter((r) => r.class === 'infrastructure');
    expect(infra).toHaveLength(1);
    expect(infra[0]).toMatchObject({ job: OTHER_JOB, started: new Date(AS_OF_MS - 10 * HOUR).toISOString(), failed: 4, tests: 51 });
    // Newest first.
    const starts = excluded.map((r) => r.started!);
    expect(starts).toEqual([...starts].sort().reverse());
    const job = (name: string) => s.jobs.find((j) => j.name === name)!;
    expect(job(JOB).excludedRuns).toEqual({ massFailure: 7, infrastructure: 0, badDay: 0 });
    expect(job(OTHER_JOB).excludedRuns).toEqual({ massFailure: 0, infrastructure: 1, badDay: 0 });
    // They still count for their job: the job's runs in the window include them.
    expect(job(JOB).current.runs).toBe(84);
  });

  it('would flag dozens of tests without the classification', async () => {
    const s = await analyze(
      analysisInput(runs, { config: { regressions: { massFailure: { minFailed: 1000, infraTests: [] }, badDays: { enabled: false } } } }),
    );
    expect(s.dataQuality.excludedRuns).toEqual([]);
    const falsely = s.regressions!.tests.filter((r) => r.mode === 'ratchet' && r.status !== 'resolved' && r.name !== REGRESSED);
    expect(falsely.length).toBeGreaterThan(20);
  });

  it('keeps the outage out as a bad day when runs are not classified one by one', async () => {
    // The same outage, seen by the job's day instead of by each run: 50 distinct tests failed on its day
    // against about 5 usually, and the next day was usual again.
    const s = await analyze(analysisInput(runs, { config: { regressions: { massFailure: { minFailed: 1000, infraTests: [] } } } }));
    const bad = s.dataQuality.excludedRuns!.filter((r) => r.class === 'bad-day');
    // Every run of the job that day, the outage runs among them.
    expect(bad.every((r) => r.job === JOB && r.started!.startsWith(new Date(OUTAGE_START).toISOString().slice(0, 10)))).toBe(true);
    expect(bad).toHaveLength(12);
    for (const b of outageBuilds) expect(bad.map((r) => r.buildId)).toContain(b);
    expect(s.jobs.find((j) => j.name === JOB)!.excludedRuns).toEqual({ massFailure: 0, infrastructure: 0, badDay: 12 });
    const falsely = s.regressions!.tests.filter((r) => r.mode === 'ratchet' && r.status !== 'resolved' && r.name !== REGRESSED);
    expect(falsely).toEqual([]);
  });
});
