/**
 * The pipeline on the bundled sample: every planted scenario from the generator's manifest is found
 * by reading the files (the generator plans outcomes; the pipeline has to recover them from bytes),
 * and at default settings ratchet mode flags the planted regressions and nothing the generator
 * planted as stable.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSample, PLANTED, type SampleManifest } from '../src/sample/generate.ts';
import { createLocalSource } from '../src/source/local-source.ts';
import { analyzeStage, fetchStage } from '../src/pipeline.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import type { FetchReport } from '../src/ingest/run-cache.ts';
import { tempDir } from './support/prow-tree.ts';
import { runPlan } from './support/plans.ts';

describe('pipeline on the bundled sample', () => {
  let bucket: string;
  let out: string;
  let manifest: SampleManifest;
  let report: FetchReport;
  let snapshot: Snapshot;

  beforeAll(async () => {
    bucket = tempDir('ratchet-sample-');
    out = tempDir('ratchet-sample-out-');
    ({ manifest } = await generateSample(bucket));
    const plan = runPlan({ out, asOf: manifest.endTime });
    const source = createLocalSource(bucket, { bucket: manifest.bucket });
    report = await fetchStage(plan, { source });
    ({ snapshot } = await analyzeStage(plan, { source }));
  }, 120_000);

  it('reads every run of every job', () => {
    const planned = manifest.jobs.reduce((n, j) => n + j.runs, 0);
    expect(report.stats.runsFound).toBe(planned);
    expect(snapshot.coverage.runsRead).toBe(planned);
    expect(snapshot.jobs.map((j) => j.name).sort()).toEqual(manifest.jobs.map((j) => j.name).sort());
    for (const job of manifest.jobs) {
      const summary = snapshot.jobs.find((j) => j.name === job.name)!;
      expect(summary.current.runs + summary.previous.runs, job.name).toBe(job.runs);
      expect(summary.kind).toBe(job.kind);
    }
  });

  it('recovers the planned run results, including aborted, error and pending runs', () => {
    const total = { success: 0, failure: 0, aborted: 0, error: 0, pending: 0 };
    for (const j of snapshot.jobs) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += j.current[k] + j.previous[k];
    expect(total).toEqual(manifest.results);
    expect(snapshot.coverage.runsPending).toBe(manifest.results.pending);
    const pendingJob = snapshot.jobs.find((j) => j.name === manifest.pendingRun.job)!;
    expect(pendingJob.recentRuns.find((r) => r.buildId === manifest.pendingRun.buildId)?.result).toBe('pending');
    const aborted = snapshot.jobs.find((j) => j.name === manifest.abortedRun.job)!;
    expect(aborted.recentRuns.find((r) => r.buildId === manifest.abortedRun.buildId)?.result).toBe('aborted');
    const died = snapshot.jobs.find((j) => j.name === manifest.runWithoutFinished.job)!;
    expect(died.recentRuns.find((r) => r.buildId === manifest.runWithoutFinished.buildId)?.result).toBe(manifest.runWithoutFinished.state);
  });

  it('sees the planted test regression in every affected job, with links to the failed runs', () => {
    const test = snapshot.tests.find((t) => t.name === manifest.testRegression.test)!;
    expect(test).toBeDefined();
    for (const job of manifest.testRegression.jobs) {
      const row = test.byJob.find((b) => b.key === job.job)!;
      expect(row.current.failures, job.job).toBeGreaterThanOrEqual(job.after.failures);
      expect(row.current.failures + row.previous.failures).toBe(job.before.failures + job.after.failures);
      expect(row.delta!).toBeLessThan(-10);
      const linked = new Set(test.failedRuns.map((r) => r.buildId));
      for (const id of job.failedBuildIds) expect(linked.has(id), id).toBe(true);
    }
  });

  it('lists the damaged objects in data quality and keeps going', () => {
    const problems = snapshot.dataQuality.problems;
    expect(problems.find((p) => p.object === manifest.truncatedJunit.object)?.kind).toBe('partial');
    expect(problems.find((p) => p.object === manifest.malformedJson.object)?.kind).toBe('parse');
    expect(problems.find((p) => p.object === manifest.oddArtifact.object)?.kind).toBe('parse');
    // The truncated file's run still counts, with the cases before the cut.
    const job = snapshot.jobs.find((j) => j.name === manifest.truncatedJunit.job)!;
    expect(job.recentRuns.some((r) => r.buildId === manifest.truncatedJunit.buildId) || job.previous.runs > 0).toBe(true);
    expect(snapshot.dataQuality.problemCount).toBe(problems.length);
  });

  describe('regressions at default settings, ratchet mode', () => {
    const open = <T extends { mode: string; status: string }>(list: readonly T[]): T[] => list.filter((r) => r.mode === 'ratchet' && r.status !== 'resolved');
    const testJobs: readonly string[] = PLANTED.testRegression.jobs;
    const disruptionJob: string = PLANTED.disruptionRegression.job;
    /** Jobs whose runs the planted scenarios fail: their step-graph tests fail along (a failed test fails the test step). */
    const affected = new Set([...testJobs, disruptionJob]);

    it('flags the planted test regression on each of its jobs or their variant group', () => {
      const rows = open(snapshot.regressions!.tests).filter((r) => r.name === PLANTED.testRegression.test);
      for (const job of testJobs)
        expect(
          rows.some((r) => r.jobs.includes(job)),
          job,
        ).toBe(true);
      for (const r of rows) {
        expect(r.jobs.some((j) => testJobs.includes(j))).toBe(true);
        // Three days old: the 3-day scan window carries it best, against the basis before the week.
        expect(r.window).toBe('3d');
        expect(r.q).toBeLessThanOrEqual(0.05);
        // Its onset is the first failing run of the planted days, and the basis it was found against is frozen.
        expect(Date.parse(r.onset!.run!.started!)).toBeGreaterThanOrEqual(
          Date.parse(manifest.endTime) - PLANTED.testRegression.sinceDaysBeforeEnd * 86_400_000,
        );
        expect(r.line!.frozenAt).toBe(snapshot.asOf);
      }
      // On the jobs themselves too, not only in the variant group they share with others.
      expect(
        rows
          .filter((r) => r.groupBy === 'job')
          .map((r) => r.group)
          .sort(),
      ).toEqual([...testJobs].sort());
    });

    it('flags the planted disruption on the upgrade job, and the availability test that fails with it', () => {
      const key = snapshot.jobs.find((j) => j.name === disruptionJob)!.variantKey;
      const disruption = open(snapshot.regressions!.disruption);
      expect(disruption.some((r) => r.backend === PLANTED.disruptionRegression.backend && r.variantKey === key)).toBe(true);
      expect(disruption.every((r) => r.variantKey === key)).toBe(true);
      const related = open(snapshot.regressions!.tests).filter((r) => r.name === PLANTED.disruptionRegression.relatedTest);
      expect(related.some((r) => r.jobs.includes(disruptionJob))).toBe(true);
    });

    it('flags the jobs the planted failures break, and no other job', () => {
      const jobs = open(snapshot.regressions!.jobs).map((r) => r.job);
      // Every run of the upgrade job fails since the disruption began; most of the fips job's runs
      // fail with the planted test. (The ci aws-ovn job lost a quarter of its runs to install
      // failures and bad clusters before, so its job pass rate barely moves; its test regression
      // is flagged above.)
      expect(jobs).toContain(disruptionJob);
      expect(jobs).toContain(testJobs[0]);
      for (const job of jobs) expect(affected.has(job), job).toBe(true);
    });

    it('flags no test the generator planted as stable', () => {
      const unexpected = open(snapshot.regressions!.tests).filter((r) => {
        const touches = (jobs: Iterable<string>) => r.jobs.some((j) => [...jobs].includes(j));
        if (r.name === PLANTED.testRegression.test) return !touches(testJobs);
        if (r.name === PLANTED.disruptionRegression.relatedTest) return !touches([disruptionJob]);
        // The step graph's test step fails whenever a test in it fails: a consequence, on the affected jobs only.
        if (r.name.startsWith('Run multi-stage test ')) return !touches(affected);
        return true;
      });
      expect(unexpected.map((r) => `${r.name} @ ${r.group}`)).toEqual([]);
    });
  });
});
