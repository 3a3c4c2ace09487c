/**
 * Fault injection, a build killed with SIGKILL: its Astro child stops with it instead of building on as an orphan,
 * and the next build removes the staging directory the killed one left under .astro/. Before the fix the orphan
 * built on to the end and its staging directory stayed forever.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalSource } from '../src/source/local-source.ts';
import { analyzeWith, fetchWith, staged } from './support/plans.ts';
import { AS_OF_S } from './support/constants.ts';
import { tempDir, writeTree } from './support/prow-tree.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'scripts', 'ratchet.js');
const STAGING_PARENT = path.join(ROOT, '.astro');

/** Child processes of `pid` (from /proc), with their state; zombies count as gone. */
function liveChildren(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const stagingDirs = (): string[] => (existsSync(STAGING_PARENT) ? readdirSync(STAGING_PARENT).filter((n) => n.startsWith('staging-')) : []);

describe.skipIf(process.platform !== 'linux')('a build killed with SIGKILL', () => {
  it('takes its Astro child with it, and the next build removes the staging directory it left', { timeout: 180_000 }, async () => {
    const tree = tempDir('ratchet-killed-build-tree-');
    const out = tempDir('ratchet-killed-build-out-');
    writeTree(tree, [{ job: 'periodic-ci-example-e2e-aws', buildId: '1900000000000000001', start: AS_OF_S - 3600, tests: [{ name: 't', status: 'pass' }] }]);
    const s = staged(createLocalSource(tree), { out, config: { gcs: { workers: 0 } } });
    await fetchWith(s);
    await analyzeWith(s);

    const build = spawn(process.execPath, [BIN, 'build', '--out', out, '--quiet'], { cwd: ROOT, stdio: 'ignore' });
    const pid = build.pid!;
    let child = 0;
    await until('the Astro child', () => (child = liveChildren(pid)[0] ?? 0) !== 0, 60_000);
    // Its staging directory carries its pid (other builds may be running: tests run side by side).
    const left = stagingDirs().filter((n) => n.startsWith(`staging-${pid}.`));
    expect(left).toHaveLength(1);
    process.kill(pid, 'SIGKILL');
    // The child notices its parent is gone and stops, long before a build of even one snapshot could finish.
    await until('the orphaned Astro child to stop', () => !alive(child), 30_000); // it stops when its event loop next runs: seconds on a loaded machine
    expect(existsSync(path.join(STAGING_PARENT, left[0]!, 'site', 'index.html'))).toBe(false);

    const next = spawnSync(process.execPath, [BIN, 'build', '--out', out, '--quiet'], { cwd: ROOT, encoding: 'utf8' });
    expect(next.status, next.stderr).toBe(0);
    expect(existsSync(path.join(STAGING_PARENT, left[0]!))).toBe(false);
    expect(existsSync(path.join(out, 'site', 'index.html'))).toBe(true);
    // Nothing of the killed build is left next to the site either.
    expect(readdirSync(out).filter((n) => n.includes('.building-') || n.includes('.old-'))).toEqual([]);
  });
});
