/**
 * `ratchet run --archive-store`, as the scheduled workflow uses it (issue 10's "done when"):
 * - two runs with new data, then the output, run cache and snapshots deleted (a lost actions/cache), and a third
 *   run: the first two snapshots' pages come back from the store byte-identical, and the third snapshot is the one
 *   an uninterrupted history gives, byte for byte;
 * - a failure after rendering, and a failure while pushing to the store: the store and the published site stay as
 *   they were, and the snapshot that could not be pushed goes with the next run's push;
 * - two runs at once on one store: both snapshots are kept.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFromConfig } from '../src/config/run-plan.ts';
import { analyzeStage, buildStage, fetchStage, withArchiveStore } from '../src/pipeline.ts';
import { type TreeRun, writeTree, tempDir } from './support/prow-tree.ts';
import { ratchetProcess } from './support/ratchet-process.ts';
import { treeHashes } from './support/tree-hashes.ts';

const JOBS = ['periodic-ci-example-e2e-aws', 'periodic-ci-example-e2e-gcp'];

const ratchet = ratchetProcess;

/** Runs of both jobs every 4 hours in [from, to): each call adds new data to the tree. */
function addRuns(tree: string, from: string, to: string): void {
  const runs: TreeRun[] = [];
  for (let t = Date.parse(from) / 1000; t < Date.parse(to) / 1000; t += 4 * 3600) {
    JOBS.forEach((job, j) => {
      const n = Math.round(t / 3600);
      runs.push({
        job,
        buildId: String(1900000000000000000n + BigInt(n * 10 + j)),
        start: t,
        durationSec: 1800,
        tests: [
          { name: 'a stable test', status: 'pass' },
          { name: 'a flaky test', status: n % 3 === 0 ? 'fail' : 'pass' },
        ],
      });
    });
  }
  writeTree(tree, runs);
}

function bareRepo(): string {
  const repo = path.join(tempDir('ratchet-runs-store-'), 'store.git');
  execFileSync('git', ['init', '--bare', '-q', repo]);
  return repo;
}

const hashes = treeHashes;

const refs = (repo: string): string => execFileSync('git', ['--git-dir', repo, 'for-each-ref'], { encoding: 'utf8' });

function runArgs(tree: string, out: string, asOf: string, store?: string): string[] {
  return ['run', '--source', tree, '--out', out, '--as-of', asOf, '--quiet', '--workers', '0', ...(store ? ['--archive-store', store] : [])];
}

const T1 = '2026-11-27T06:00:00Z';
const T2 = '2026-11-27T10:00:00Z';
const T3 = '2026-11-28T06:00:00Z';
const [ID1, ID2, ID3] = ['2026-11-27T0600Z', '2026-11-27T1000Z', '2026-11-28T0600Z'];

describe('ratchet run with a git archive store', () => {
  it('restores the published pages byte-identical after the output, cache and snapshots are lost, and analyses as if nothing was lost', {
    timeout: 400_000,
  }, async () => {
    const tree = tempDir('ratchet-runs-tree-');
    const store = `git+file://${bareRepo()}#ratchet-archive`;
    const out = tempDir('ratchet-runs-out-');
    const control = tempDir('ratchet-runs-control-');

    addRuns(tree, '2026-11-12T00:00:00Z', T1);
    const first = await ratchet(runArgs(tree, out, T1, store));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect((await ratchet(runArgs(tree, control, T1))).code).toBe(0);
    const pages1 = await hashes(path.join(out, 'site', 'snapshots', ID1));

    addRuns(tree, T1, T2);
    const second = await ratchet(runArgs(tree, out, T2, store));
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`added ${ID2}`);
    expect((await ratchet(runArgs(tree, control, T2))).code).toBe(0);
    const pages2 = await hashes(path.join(out, 'site', 'snapshots', ID2));
    // The second snapshot of the day is light: its report, regressions, diff and data quality, no job pages.
    expect(Object.keys(pages2)).toEqual(expect.arrayContaining(['index.html', 'regressions/index.html', 'diff/index.html', 'data-quality/index.html']));
    expect(Object.keys(pages2).filter((f) => /^jobs\/[^/]+\/|^tests\/|snapshot\.json\.gz/.test(f))).toEqual([]);
    expect(Object.keys(pages1)).toEqual(expect.arrayContaining([`jobs/${JOBS[0]}/index.html`, 'snapshot.json.gz']));

    // A lost actions/cache: output, run cache, snapshots, archive and site all gone.
    rmSync(out, { recursive: true, force: true });
    addRuns(tree, T2, T3);
    const third = await ratchet(runArgs(tree, out, T3, store).filter((a) => a !== '--quiet'));
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/holds 2 snapshot\(s\); restored 2 and \d+ asset\(s\), and the newest snapshot \(2026-11-27T1000Z\)/);
    expect((await ratchet(runArgs(tree, control, T3))).code).toBe(0);

    expect(await hashes(path.join(out, 'site', 'snapshots', ID1))).toEqual(pages1);
    expect(await hashes(path.join(out, 'site', 'snapshots', ID2))).toEqual(pages2);
    // The restored head was the analysis's previous snapshot: the same snapshot as an uninterrupted history, but for
    // how many runs came from the run cache (none: it was lost).
    const snapshot = (dir: string) => {
      const s = JSON.parse(readFileSync(path.join(dir, 'snapshots', ID3, 'snapshot.json'), 'utf8'));
      expect(s.coverage.runsFromCache + s.coverage.runsFetched).toBe(s.coverage.runsRead);
      s.coverage.runsFromCache = s.coverage.runsFetched = 'either';
      return s;
    };
    expect(snapshot(out)).toEqual(snapshot(control));
    expect(readFileSync(path.join(out, 'site', 'snapshots', ID3, 'diff', 'index.html'), 'utf8')).toContain(ID2);
    // The older snapshots' JSON is not kept locally once the store holds it; the newest is.
    expect(existsSync(path.join(out, 'snapshots', ID2))).toBe(false);
    expect(existsSync(path.join(out, 'snapshots', ID3, 'snapshot.json'))).toBe(true);
  });
});

