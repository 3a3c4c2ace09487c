/**
 * The payloads list (src/analysis/payloads.ts): the current window's payload tags, newest first, each
 * with the runs that tested it grouped by job (blocking jobs first, then informing, then the others),
 * how many blocking jobs failed it outright, and the regressions whose onset it is. Through the
 * pipeline, the blocking jobs may come from a file of names (payloads.blockingFile), matched exactly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePayloads, type PayloadLists } from '../src/analysis/payloads.ts';
import type { PayloadRun } from '../src/analysis/test-summary.ts';
import { analyzeStage, fetchStage } from '../src/pipeline.ts';
import type { AggregatedSet } from '../src/snapshot/schema.ts';
import { AS_OF, AS_OF_S, HOUR, JOB, UPGRADE_JOB } from './support/constants.ts';
import { runPlan } from './support/plans.ts';
import { tempDir, type TreeRun, writeTree } from './support/prow-tree.ts';

const BLOCKING = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-serial';
const INFORMING = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-gcp-ovn';
const OTHER = 'periodic-ci-openshift-release-main-ci-4.22-e2e-azure-ovn';
const OLD_TAG = '4.22.0-0.nightly-2026-11-27-000000';
const NEW_TAG = '4.22.0-0.nightly-2026-11-27-180000';

let build = 0;
function payloadRun(job: string, payloadTag: string, hoursBeforeAsOf: number | null, result: PayloadRun['result']): PayloadRun {
  build++;
  return {
    job,
    payloadTag,
    variantKey: '',
    buildId: String(1_900_000_000_000_000_000n + BigInt(build)),
    url: `https://prow.example/${build}`,
    result,
    started: hoursBeforeAsOf === null ? null : new Date(AS_OF.getTime() - hoursBeforeAsOf * HOUR).toISOString(),
    tests: new Int32Array(0),
    statuses: new Uint8Array(0),
  };
}

const lists: PayloadLists = { blocking: [/-serial$/], informing: [/e2e-gcp/] };

describe('analyzePayloads', () => {
  const runs = [
    payloadRun(OTHER, OLD_TAG, 30, 'success'),
    payloadRun(BLOCKING, OLD_TAG, 29, 'success'),
    payloadRun(BLOCKING, OLD_TAG, 28, 'failure'),
    payloadRun(INFORMING, OLD_TAG, 27, 'error'),
    payloadRun(OTHER, NEW_TAG, 11, 'failure'),
    payloadRun(BLOCKING, NEW_TAG, 10, 'failure'),
    payloadRun(BLOCKING, NEW_TAG, 12, 'error'),
    payloadRun(BLOCKING, NEW_TAG, 9, 'aborted'),
    payloadRun(INFORMING, NEW_TAG, 8, 'success'),
    payloadRun(INFORMING, NEW_TAG, null, 'success'),
  ];
  const aggregated = [
    { job: BLOCKING, payloadTag: NEW_TAG, variantKey: '', runs: runs.slice(5, 8), testsChecked: 3, failedAggregator: 2, failedFisher: 1, tests: [] },
  ] as unknown as AggregatedSet[];
  const regressions = [
    { id: 'r-new', mode: 'ratchet' as const, status: 'new' as const, onset: { run: null, payloadTag: NEW_TAG, lastGoodPayloadTag: OLD_TAG } },
    { id: 'a-open', mode: 'ratchet' as const, status: 'open' as const, onset: { run: null, payloadTag: NEW_TAG, lastGoodPayloadTag: OLD_TAG } },
    { id: 'r-resolved', mode: 'ratchet' as const, status: 'resolved' as const, onset: { run: null, payloadTag: NEW_TAG, lastGoodPayloadTag: OLD_TAG } },
    { id: 'c-new', mode: 'compatible' as const, status: 'new' as const, onset: { run: null, payloadTag: NEW_TAG, lastGoodPayloadTag: OLD_TAG } },
    { id: 'r-old', mode: 'ratchet' as const, status: 'open' as const, onset: { run: null, payloadTag: OLD_TAG, lastGoodPayloadTag: null } },
    { id: 'r-none', mode: 'ratchet' as const, status: 'new' as const, onset: null },
  ];
  const payloads = analyzePayloads(runs, aggregated, regressions, lists);

  it('lists each payload once, newest first, from its first to its latest run', () => {
    expect(payloads.map((p) => p.tag)).toEqual([NEW_TAG, OLD_TAG]);
    const iso = (h: number) => new Date(AS_OF.getTime() - h * HOUR).toISOString();
    expect(payloads[0]).toMatchObject({ firstRun: iso(12), lastRun: iso(8) });
    expect(payloads[1]).toMatchObject({ firstRun: iso(30), lastRun: iso(27) });
  });

  it('groups its runs by job: blocking, then informing, then the others, each run oldest first', () => {
    const newest = payloads[0]!;
    expect(newest.jobs.map((j) => [j.job, j.kind])).toEqual([
      [BLOCKING, 'blocking'],
      [INFORMING, 'informing'],
      [OTHER, 'other'],
    ]);
    const blocking = newest.jobs[0]!;
    expect(blocking.runs.map((r) => r.result)).toEqual(['error', 'failure', 'aborted']);
    // Failed counts failure and error; an aborted run is neither.
    expect(blocking).toMatchObject({ succeeded: 0, failed: 2 });
    // A run without a start time sorts first, as the empty string does.
    expect(newest.jobs[1]!.runs.map((r) => r.started)).toEqual([null, new Date(AS_OF.getTime() - 8 * HOUR).toISOString()]);
  });

  it('counts the blocking jobs that failed the payload outright', () => {
    // Newest: the blocking job had no success and two failures. Oldest: one success saves it.
    expect(payloads[0]!.blockingFailed).toBe(1);
    expect(payloads[1]!.blockingFailed).toBe(0);
    expect(payloads[1]!.jobs[0]).toMatchObject({ job: BLOCKING, succeeded: 1, failed: 1 });
  });

  it('shows the aggregated set of a job on the payload, where there is one', () => {
    expect(payloads[0]!.jobs[0]!.aggregated).toEqual({ runs: 3, failedAggregator: 2, failedFisher: 1 });
    expect(payloads[0]!.jobs[1]!.aggregated).toBeNull();
    expect(payloads[1]!.jobs[0]!.aggregated).toBeNull();
  });

  it('names the ratchet-mode regressions, new or open, whose onset it is', () => {
    expect(payloads[0]!.regressionsStarted).toEqual(['a-open', 'r-new']);
    expect(payloads[1]!.regressionsStarted).toEqual(['r-old']);
  });

  it('orders payloads whose latest runs started together by tag, newest tag first', () => {
    const same = analyzePayloads([payloadRun(OTHER, OLD_TAG, 5, 'success'), payloadRun(OTHER, NEW_TAG, 5, 'success')], [], [], lists);
    expect(same.map((p) => p.tag)).toEqual([NEW_TAG, OLD_TAG]);
    expect(analyzePayloads([], [], [], lists)).toEqual([]);
  });
});

describe('payloads through the pipeline', () => {
  let root: string;
  let out: string;
  let configDir: string;

  beforeAll(() => {
    root = tempDir('ratchet-payloads-tree-');
    out = tempDir('ratchet-payloads-out-');
    configDir = tempDir('ratchet-payloads-config-');
    mkdirSync(path.join(configDir, 'lists'));
    // sippy's format: one name a line; comments and blank lines are skipped; names match exactly.
    writeFileSync(path.join(configDir, 'lists', 'blocking.txt'), `# blocking jobs\n\n${JOB}\n  ${BLOCKING}  \n`);
    const runs: TreeRun[] = [];
    [JOB, UPGRADE_JOB, BLOCKING, INFORMING].forEach((job, j) => {
      for (let i = 0; i < 4; i++) {
        runs.push({
          job,
          buildId: String(1_900_000_000_000_000_000n + BigInt(j * 10 + i)),
          start: AS_OF_S - (i + 1) * 5 * 3600,
          payloadTag: i < 2 ? NEW_TAG : OLD_TAG,
          // JOB fails the newest payload in both its runs; the others pass.
          tests: [{ name: '[sig-x] a test', status: job === JOB && i < 2 ? 'fail' : 'pass' }],
        });
      }
    });
    writeTree(root, runs);
  });

  it('reads the blocking jobs from a file of names, relative to the config, beside the regexes', async () => {
    const plan = runPlan({
      out,
      asOf: AS_OF,
      flags: { source: root },
      baseDir: configDir,
      config: { payloads: { blockingFile: 'lists/blocking.txt', informing: ['e2e-gcp'] } },
    });
    await fetchStage(plan);
    const { snapshot } = await analyzeStage(plan);
    const newest = snapshot.payloads![0]!;
    expect(newest.tag).toBe(NEW_TAG);
    expect(newest.jobs.map((j) => [j.job, j.kind])).toEqual([
      [JOB, 'blocking'],
      [BLOCKING, 'blocking'],
      [INFORMING, 'informing'],
      // A name in the file is the whole name: the job whose name extends it is not blocking.
      [UPGRADE_JOB, 'other'],
    ]);
    expect(newest.blockingFailed).toBe(1);
    expect(snapshot.payloads![1]!.blockingFailed).toBe(0);
  });

  it('stops with a message naming the setting when the file cannot be read', async () => {
    const plan = runPlan({ out, asOf: AS_OF, flags: { source: root }, baseDir: configDir, config: { payloads: { blockingFile: 'lists/missing.txt' } } });
    await expect(analyzeStage(plan)).rejects.toThrow(/payloads\.blockingFile .*missing\.txt could not be read: .*one a line/);
  });
});
