/** Per-job pass rates per window, by day, recent runs and a status that is never "passing" without data. */
import type { RunRecord } from '../ingest/run-record.ts';
import type { JobCounts, JobDay, JobSummary, RunRef } from '../snapshot/schema.ts';
import { variantKey } from '../ingest/variants.ts';
import { wilsonInterval } from './stats/index.ts';
import { daysBetween, runTime, utcDay, windowOf, type Windows } from './windows.ts';
import { prowRunUrl } from '../util/prow-links.ts';

export interface JobThresholds {
  passing: number;
  failing: number;
  flatDelta: number;
}

const RECENT_RUNS = 50;

interface JobAcc {
  name: string;
  latest: RunRecord;
  current: MutableCounts;
  previous: MutableCounts;
  days: Map<string, { runs: number; success: number; failure: number }>;
  runs: RunRef[];
}

type MutableCounts = Omit<JobCounts, 'passRate' | 'interval'>;

const emptyCounts = (): MutableCounts => ({ runs: 0, success: 0, failure: 0, aborted: 0, error: 0, pending: 0 });

export class JobAccumulator {
  readonly #jobs = new Map<string, JobAcc>();
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
    let acc = this.#jobs.get(run.job);
    if (!acc) {
      acc = { name: run.job, latest: run, current: emptyCounts(), previous: emptyCounts(), days: new Map(), runs: [] };
      this.#jobs.set(run.job, acc);
    }
    if ((runTime(acc.latest) ?? 0) < time) acc.latest = run;
    const counts = acc[window];
    counts.runs++;
    counts[run.result]++;
    const day = utcDay(time);
    const d = acc.days.get(day) ?? { runs: 0, success: 0, failure: 0 };
    d.runs++;
    if (run.result === 'success') d.success++;
    if (run.result === 'failure' || run.result === 'error') d.failure++;
    acc.days.set(day, d);
    const ref: RunRef = {
      job: run.job,
      buildId: run.buildId,
      result: run.result,
      started: run.started,
      finished: run.finished,
      url: prowRunUrl(this.#bucket, run.path),
      complete: run.complete,
      failedTests: run.tests.filter((t) => t.status === 'fail').length,
      flakedTests: run.tests.filter((t) => t.status === 'flake').length,
    };
    if (run.payloadTag) ref.payloadTag = run.payloadTag;
    acc.runs.push(ref);
  }

  summaries(thresholds: JobThresholds): JobSummary[] {
    const days = daysBetween(this.#windows.previous.start, this.#windows.current.end);
    return [...this.#jobs.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((acc) => {
        const current = finishCounts(acc.current);
        const previous = finishCounts(acc.previous);
        const delta = current.passRate !== null && previous.passRate !== null ? round((current.passRate - previous.passRate) * 100, 2) : null;
        const byDay: JobDay[] = days.map((date) => {
          const d = acc.days.get(date) ?? { runs: 0, success: 0, failure: 0 };
          const decided = d.success + d.failure;
          return { date, runs: d.runs, success: d.success, failure: d.failure, passRate: decided ? d.success / decided : null };
        });
        const recentRuns = acc.runs
          .sort((a, b) => a.buildId.length - b.buildId.length || (a.buildId < b.buildId ? -1 : a.buildId > b.buildId ? 1 : 0))
          .reverse()
          .slice(0, RECENT_RUNS);
        return {
          name: acc.name,
          kind: acc.latest.kind,
          variants: acc.latest.variants,
          variantKey: variantKey(acc.latest.variants),
          status: jobStatus(current, thresholds),
          current,
          previous,
          delta,
          trend: delta === null ? 'unknown' : Math.abs(delta) <= thresholds.flatDelta ? 'flat' : delta > 0 ? 'up' : 'down',
          byDay,
          recentRuns,
        } satisfies JobSummary;
      });
  }
}

export function finishCounts(c: MutableCounts): JobCounts {
  const decided = c.success + c.failure + c.error;
  return { ...c, passRate: decided ? c.success / decided : null, interval: decided ? wilsonInterval(c.success, decided) : null };
}

export function jobStatus(current: JobCounts, thresholds: JobThresholds): JobSummary['status'] {
  if (current.passRate === null) return 'stale';
  if (current.passRate < thresholds.failing) return 'failing';
  if (current.passRate < thresholds.passing) return 'degraded';
  return 'passing';
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