describe('a run that cannot finish', () => {
  async function published(): Promise<{ tree: string; repo: string; store: string; out: string; site: Record<string, string> }> {
    const tree = tempDir('ratchet-runs-tree-');
    const repo = bareRepo();
    const store = `git+file://${repo}#ratchet-archive`;
    const out = tempDir('ratchet-runs-out-');
    addRuns(tree, '2026-11-12T00:00:00Z', T1);
    expect((await ratchet(runArgs(tree, out, T1, store))).code).toBe(0);
    addRuns(tree, T1, T3);
    return { tree, repo, store, out, site: await hashes(path.join(out, 'site')) };
  }

  it('failing after rendering leaves the store and the published site as they were', { timeout: 200_000 }, async () => {
    const { tree, repo, store, out, site } = await published();
    const storeBefore = refs(repo);
    const plan = planFromConfig({}, { source: tree, out, asOf: T3, quiet: true, workers: '0', archiveStore: store });
    await expect(
      withArchiveStore(plan, async (session) => {
        await fetchStage(plan);
        await analyzeStage(plan);
        await buildStage(plan, session, {
          onStep: (step) => {
            if (step === 'archived') throw new Error('injected: the machine went away after rendering');
          },
        });
      }),
    ).rejects.toThrow(/injected/);
    expect(await hashes(path.join(out, 'site'))).toEqual(site);
    expect(refs(repo)).toBe(storeBefore);
  });

  it('failing while pushing leaves the store as it was and puts the published site back; the next run pushes what was left', { timeout: 300_000 }, async () => {
    const { tree, repo, store, out, site } = await published();
    const storeBefore = refs(repo);
    // The store refuses every push (a protected branch, a full disk on the server, …).
    const hook = path.join(repo, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "store unavailable (injected)" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const failed = await ratchet(runArgs(tree, out, T3, store));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/pre-receive hook declined|store unavailable \(injected\)/);
    expect(refs(repo)).toBe(storeBefore);
    expect(await hashes(path.join(out, 'site'))).toEqual(site);

    rmSync(hook);
    const next = await ratchet(runArgs(tree, out, '2026-11-28T08:00:00Z', store));
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain(`added ${ID3}, 2026-11-28T0800Z`);
    for (const id of [ID1, ID3, '2026-11-28T0800Z']) expect(existsSync(path.join(out, 'site', 'snapshots', id, 'index.html')), id).toBe(true);
  });
});

describe('two runs at once on one store', () => {
  it('keep both snapshots', { timeout: 300_000 }, async () => {
    const tree = tempDir('ratchet-runs-tree-');
    const repo = bareRepo();
    const store = `git+file://${repo}#ratchet-archive`;
    addRuns(tree, '2026-11-12T00:00:00Z', T3);
    const [a, b] = await Promise.all([
      ratchet(runArgs(tree, tempDir('ratchet-runs-a-'), T1, store)),
      ratchet(runArgs(tree, tempDir('ratchet-runs-b-'), T3, store)),
    ]);
    expect([a.code, b.code], `${a.stderr}${b.stderr}`).toEqual([0, 0]);
    const reader = tempDir('ratchet-runs-reader-');
    const check = await ratchet(['build', '--out', reader, '--archive-store', store]);
    expect(check.code, check.stderr).toBe(0);
    for (const id of [ID1, ID3]) expect(existsSync(path.join(reader, 'site', 'snapshots', id, 'index.html')), id).toBe(true);
  });
});
