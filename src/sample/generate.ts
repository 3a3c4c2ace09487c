/**
 * The sample data set: a Prow bucket tree (logs/, pr-logs/) generated deterministically from a
 * seed, with planted scenarios for the pipeline to find. See data/sample/README.md.
 *
 *   const { runs, files, bytes, manifest } = await generateSample('data/sample/bucket');
 *
 * The same seed and end time give the same files byte for byte (and the same mtimes): nothing here
 * reads the clock, Math.random, the locale or directory order.
 */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { JOBS } from './jobs.ts';
import type { UpgradeKind } from './jobs.ts';
import { BUCKET, DEFAULT_END_TIME, DEFAULT_SEED, PLANTED, planSample } from './plan.ts';
import type { RunPlan, SamplePlan } from './plan.ts';
import { renderRun } from './render.ts';
import type { RenderedFile, RenderedResult, RenderedRun } from './render.ts';
import { DAY, isoSeconds } from './format.ts';

export { DEFAULT_END_TIME, DEFAULT_SEED, PLANTED };
export { buildIdTime } from './format.ts';

export interface SampleOptions {
  /** PRNG seed (default 20261128). */
  seed?: number;
  /** End of the sample period, ISO 8601 (default 2026-11-28T06:00:00Z); runs cover the 14 days before. */
  endTime?: string;
}

interface RunRef {
  job: string;
  buildId: string;
  /** Bucket prefix of the run, ending with '/'. */
  path: string;
}

export interface SampleManifest {
  seed: number;
  /** Start of the sample period (end time minus 14 days). */
  startTime: string;
  endTime: string;
  bucket: string;
  jobs: Array<{ name: string; kind: 'periodic' | 'presubmit'; upgrade: UpgradeKind; runs: number }>;
  results: Record<RenderedResult, number>;
  testRegression: {
    test: string;
    suite: string;
    since: string;
    jobs: Array<{
      job: string;
      before: { runs: number; failures: number };
      after: { runs: number; failures: number };
      /** Runs in the regressed period where the test failed. */
      failedBuildIds: string[];
    }>;
  };
  disruptionRegression: {
    job: string;
    backend: string;
    relatedTest: string;
    since: string;
    /** Per-run seconds summed as ingest must (each file rounded up to whole seconds). */
    before: { runs: number; maxSeconds: number };
    after: { runs: number; minSeconds: number; maxSeconds: number };
    buildIds: string[];
  };
  truncatedJunit: RunRef & { object: string };
  pendingRun: RunRef;
  runWithoutFinished: RunRef & { state: 'error' };
  abortedRun: RunRef;
  malformedJson: RunRef & { object: string };
  oddArtifact: RunRef & { object: string };
  installFailures: RunRef[];
  zeroDisruptionRuns: RunRef[];
  crierFinished: RunRef[];
}

export interface SampleResult {
  runs: number;
  files: number;
  bytes: number;
  manifest: SampleManifest;
}

function ref(run: RunPlan): RunRef {
  return { job: run.job.name, buildId: run.buildId, path: run.path };
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0] as T;
}

/** Bucket objects that belong to jobs rather than runs: latest-build.txt and the presubmit directory. */
function jobIndexFiles(runs: readonly RunPlan[]): RenderedFile[] {
  const files: RenderedFile[] = [];
  const newest = new Map<string, RunPlan>();
  const bump = (key: string, run: RunPlan) => {
    const seen = newest.get(key);
    if (!seen || run.pendingMs > seen.pendingMs) newest.set(key, run);
  };
  for (const run of runs) {
    if (run.pull) {
      const directory = `pr-logs/directory/${run.job.name}/`;
      files.push({ path: `${directory}${run.buildId}.txt`, content: `gs://${BUCKET}/${run.path.slice(0, -1)}`, mtimeMs: run.podStartMs });
      bump(directory, run);
      bump(`pr-logs/pull/${run.pull.number}/${run.job.name}/`, run);
    } else {
      bump(`logs/${run.job.name}/`, run);
    }
  }
  for (const [prefix, run] of newest) {
    // gcsupload writes the bare id, no newline.
    files.push({ path: `${prefix}latest-build.txt`, content: run.buildId, mtimeMs: run.podStartMs });
  }
  return files;
}

