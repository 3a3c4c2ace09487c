/**
 * Fault injection, "the local source stays inside its root": symlinks that lead out of the source directory (a run
 * folder, a top-level folder, a single file) are refused and listed, and nothing behind them reaches the cache, the
 * snapshot or the site. Before the fix a test named SECRET-OUTSIDE-CONTENT, read through
 * pr-logs/pull/evil -> <outside>, was published.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalSource } from '../src/source/local-source.ts';
import { listAll, readText } from '../src/source/source.ts';
import { analyzeWith, fetchWith, staged } from './support/plans.ts';
import { AS_OF_S } from './support/constants.ts';
import { writeTree, type TreeRun, tempDir } from './support/prow-tree.ts';

const SECRET = 'SECRET-OUTSIDE-CONTENT';
const PRESUBMIT = 'pull-ci-example-e2e';
const PERIODIC = 'periodic-ci-example-e2e';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

function mentionsSecret(dir: string): string[] {
  return filesUnder(dir).filter((f) => readFileSync(f).includes(SECRET));
}

/** A directory outside the source, laid out like a presubmit run and a periodic job, carrying the secret. */
function outsideTree(): string {
  const outside = tempDir('ratchet-outside-');
  const run: TreeRun = {
    job: PRESUBMIT,
    buildId: '1900000000000000009',
    start: AS_OF_S - 3600,
    tests: [{ name: SECRET, status: 'fail', message: `${SECRET} failure text` }],
  };
  writeTree(outside, [
    { ...run, pr: 7 },
    { ...run, job: PERIODIC },
  ]);
  return outside;
}

describe('symlinks out of a local source', () => {
  it('refuses a symlinked run folder, top-level folder and file, lists each, and publishes nothing behind them', async () => {
    const outside = outsideTree();
    const tree = tempDir('ratchet-symlink-tree-');
    writeTree(tree, [{ job: PRESUBMIT, buildId: '1900000000000000001', start: AS_OF_S - 7200, pr: 7, tests: [{ name: 'inside test', status: 'pass' }] }]);
    // pr-logs/pull/evil -> the outside run's pull folder; a pointer leads there.
    symlinkSync(path.join(outside, 'pr-logs', 'pull', '7'), path.join(tree, 'pr-logs', 'pull', 'evil'));
    writeFileSync(path.join(tree, 'pr-logs', 'directory', PRESUBMIT, '1900000000000000009.txt'), `gs://b/pr-logs/pull/evil/${PRESUBMIT}/1900000000000000009`);
    // A top-level logs/ that is a symlink to a directory elsewhere.
    symlinkSync(path.join(outside, 'logs'), path.join(tree, 'logs'));
    // A single JUnit file that is a symlink to a file outside.
    const junitDir = path.join(tree, 'pr-logs', 'pull', '7', PRESUBMIT, '1900000000000000001', 'artifacts', 'e2e', 'junit');
    mkdirSync(junitDir, { recursive: true });
    const outsideJunit = filesUnder(outside).find((f) => f.endsWith('.xml'))!;
    symlinkSync(outsideJunit, path.join(junitDir, 'junit_linked.xml'));

    const out = tempDir('ratchet-symlink-out-');
    const s = staged(createLocalSource(tree), { out, config: { gcs: { workers: 0 } } });
    await fetchWith(s);
    const { snapshot } = await analyzeWith(s);

    expect(mentionsSecret(out)).toEqual([]);
    expect(JSON.stringify(snapshot)).not.toContain(SECRET);
    // The inside run is read.
    expect(snapshot.jobs.map((j) => j.name)).toEqual([PRESUBMIT]);
    const refused = snapshot.dataQuality.problems.filter((p) => p.kind === 'outside-source');
    const objects = refused.map((p) => p.object);
    expect(objects).toContain('logs/');
    expect(objects.some((o) => o.startsWith('pr-logs/pull/evil/'))).toBe(true);
    expect(objects.some((o) => o.endsWith('junit_linked.xml'))).toBe(true);
    for (const p of refused) expect(p.reason).toMatch(/outside the source directory/);
  });

  it('refuses to read through a symlink, and lists one that stays inside as what it points to', async () => {
    const outside = outsideTree();
    const tree = tempDir('ratchet-symlink-read-');
    writeTree(tree, [{ job: PERIODIC, buildId: '1900000000000000001', start: AS_OF_S - 7200 }]);
    symlinkSync(path.join(outside, 'logs', PERIODIC), path.join(tree, 'logs', 'escape'));
    symlinkSync(path.join(tree, 'logs', PERIODIC, '1900000000000000001'), path.join(tree, 'logs', PERIODIC, '1900000000000000002'));
    const source = createLocalSource(tree);
    await expect(readText(source, 'logs/escape/1900000000000000009/started.json')).rejects.toMatchObject({ kind: 'outside-source' });
    const names: string[] = [];
    const refused: string[] = [];
    for await (const page of listAll(source, 'logs/')) {
      names.push(...page.objects.map((o) => o.name));
      refused.push(...(page.refused ?? []).map((r) => r.name));
    }
    expect(refused).toEqual(['logs/escape/']);
    expect(names).toContain(`logs/${PERIODIC}/1900000000000000002/started.json`);
    expect(names.some((n) => n.startsWith('logs/escape/'))).toBe(false);
  });
});
