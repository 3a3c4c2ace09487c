/**
 * Pass rates per variant group: every run counted under its own variant key, across jobs, so that
 * e.g. all "aws ovn amd64 ha ipi 4.22" runs show as one line however many jobs produce them.
 */
import type { RunRecord, Variants } from '../ingest/run-record.ts';
import type { VariantGroup } from '../snapshot/schema.ts';
import { finishCounts, jobStatus, type JobThresholds } from './job-summary.ts';
import type { WindowName } from './windows.ts';

type Counts = { runs: number; success: number; failure: number; aborted: number; error: number; pending: number };

interface GroupAcc {
  key: string;
  variants: Variants;
  newest: number;
  jobs: Set<string>;
  current: Counts;
  previous: Counts;
}

const empty = (): Counts => ({ runs: 0, success: 0, failure: 0, aborted: 0, error: 0, pending: 0 });

export class VariantGroupAccumulator {
  readonly #groups = new Map<string, GroupAcc>();

  add(run: RunRecord, key: string, window: WindowName, time: number): void {
    let g = this.#groups.get(key);
    if (!g) this.#groups.set(key, (g = { key, variants: run.variants, newest: time, jobs: new Set(), current: empty(), previous: empty() }));
    if (time > g.newest) {
      g.newest = time;
      g.variants = run.variants;
    }
    g.jobs.add(run.job);
    const c = g[window];
    c.runs++;
    c[run.result]++;
  }

  summaries(thresholds: JobThresholds): VariantGroup[] {
    return [...this.#groups.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((g) => {
        const current = finishCounts(g.current);
        const previous = finishCounts(g.previous);
        const delta = current.passRate !== null && previous.passRate !== null ? Math.round((current.passRate - previous.passRate) * 10_000) / 100 : null;
        return {
          variantKey: g.key,
          variants: g.variants,
          jobs: [...g.jobs].sort(),
          status: jobStatus(current, thresholds),
          current,
          previous,
          delta,
          trend: delta === null ? 'unknown' : Math.abs(delta) <= thresholds.flatDelta ? 'flat' : delta > 0 ? 'up' : 'down',
        };
      });
  }
}
