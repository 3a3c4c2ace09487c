/**
 * Per-test counts per window, by job, by variant and by day, with failure messages grouped by their
 * normalised text. Every test is counted; the snapshot lists those that failed or flaked.
 */
import { createHash } from 'node:crypto';
import type { RunRecord, TestResult } from '../ingest/run-record.ts';
import type { FailureGroup, TestBreakdown, TestCounts, TestDay, TestSummary } from '../snapshot/schema.ts';
import { variantKey } from '../ingest/variants.ts';
import { wilsonInterval } from './stats/index.ts';
import { normalizeFailureText } from './failure-text.ts';
import { daysBetween, runTime, utcDay, windowOf, type WindowName, type Windows } from './windows.ts';
import { prowRunUrl } from '../util/prow-links.ts';

export interface RawCounts {
  passes: number;
  failures: number;
  flakes: number;
}

const zero = (): RawCounts => ({ passes: 0, failures: 0, flakes: 0 });
const MAX_GROUP_RUNS = 20;
const MAX_GROUPS = 20;
const MAX_FAILED_RUNS = 50;
const MAX_EXAMPLE = 4000;

interface Pair {
  current: RawCounts;
  previous: RawCounts;
}

interface FailedRun {
  job: string;
  buildId: string;
  url: string;
  status: 'fail' | 'flake';
  time: number;
}

interface TestAcc {
  suite: string;
  name: string;
  totals: Pair;
  byJob: Map<string, Pair>;
  byVariant: Map<string, Pair>;
  days: Map<string, RawCounts>;
  groups: Map<string, { example: string; count: number; runs: FailedRun[] }>;
  failedRuns: FailedRun[];
}

export function testId(suite: string, name: string): string {
  return createHash('sha256').update(`${suite}\u0000${name}`).digest('hex').slice(0, 16);
}

function bump(counts: RawCounts, status: TestResult['status']): void {
  if (status === 'pass') counts.passes++;
  else if (status === 'fail') counts.failures++;
  else if (status === 'flake') counts.flakes++;
}

export class TestAccumulator {
  readonly #tests = new Map<string, TestAcc>();
  readonly #windows: Windows;
  readonly #bucket: string;

  constructor(windows: Windows, bucket: string) {
    this.#windows = windows;
    this.#bucket = bucket;
  }

  add(run: RunRecord): void {
    const time = runTime(run);
    if (time === undefined) return;
    const window = windowOf(time, this.#windows);
    if (!window) return;
    const vkey = variantKey(run.variants);
    const day = utcDay(time);
    let url: string | undefined;
    for (const test of run.tests) {
      if (test.status === 'skip') continue;
      const key = `${test.suite}\u0000${test.name}`;
      let acc = this.#tests.get(key);
      if (!acc) {
        acc = { suite: test.suite, name: test.name, totals: pair(), byJob: new Map(), byVariant: new Map(), days: new Map(), groups: new Map(), failedRuns: [] };
        this.#tests.set(key, acc);
      }
      bump(acc.totals[window], test.status);
      bump(getPair(acc.byJob, run.job)[window], test.status);
      bump(getPair(acc.byVariant, vkey)[window], test.status);
      let d = acc.days.get(day);
      if (!d) acc.days.set(day, (d = zero()));
      bump(d, test.status);
      if (test.status === 'fail' || test.status === 'flake') {
        url ??= prowRunUrl(this.#bucket, run.path);
        const failed: FailedRun = { job: run.job, buildId: run.buildId, url, status: test.status, time };
        acc.failedRuns.push(failed);
        if (test.message) this.#group(acc, test.message, failed);
      }
    }
  }

  #group(acc: TestAcc, message: string, run: FailedRun): void {
    const text = normalizeFailureText(message);
    let group = acc.groups.get(text);
    if (!group) {
      group = { example: message.slice(0, MAX_EXAMPLE), count: 0, runs: [] };
      acc.groups.set(text, group);
    }
    group.count++;
    group.runs.push(run);
    if (group.runs.length > MAX_GROUP_RUNS * 2) group.runs = newestFirst(group.runs).slice(0, MAX_GROUP_RUNS);
  }

  /** Distinct tests with at least one run in the window. */
  testCount(window: WindowName): number {
    let n = 0;
    for (const acc of this.#tests.values()) if (runsOf(acc.totals[window]) > 0) n++;
    return n;
  }

  summaries(options: { minRuns: number }): TestSummary[] {
    const days = daysBetween(this.#windows.previous.start, this.#windows.current.end);
    const out: TestSummary[] = [];
    for (const acc of this.#tests.values()) {
      const { current, previous } = acc.totals;
      const troubled = current.failures + current.flakes + previous.failures + previous.flakes > 0;
      if (!troubled || runsOf(current) + runsOf(previous) < options.minRuns) continue;
      out.push({
        id: testId(acc.suite, acc.name),
        suite: acc.suite,
        name: acc.name,
        current: finishTestCounts(current),
        previous: finishTestCounts(previous),
        delta: delta(current, previous),
        byJob: breakdown(acc.byJob),
        byVariant: breakdown(acc.byVariant),
        byDay: days.map((date): TestDay => ({ date, runs: runsOf(acc.days.get(date) ?? zero()), ...(acc.days.get(date) ?? zero()) })),
        failureGroups: [...acc.groups.entries()]
          .map(([text, g]): FailureGroup => ({ text, example: g.example, count: g.count, runs: newestFirst(g.runs).slice(0, MAX_GROUP_RUNS).map(ref) }))
          .sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : 1))
          .slice(0, MAX_GROUPS),
        failedRuns: newestFirst(acc.failedRuns).slice(0, MAX_FAILED_RUNS).map((r) => ({ ...ref(r), status: r.status })),
      });
    }
    return out.sort((a, b) => b.current.failures - a.current.failures || b.current.flakes - a.current.flakes || (a.name < b.name ? -1 : 1));
  }
}

function pair(): Pair {
  return { current: zero(), previous: zero() };
}

function getPair(map: Map<string, Pair>, key: string): Pair {
  let p = map.get(key);
  if (!p) map.set(key, (p = pair()));
  return p;
}

export function runsOf(c: RawCounts): number {
  return c.passes + c.failures + c.flakes;
}

export function finishTestCounts(c: RawCounts): TestCounts {
  const runs = runsOf(c);
  return {
    runs,
    ...c,
    passRate: runs ? c.passes / runs : null,
    workingRate: runs ? (c.passes + c.flakes) / runs : null,
    flakeRate: runs ? c.flakes / runs : null,
    interval: runs ? wilsonInterval(c.passes + c.flakes, runs) : null,
  };
}

function delta(current: RawCounts, previous: RawCounts): number | null {
  const a = runsOf(current);
  const b = runsOf(previous);
  if (!a || !b) return null;
  return Math.round(((current.passes + current.flakes) / a - (previous.passes + previous.flakes) / b) * 10_000) / 100;
}

function breakdown(map: Map<string, Pair>): TestBreakdown[] {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, p]) => ({ key, current: finishTestCounts(p.current), previous: finishTestCounts(p.previous), delta: delta(p.current, p.previous) }));
}

function newestFirst(runs: FailedRun[]): FailedRun[] {
  return [...runs].sort((a, b) => b.time - a.time || (a.buildId < b.buildId ? 1 : -1));
}

function ref(r: FailedRun): { job: string; buildId: string; url: string } {
  return { job: r.job, buildId: r.buildId, url: r.url };
}
