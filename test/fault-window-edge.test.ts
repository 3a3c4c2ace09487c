/**
 * Fault injection, "a bad object never removes good data": a run whose started.json says it began at the epoch, or
 * a month before its neighbours, must not be taken as the job's window edge. Before the fix such a run hid every
 * older build of its job (and kept hiding them through the edge saved in last-fetch.json), the data-quality count
 * went down, and pending runs behind the edge stayed pending after the file was fixed.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunCache, sourceKey } from '../src/ingest/run-cache.ts';
import { fetchRuns } from '../src/ingest/fetch-runs.ts';
import { createLocalSource } from '../src/source/local-source.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { buildIdFor } from '../src/sample/format.ts';
import { analyzeWith, fetchWith, staged } from './support/plans.ts';
import { AS_OF_MS, AS_OF_S, HOUR } from './support/constants.ts';
import { writeTree, type TreeRun, tempDir } from './support/prow-tree.ts';

const SNOW = 'periodic-ci-example-e2e-aws';
const SEQ = 'periodic-ci-example-e2e-gcp';
const OTHER = 'periodic-ci-example-e2e-azure';
const ALL = { include: [], exclude: [], kinds: ['periodic' as const, 'postsubmit' as const, 'presubmit' as const, 'batch' as const], prefixes: [] };

/**
 * Three jobs of 70 runs, one every 6 hours (the 14-day look-back holds the newest 56 of them):
 * SNOW with snowflake build ids as Prow makes them, SEQ with short sequential ids (no time in them), OTHER healthy.
 * Two runs of SNOW, in the middle of the window, are still going.
 */
function runs(): TreeRun[] {
  const out: TreeRun[] = [];
  for (let i = 0; i < 70; i++) {
    const start = AS_OF_S - 3600 - i * 6 * 3600;
    const tests = [{ name: 'works', status: i % 7 === 3 ? ('fail' as const) : ('pass' as const) }];
    out.push({ job: SNOW, buildId: buildIdFor(start * 1000 - 60_000), start, tests, ...(i === 20 || i === 21 ? { pending: true } : {}) });
    out.push({ job: SEQ, buildId: String(5000 - i), start, tests });
    out.push({ job: OTHER, buildId: buildIdFor(start * 1000 - 30_000), start, tests, override: i === 5 ? { 'finished.json': '{"timestamp": "soon"' } : {} });
  }
  return out;
}

const newest = (job: string, tree: TreeRun[]): TreeRun => tree.find((r) => r.job === job)!;

interface Outcome {
  snapshot: Snapshot;
  jobs: Record<string, number>;
}

async function run(tree: string, out: string): Promise<Outcome> {
  // Small batches, as a large job meets them: 4 runs read at once.
  const s = staged(createLocalSource(tree), {
    out,
    asOf: AS_OF_MS,
    config: { windows: { current: '7d', previous: '7d' }, regressions: { basis: '7d' }, gcs: { concurrency: 4, workers: 0 } },
  });
  await fetchWith(s);
  const { snapshot } = await analyzeWith(s);
  return { snapshot, jobs: Object.fromEntries(snapshot.jobs.map((j) => [j.name, j.current.runs + j.previous.runs])) };
}

function kinds(snapshot: Snapshot): Record<string, number> {
  return snapshot.dataQuality.byKind;
}

