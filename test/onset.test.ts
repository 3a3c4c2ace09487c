/**
 * Onset (src/analysis/onset.ts): the change point of a cell's runs (the split that makes two binomial
 * segments most likely, with the rate rising after it), the first bad run at or after it, and the
 * payloads around that run. On crafted sequences against the definition, and through analyze(): a
 * test that starts failing on a payload names its first failing run, that payload, and the one before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analysis/analyze.ts';
import { changePoint, firstFailureFrom, payloadsAround } from '../src/analysis/onset.ts';
import { prowRunUrl } from '../src/util/prow-links.ts';
import { AS_OF_MS, BUCKET, DAY, HOUR, JOB } from './support/constants.ts';
import { analysisInput } from './support/run-records.ts';
import { PAYLOAD_HOURS, payloadTagAt, runSeries, testResults } from './support/run-series.ts';

/** k ln(k/n) + (n − k) ln(1 − k/n), 0 for an empty or pure segment. */
function logLikelihood(k: number, n: number): number {
  if (n === 0 || k === 0 || k === n) return 0;
  return k * Math.log(k / n) + (n - k) * Math.log(1 - k / n);
}

/** The definition, the slow way: of the splits s ≥ max(1, from) after which the failure rate rises, the first most likely one. */
function referenceChangePoint(seq: readonly number[], from = 1): number {
  const candidates: Array<{ s: number; ll: number }> = [];
  for (let s = Math.max(1, from); s < seq.length; s++) {
    const before = seq.slice(0, s).reduce((a, b) => a + b, 0);
    const after = seq.slice(s).reduce((a, b) => a + b, 0);
    if (after / (seq.length - s) > before / s) candidates.push({ s, ll: logLikelihood(before, s) + logLikelihood(after, seq.length - s) });
  }
  if (candidates.length === 0 || seq.every((x) => x === 0)) return -1;
  const best = Math.max(...candidates.map((c) => c.ll));
  return candidates.find((c) => c.ll >= best - 1e-9)!.s;
}

const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const ones = (n: number): number[] => new Array<number>(n).fill(1);

