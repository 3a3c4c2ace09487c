/**
 * Payloads: every payload tag (release.openshift.io/tag) of the current window, newest first, with the
 * runs that tested it grouped by job (blocking and informing jobs first, as the release controller
 * lists them), the aggregated verdicts of its sets, and the regressions whose onset is that payload: a
 * release team reads a bad payload here, and the change to revert lies between it and the payload before.
 */
import type { AggregatedSet, DisruptionRegression, JobRegression, Payload, TestRegression } from '../snapshot/schema.ts';
import type { PayloadRun } from './test-summary.ts';

export interface PayloadLists {
  blocking: readonly RegExp[];
  informing: readonly RegExp[];
}

type Kind = Payload['jobs'][number]['kind'];

const KIND_ORDER: Record<Kind, number> = { blocking: 0, informing: 1, other: 2 };

function kindOf(job: string, lists: PayloadLists): Kind {
  if (lists.blocking.some((re) => re.test(job))) return 'blocking';
  if (lists.informing.some((re) => re.test(job))) return 'informing';
  return 'other';
}

export function analyzePayloads(
  runs: readonly PayloadRun[],
  aggregated: readonly AggregatedSet[],
  regressions: ReadonlyArray<Pick<TestRegression | JobRegression | DisruptionRegression, 'id' | 'mode' | 'status' | 'onset'>>,
  lists: PayloadLists,
): Payload[] {
  const byTag = new Map<string, PayloadRun[]>();
  for (const run of runs) {
    let list = byTag.get(run.payloadTag);
    if (!list) byTag.set(run.payloadTag, (list = []));
    list.push(run);
  }
  const out: Payload[] = [];
  for (const [tag, tagRuns] of byTag) {
    const byJob = new Map<string, PayloadRun[]>();
    for (const run of tagRuns) {
      let list = byJob.get(run.job);
      if (!list) byJob.set(run.job, (list = []));
      list.push(run);
    }
    const jobs = [...byJob.entries()].map(([job, jobRuns]) => {
      const set = aggregated.find((s) => s.job === job && s.payloadTag === tag);
      const ordered = [...jobRuns].sort((a, b) => cmp(a.started ?? '', b.started ?? '') || cmp(a.buildId, b.buildId));
      return {
        job,
        kind: kindOf(job, lists),
        runs: ordered.map((r) => ({ buildId: r.buildId, url: r.url, result: r.result, started: r.started })),
        succeeded: ordered.filter((r) => r.result === 'success').length,
        failed: ordered.filter((r) => r.result === 'failure' || r.result === 'error').length,
        aggregated: set ? { runs: set.runs.length, failedAggregator: set.failedAggregator, failedFisher: set.failedFisher } : null,
      };
    });
    jobs.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmp(a.job, b.job));
    const starts = tagRuns
      .map((r) => r.started ?? '')
      .filter((s) => s !== '')
      .sort();
    const onset = regressions.filter((r) => r.mode === 'ratchet' && r.status !== 'resolved' && r.onset?.payloadTag === tag).map((r) => r.id);
    out.push({
      tag,
      firstRun: starts[0] ?? null,
      lastRun: starts.at(-1) ?? null,
      jobs,
      blockingFailed: jobs.filter((j) => j.kind === 'blocking' && j.failed > 0 && j.succeeded === 0).length,
      regressionsStarted: onset.sort(),
    });
  }
  // Newest first: by the latest run, then tag (nightly tags sort by their timestamp).
  return out.sort((a, b) => cmp(b.lastRun ?? '', a.lastRun ?? '') || cmp(b.tag, a.tag));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