describe('a run with an implausible start', () => {
  const all = runs();
  const clean = tempDir('ratchet-edge-clean-');
  writeTree(clean, all);

  it('never hides its job: timestamp 0 and a start a month early are listed, and every other run is read, fetch after fetch', async () => {
    const reference = await run(clean, tempDir('ratchet-edge-ref-'));
    expect(Object.keys(reference.jobs).sort()).toEqual([OTHER, SNOW, SEQ].sort());

    const bad = tempDir('ratchet-edge-bad-');
    cpSync(clean, bad, { recursive: true });
    const snowNewest = newest(SNOW, all);
    const seqNewest = newest(SEQ, all);
    writeFileSync(path.join(bad, 'logs', SNOW, snowNewest.buildId, 'started.json'), JSON.stringify({ timestamp: 0 }));
    writeFileSync(path.join(bad, 'logs', SEQ, seqNewest.buildId, 'started.json'), JSON.stringify({ timestamp: seqNewest.start - 30 * 86_400 }));

    const out = tempDir('ratchet-edge-out-');
    for (let fetch = 1; fetch <= 3; fetch++) {
      const { snapshot, jobs } = await run(bad, out);
      // Every job, and every run but the two with a start nobody can place.
      expect(jobs, `fetch ${fetch}`).toEqual({ ...reference.jobs, [SNOW]: reference.jobs[SNOW]! - 1, [SEQ]: reference.jobs[SEQ]! - 1 });
      expect(snapshot.coverage.runsRead).toBe(reference.snapshot.coverage.runsRead - 2);
      // No kind of problem counts less because data went missing; the two starts are listed.
      for (const [kind, n] of Object.entries(kinds(reference.snapshot))) expect(kinds(snapshot)[kind] ?? 0, kind).toBeGreaterThanOrEqual(n);
      expect(snapshot.dataQuality.problemCount).toBeGreaterThan(reference.snapshot.dataQuality.problemCount);
      const implausible = snapshot.dataQuality.problems.filter((p) => p.kind === 'implausible');
      expect(implausible.map((p) => p.buildId).sort()).toEqual([snowNewest.buildId, seqNewest.buildId].sort());
      expect(implausible.map((p) => p.reason).join('\n')).toMatch(/1970-01-01/);
    }
  });

  it('does not keep pending runs pending once the start is fixed and they finish', async () => {
    const bad = tempDir('ratchet-edge-pending-');
    cpSync(clean, bad, { recursive: true });
    const snowNewest = newest(SNOW, all);
    const started = path.join(bad, 'logs', SNOW, snowNewest.buildId, 'started.json');
    writeFileSync(started, JSON.stringify({ timestamp: 0 }));
    const out = tempDir('ratchet-edge-pending-out-');
    const before = await run(bad, out);
    expect(before.snapshot.coverage.runsPending).toBe(2);
    await run(bad, out);

    // The file is fixed and the two pending runs finish.
    writeFileSync(started, JSON.stringify({ timestamp: snowNewest.start }));
    for (const pending of all.filter((r) => r.job === SNOW && r.pending)) {
      writeFileSync(
        path.join(bad, 'logs', SNOW, pending.buildId, 'finished.json'),
        JSON.stringify({ timestamp: pending.start + 3600, passed: true, result: 'SUCCESS' }),
      );
    }
    const after = await run(bad, out);
    expect(after.snapshot.coverage.runsPending).toBe(0);
    expect(after.jobs[SNOW]).toBe(before.jobs[SNOW]! + 1);
  });

  it('ignores a saved window edge without evidence (as an older version wrote them)', async () => {
    const out = tempDir('ratchet-edge-saved-');
    const first = await run(clean, out);
    const source = createLocalSource(clean);
    const cacheDir = path.join(out, 'cache', sourceKey(source.description, source.bucket));
    const file = path.join(cacheDir, 'last-fetch.json');
    const report = JSON.parse(readFileSync(file, 'utf8')) as { edges: Record<string, unknown> };
    // The edge an older Ratchet saved after a run with timestamp 0: the job's newest build.
    report.edges = { [`logs/${SNOW}`]: newest(SNOW, all).buildId };
    writeFileSync(file, JSON.stringify(report));
    rmSync(path.join(cacheDir, 'runs'), { recursive: true, force: true });
    const second = await run(clean, out);
    expect(second.jobs).toEqual(first.jobs);
  });

  it('takes a start that is plausible for its build id as the edge, and reads no further', async () => {
    const cache = new RunCache(tempDir('ratchet-edge-cache-'), 'k');
    const source = createLocalSource(clean);
    const lookbackStart = new Date(AS_OF_MS - 14 * 24 * HOUR);
    const report = await fetchRuns({ source, cache, selection: { ...ALL, include: [new RegExp(`^${SNOW}$`)] }, lookbackStart, concurrency: 4, workers: 0 });
    // 56 builds inside 14 days (one every 6 hours, the first an hour before as-of); the 57th confirms the edge.
    expect(report.stats.runsFound).toBe(56);
    expect(report.stats.runsFetched).toBe(57);
    expect(Object.values(report.edges)).toHaveLength(1);
  });
});
