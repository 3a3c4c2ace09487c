/**
 * The scheduled workflow's steps (.github/workflows/report.yml runs exactly these npm scripts): build restores from
 * the archive store and stages what it lacks without pushing (the build job may not write), summary appends the
 * Markdown to the step summary, push adds the staged snapshot to the store (the job after the deploy).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AS_OF_S, DAY_S, JOB } from './support/constants.ts';
import { type TreeRun, writeTree, tempDir } from './support/prow-tree.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
function npmRun(script: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', script], { cwd: ROOT, env: { ...process.env, CI: 'true', ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

const branchTip = (repo: string): string =>
  execFileSync('git', ['--git-dir', repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/'], { encoding: 'utf8' }).trim();

describe('npm run report:build, report:summary, report:push', () => {
  it('build stages what the store lacks without pushing; summary writes the step summary; push adds it after the deploy', { timeout: 240_000 }, async () => {
    const tree = tempDir('ratchet-report-tree-');
    // The workflow's config selects OpenShift's 4.22 nightly e2e jobs: a run of one of them.
    const runs: TreeRun[] = Array.from({ length: 8 }, (_, i) => ({
      job: JOB,
      buildId: String(1900000000000000000n + BigInt(i)),
      start: AS_OF_S - DAY_S * (i + 1),
      tests: [{ name: 'a test', status: i === 0 ? 'fail' : 'pass' }],
    }));
    writeTree(tree, runs);
    const repo = path.join(tempDir('ratchet-report-store-'), 'store.git');
    execFileSync('git', ['init', '--bare', '-q', repo]);
    const out = path.join(tempDir('ratchet-report-out-'), 'out');
    const summaryFile = path.join(tempDir('ratchet-report-summary-'), 'summary.md');
    const env = {
      RATCHET_OUT: out,
      RATCHET_SOURCE: tree,
      RATCHET_ARCHIVE_STORE: `git+file://${repo}#ratchet-archive`,
      AS_OF: '2026-11-28T06:17:00Z',
      RATCHET_BASE: '/report/',
      RATCHET_SITE: 'https://acme.github.io',
      RATCHET_DEADLINE: '30',
      GITHUB_STEP_SUMMARY: summaryFile,
    };

    const build = await npmRun('report:build', env);
    expect(build.code, build.out).toBe(0);
    expect(build.out).toMatch(/archive: staged for the store in .*staged/);
    expect(existsSync(path.join(out, 'site', 'snapshots', '2026-11-28T0617Z', 'index.html'))).toBe(true);
    expect(existsSync(path.join(out, 'staged', 'manifests', '2026-11-28T0617Z.json'))).toBe(true);
    expect(branchTip(repo)).toBe(''); // nothing pushed by the build job
    // The badges at their stable URLs, and the provenance on the snapshot's data-quality page.
    expect(readFileSync(path.join(out, 'site', 'badges', 'overall.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*regressions[\s\S]*<\/svg>\s*$/);
    const dataQuality = readFileSync(path.join(out, 'site', 'snapshots', '2026-11-28T0617Z', 'data-quality', 'index.html'), 'utf8');
    expect(dataQuality).toContain('id="provenance"');
    expect(dataQuality).toMatch(/Settings hash<\/dt><dd><code>[0-9a-f]{64}<\/code>/);

    const summary = await npmRun('report:summary', env);
    expect(summary.code, summary.out).toBe(0);
    const markdown = readFileSync(summaryFile, 'utf8');
    expect(markdown).toContain('## Ratchet report 2026-11-28T0617Z');
    expect(markdown).toContain('[Open the snapshot](https://acme.github.io/report/snapshots/2026-11-28T0617Z/)');
    expect(markdown).toContain('| Jobs | 1 |');

    const push = await npmRun('report:push', env);
    expect(push.code, push.out).toBe(0);
    expect(push.out).toContain('archive: added 2026-11-28T0617Z');
    expect(branchTip(repo).split('\n').sort()).toEqual(['refs/heads/ratchet-archive', 'refs/heads/ratchet-archive-head']);

    // The next scheduled run, its cache gone: it restores from the store and stages only its own snapshot.
    rmSync(out, { recursive: true, force: true });
    const next = await npmRun('report:build', { ...env, AS_OF: '2026-11-28T08:17:00Z' });
    expect(next.code, next.out).toBe(0);
    expect(readFileSync(path.join(out, 'site', 'snapshots', '2026-11-28T0617Z', 'index.html'), 'utf8')).toContain('2026-11-28T0617Z');
    expect(existsSync(path.join(out, 'staged', 'manifests', '2026-11-28T0817Z.json'))).toBe(true);
    expect(existsSync(path.join(out, 'staged', 'manifests', '2026-11-28T0617Z.json'))).toBe(false);
  });
});