function buildManifest(plan: SamplePlan, rendered: ReadonlyArray<{ run: RunPlan; out: RenderedRun }>): SampleManifest {
  const testSince = plan.endMs - PLANTED.testRegression.sinceDaysBeforeEnd * DAY;
  const disruptionSince = plan.endMs - PLANTED.disruptionRegression.sinceDaysBeforeEnd * DAY;
  const results: Record<RenderedResult, number> = { success: 0, failure: 0, aborted: 0, error: 0, pending: 0 };
  for (const { out } of rendered) results[out.result]++;

  const testJobs = PLANTED.testRegression.jobs.map((job) => {
    const ran = rendered.filter((x) => x.run.job.name === job && x.out.plantedTest !== undefined);
    const before = ran.filter((x) => x.run.podStartMs < testSince);
    const after = ran.filter((x) => x.run.podStartMs >= testSince);
    const failed = (list: typeof ran) => list.filter((x) => x.out.plantedTest === 'fail');
    return {
      job,
      before: { runs: before.length, failures: failed(before).length },
      after: { runs: after.length, failures: failed(after).length },
      failedBuildIds: failed(after).map((x) => x.run.buildId),
    };
  });

  const disrupted = rendered.filter((x) => x.out.plantedBackendSeconds !== undefined);
  const dBefore = disrupted.filter((x) => x.run.podStartMs < disruptionSince).map((x) => x.out.plantedBackendSeconds as number);
  const dAfterRuns = disrupted.filter((x) => x.run.podStartMs >= disruptionSince);
  const dAfter = dAfterRuns.map((x) => x.out.plantedBackendSeconds as number);

  const byFate = (fate: RunPlan['fate']) => plan.runs.filter((r) => r.fate === fate);
  const fileOf = (run: RunPlan, test: (f: RenderedFile) => boolean, what: string): string => {
    const out = rendered.find((x) => x.run === run)?.out;
    return only((out?.files ?? []).filter(test), what).path;
  };
  const truncated = only(byFate('truncated-junit'), 'truncated-junit run');
  const malformed = only(
    plan.runs.filter((r) => r.malformedDisruption),
    'malformed-json run',
  );
  const odd = only(
    plan.runs.filter((r) => r.oddArtifact),
    'odd-artifact run',
  );
  const isBrokenJson = (f: RenderedFile) => {
    if (!f.path.endsWith('.json')) return false;
    try {
      JSON.parse(f.content);
      return false;
    } catch {
      return true;
    }
  };

  return {
    seed: plan.seed,
    startTime: isoSeconds(plan.startMs),
    endTime: isoSeconds(plan.endMs),
    bucket: BUCKET,
    jobs: JOBS.map((j) => ({ name: j.name, kind: j.kind, upgrade: j.upgrade, runs: plan.runs.filter((r) => r.job === j).length })),
    results,
    testRegression: {
      test: PLANTED.testRegression.test,
      suite: PLANTED.testRegression.suite,
      since: isoSeconds(testSince),
      jobs: testJobs,
    },
    disruptionRegression: {
      job: PLANTED.disruptionRegression.job,
      backend: PLANTED.disruptionRegression.backend,
      relatedTest: PLANTED.disruptionRegression.relatedTest,
      since: isoSeconds(disruptionSince),
      before: { runs: dBefore.length, maxSeconds: Math.max(0, ...dBefore) },
      after: { runs: dAfter.length, minSeconds: Math.min(...dAfter), maxSeconds: Math.max(...dAfter) },
      buildIds: dAfterRuns.map((x) => x.run.buildId),
    },
    truncatedJunit: { ...ref(truncated), object: fileOf(truncated, (f) => f.path.includes('/junit_e2e__'), 'truncated junit') },
    pendingRun: ref(only(byFate('pending'), 'pending run')),
    runWithoutFinished: { ...ref(only(byFate('died'), 'run without finished.json')), state: 'error' },
    abortedRun: ref(only(byFate('aborted'), 'aborted run')),
    malformedJson: { ...ref(malformed), object: fileOf(malformed, isBrokenJson, 'malformed JSON file') },
    oddArtifact: { ...ref(odd), object: fileOf(odd, (f) => f.path.endsWith('/junit_gather.xml'), 'odd artifact') },
    installFailures: byFate('install-failure').map(ref),
    zeroDisruptionRuns: plan.runs.filter((r) => r.zeroDisruption).map(ref),
    crierFinished: plan.runs.filter((r) => r.crierFinished).map(ref),
  };
}

/** Everything the sample would contain, in memory, without touching the disk. */
export function renderSample(options: SampleOptions = {}): { files: RenderedFile[]; runs: number; manifest: SampleManifest } {
  const plan = planSample(options);
  const ctx = { seed: plan.seed, cat: plan.catalog };
  const rendered = plan.runs.map((run) => ({ run, out: renderRun(ctx, run) }));
  const files = [...rendered.flatMap((x) => x.out.files), ...jobIndexFiles(plan.runs)];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    if (files[i]?.path === files[i - 1]?.path) throw new Error(`duplicate object ${files[i]?.path}`);
  }
  return { files, runs: plan.runs.length, manifest: buildManifest(plan, rendered) };
}

/**
 * Write the sample bucket under `outDir` (`<outDir>/logs/...`, `<outDir>/pr-logs/...`). Existing
 * `logs/` and `pr-logs/` under `outDir` are removed first so no stale run survives; nothing else
 * in `outDir` is touched.
 */
export async function generateSample(outDir: string, options: SampleOptions = {}): Promise<SampleResult> {
  const { files, runs, manifest } = renderSample(options);
  rmSync(join(outDir, 'logs'), { recursive: true, force: true });
  rmSync(join(outDir, 'pr-logs'), { recursive: true, force: true });
  const made = new Set<string>();
  let bytes = 0;
  for (const file of files) {
    const target = join(outDir, ...file.path.split('/'));
    const dir = dirname(target);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const data = Buffer.from(file.content, 'utf8');
    writeFileSync(target, data);
    // mtime = upload time, so a local source reports a stable, realistic `updated`.
    const when = new Date(file.mtimeMs);
    utimesSync(target, when, when);
    bytes += data.length;
  }
  return { runs, files: files.length, bytes, manifest };
}
