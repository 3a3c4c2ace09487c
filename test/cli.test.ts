/**
 * The `ratchet` command as other tools drive it: its names, --help, exit codes (0 done, 1 failed,
 * 2 usage) and a full `run` on a Prow-layout directory built here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeTree, type TreeRun } from './support/prow-tree.ts';
import { SNAPSHOT_SCHEMA_VERSION } from '../src/snapshot/schema.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'scripts', 'ratchet.js');

function ratchet(args: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 180_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('ratchet CLI', () => {
  let tree: string;
  let out: string;
  const asOf = '2026-11-28T06:00:00Z';

  beforeAll(() => {
    tree = tempDir('ratchet-cli-tree-');
    out = tempDir('ratchet-cli-out-');
    const t0 = Date.parse(asOf) / 1000;
    const runs: TreeRun[] = [];
    for (let i = 0; i < 6; i++) {
      runs.push({
        job: 'periodic-ci-example-e2e-gcp',
        buildId: String(1800000000000000000n + BigInt(i)),
        start: t0 - (i + 1) * 86_400,
        tests: [{ name: 'a test', status: i === 0 ? 'fail' : 'pass' }],
      });
      runs.push({
        job: 'periodic-ci-example-e2e-aws-upgrade',
        buildId: String(1800000000000000100n + BigInt(i)),
        start: t0 - (i + 1) * 80_000,
        tests: [{ name: 'b test', status: 'pass' }],
        disruption: [{ 'kube-api-new-connections': '1s' }],
      });
    }
    writeTree(tree, runs);
  });

  it('prints help for every command and exits 0', () => {
    for (const command of ['fetch', 'analyze', 'build', 'run', 'preview']) {
      const { code, stdout } = ratchet([command, '--help']);
      expect(code, command).toBe(0);
      expect(stdout).toContain(`Usage: ratchet ${command}`);
      expect(stdout).toContain('--source');
      expect(stdout).toContain('--as-of');
    }
  });

  it('exits 2 with a clear message on usage errors', () => {
    const missing = ratchet(['fetch', '--source', '/nonexistent/bucket', '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/source directory \/nonexistent\/bucket does not exist/);

    const unknown = ratchet(['fetch', '--no-such-option']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option/);

    const asOfBad = ratchet(['analyze', '--source', tree, '--as-of', 'yesterday', '--out', out]);
    expect(asOfBad.code).toBe(2);
    expect(asOfBad.stderr).toMatch(/--as-of "yesterday" is not a valid ISO 8601 time/);

    const configDir = tempDir('ratchet-cli-config-');
    writeFileSync(path.join(configDir, 'bad.json'), JSON.stringify({ windows: { current: 'soon' } }));
    const badConfig = ratchet(['fetch', '--config', path.join(configDir, 'bad.json'), '--source', tree]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/bad\.json is invalid:\n\s+- windows\.current/);

    const badGs = ratchet(['fetch', '--source', 'gs://', '--out', out]);
    expect(badGs.code).toBe(2);
  });

  it('runs fetch → analyze → build on any Prow-layout directory, then serves from the cache', () => {
    const first = ratchet(['run', '--source', tree, '--out', out, '--as-of', asOf]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/fetch: 2 jobs, 12 runs in the window: 0 from the cache, 12 read/);
    expect(first.stdout).toMatch(/analyze: snapshot 2026-11-28T0600Z/);
    const snapshot = JSON.parse(readFileSync(path.join(out, 'snapshots', '2026-11-28T0600Z', 'snapshot.json'), 'utf8'));
    expect(snapshot.schemaVersion).toBe(SNAPSHOT_SCHEMA_VERSION);
    expect(snapshot.coverage.runsRead).toBe(12);
    expect(existsSync(path.join(out, 'site', 'index.html'))).toBe(true);
    const jobPages = readdirSync(path.join(out, 'site', 'snapshots', '2026-11-28T0600Z', 'jobs'));
    expect(jobPages).toEqual(expect.arrayContaining(['periodic-ci-example-e2e-gcp', 'periodic-ci-example-e2e-aws-upgrade']));

    const second = ratchet(['run', '--source', tree, '--out', out, '--as-of', asOf, '--quiet']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/12 runs in the window: 12 from the cache, 0 read/);
  }, 240_000);
});