describe('the change point of a run sequence', () => {
  it('is where a clean run of passes turns into failures', () => {
    const seq = [...zeros(30), ...ones(10)];
    // Both segments pure: the only split with likelihood 1.
    expect(changePoint(seq)).toBe(30);
    expect(firstFailureFrom(seq, changePoint(seq))).toBe(30);
  });

  it('finds the onset of a partial failure, and the first bad run is its first failure', () => {
    const bad = [0, 1, 1, 0, 1, 0, 1, 1, 0, 1];
    const seq = [...zeros(40), ...bad];
    expect(changePoint(seq)).toBe(referenceChangePoint(seq));
    // Counting the pass at index 40 in the bad segment costs more than it gains: the split is at 41.
    expect(changePoint(seq)).toBe(41);
    expect(firstFailureFrom(seq, 41)).toBe(41);
  });

  it('finds nothing without failures, and a recovery is not an onset', () => {
    expect(changePoint(zeros(50))).toBe(-1);
    expect(firstFailureFrom(zeros(50), -1)).toBe(-1);
    // Failing, then fixed: every split lowers the rate after it.
    expect(changePoint([...ones(5), ...zeros(20)])).toBe(-1);
    // Failing, fixed, failing again: the onset is the second rise, not the first episode.
    expect(changePoint([...ones(3), ...zeros(20), ...ones(5)])).toBe(23);
  });

  it('considers no split before `from`', () => {
    const seq = [...zeros(10), ...ones(10)];
    expect(changePoint(seq, 15)).toBe(15);
    expect(changePoint(seq, 15)).toBe(referenceChangePoint(seq, 15));
    expect(firstFailureFrom(seq, 15)).toBe(15);
  });

  it('agrees with the definition on any sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 30 }), (seq, from) => {
        expect(changePoint(seq, from)).toBe(referenceChangePoint(seq, from));
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('the payloads around the first bad run', () => {
  it("are the run's own tag and the newest different tag before it", () => {
    const tags = ['a', 'a', 'b', 'b', 'c', 'c', 'c'];
    expect(payloadsAround(tags, 4)).toEqual({ firstBad: 'c', lastGood: 'b' });
    // A first bad run in the middle of its payload: the runs of that payload before it are not "good".
    expect(payloadsAround(tags, 5)).toEqual({ firstBad: 'c', lastGood: 'b' });
    expect(payloadsAround(tags, 2)).toEqual({ firstBad: 'b', lastGood: 'a' });
  });

  it('skip runs without a tag, and say null where there is nothing to name', () => {
    expect(payloadsAround(['a', undefined, undefined, 'c'], 3)).toEqual({ firstBad: 'c', lastGood: 'a' });
    expect(payloadsAround(['a', 'a', 'a'], 2)).toEqual({ firstBad: 'a', lastGood: null });
    expect(payloadsAround(['a', undefined], 1)).toEqual({ firstBad: null, lastGood: 'a' });
    expect(payloadsAround(['a', 'b'], -1)).toEqual({ firstBad: null, lastGood: null });
  });
});

describe('onset through analyze()', () => {
  // A run every 2 hours at odd hours, so each 6-hour payload is tested by 3 runs; 40 days of history.
  const ONSET = AS_OF_MS - DAY; // 06:00 UTC: the cut of a new payload
  const MID = AS_OF_MS - 16 * HOUR; // 14:00 UTC: the 2nd run of the payload cut at 12:00
  const TESTS = ['[sig-a] stays green', '[sig-b] breaks with a payload', '[sig-c] breaks mid-payload', '[sig-d] stays green too'];
  /** From its first bad run on, a test fails in runs 0, 1, 3 of every 5: 60 %. */
  const failsFrom = (start: number, time: number): boolean => time >= start && [0, 1, 3].includes(Math.round((time - start) / (2 * HOUR)) % 5);
  const runs = runSeries(JOB, {
    from: AS_OF_MS - 40 * DAY + HOUR,
    to: AS_OF_MS,
    make: (time) => ({
      tests: testResults(TESTS, (name) => (name === TESTS[1] && failsFrom(ONSET + HOUR, time)) || (name === TESTS[2] && failsFrom(MID + HOUR, time))),
    }),
  });

  it('names the first failing run, its payload and the payload before', async () => {
    const snapshot = await analyze(analysisInput(runs));
    const ratchet = snapshot.regressions!.tests.filter((r) => r.mode === 'ratchet' && r.status !== 'resolved');
    expect(ratchet.map((r) => r.name).sort()).toEqual([TESTS[1], TESTS[2]]);

    const first = runs.find((r) => Date.parse(r.started!) === ONSET + HOUR)!;
    const withPayload = ratchet.find((r) => r.name === TESTS[1])!;
    expect(withPayload.onset).toEqual({
      run: { job: JOB, buildId: first.buildId, url: prowRunUrl(BUCKET, first.path), started: first.started },
      payloadTag: payloadTagAt(ONSET),
      lastGoodPayloadTag: payloadTagAt(ONSET - PAYLOAD_HOURS * HOUR),
    });
    expect(first.payloadTag).toBe(payloadTagAt(ONSET));

    // Its payload's first run (12:00 + 1 h) passed; the second failed. The first bad run is the
    // second, its payload that of both, and the last good payload the one before (not its own).
    const second = runs.find((r) => Date.parse(r.started!) === MID + HOUR)!;
    const midPayload = ratchet.find((r) => r.name === TESTS[2])!;
    expect(midPayload.onset?.run?.buildId).toBe(second.buildId);
    expect(midPayload.onset?.payloadTag).toBe(payloadTagAt(MID));
    expect(payloadTagAt(MID)).toBe(payloadTagAt(MID - 2 * HOUR));
    expect(midPayload.onset?.lastGoodPayloadTag).toBe(payloadTagAt(MID - PAYLOAD_HOURS * HOUR));

    // The job's pass rate fell with the first of them (its runs fail from then on): a job regression
    // with the same onset. The payloads list names the regressions that started on each payload.
    const job = snapshot.regressions!.jobs.find((r) => r.mode === 'ratchet' && r.status !== 'resolved')!;
    expect(job.onset?.run?.buildId).toBe(first.buildId);
    const started = (tag: string) => snapshot.payloads!.find((p) => p.tag === tag)?.regressionsStarted;
    expect(started(payloadTagAt(ONSET))).toEqual([withPayload.id, job.id].sort());
    expect(started(payloadTagAt(MID))).toEqual([midPayload.id]);
  });

  it('keeps the onset found when the regression opened while it stays open', async () => {
    const opened = await analyze(analysisInput(runs, { asOf: new Date(AS_OF_MS - 8 * HOUR) }));
    const at = (s: typeof opened) => s.regressions!.tests.find((r) => r.mode === 'ratchet' && r.name === TESTS[1])!;
    expect(at(opened).status).toBe('new');
    const later = await analyze(analysisInput(runs, { previous: opened }));
    expect(at(later).status).toBe('open');
    expect(at(later).onset).toEqual(at(opened).onset);
  });
});
