/**
 * The pipeline on the bundled sample: every planted scenario from the generator's manifest is found
 * by reading the files (the generator plans outcomes; the pipeline has to recover them from bytes).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample, type SampleManifest } from '../src/sample/generate.ts';
import { configSchema } from '../src/config/config-schema.ts';
import { createLocalSource } from '../src/source/local-source.ts';
import { outputPaths } from '../src/cli/paths.ts';
import { analyzeStage, fetchStage, type StageSettings } from '../src/pipeline.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import type { FetchReport } from '../src/ingest/run-cache.ts';
import { tempDir } from './support/prow-tree.ts';

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
    const settings: StageSettings = {
      config: configSchema.parse({}),
      source: createLocalSource(bucket, { bucket: manifest.bucket }),
      paths: outputPaths(out, undefined),
      asOf: new Date(manifest.endTime),
    };
    report = await fetchStage(settings);
    ({ snapshot } = await analyzeStage(settings));
  }, 120_000);
  afterAll(() => {
    rmSync(bucket, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

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
});
