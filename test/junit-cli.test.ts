/**
 * `ratchet junit <file or dir>… [--json]`: how Ratchet reads JUnit files, per file, for users checking their own
 * reports. Damaged files are reported with exit code 0; a path that does not exist is a usage error (2).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/prow-tree.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'scripts', 'ratchet.js');
const KEYS = ['file', 'cases', 'passed', 'failed', 'skipped', 'flaked', 'tests', 'partial', 'problem'];

function ratchet(args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('ratchet junit', () => {
  let dir: string;

  beforeAll(() => {
    dir = tempDir('ratchet-junit-cli-');
    mkdirSync(path.join(dir, 'nested'));
    copyFileSync(path.join(ROOT, 'test/fixtures/dialects/surefire-rerun.xml'), path.join(dir, 'a-surefire.xml'));
    copyFileSync(path.join(ROOT, 'test/fixtures/damaged/truncated-in-failure.xml'), path.join(dir, 'nested', 'b-truncated.xml'));
    writeFileSync(path.join(dir, 'nested', 'c-utf16.XML'), Buffer.from('\uFEFF<testsuite name="s"><testcase name="é"/></testsuite>', 'utf16le'));
    writeFileSync(path.join(dir, 'nested', 'd-empty.xml'), '');
    writeFileSync(path.join(dir, 'notes.txt'), 'not a report');
  });

  it('--json on a directory: one object per .xml file, in path order, with exactly the documented keys; exit 0 despite damage', () => {
    const { code, stdout } = ratchet(['junit', '--json', dir]);
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of lines) expect(Object.keys(line)).toEqual(KEYS);
    expect(lines.map((l) => path.relative(dir, l.file as string))).toEqual([
      'a-surefire.xml',
      path.join('nested', 'b-truncated.xml'),
      path.join('nested', 'c-utf16.XML'),
      path.join('nested', 'd-empty.xml'),
    ]);
    expect(lines[0]).toMatchObject({ cases: 6, passed: 1, failed: 2, skipped: 1, flaked: 2, tests: 6, partial: false, problem: null });
    expect(lines[1]).toMatchObject({ cases: 3, passed: 2, failed: 1, tests: 3, partial: true });
    expect(lines[1]!.problem).toMatch(
      /^file ends early at line 6, column 83 \(unclosed tag: failure\): truncated; kept the 2 test cases completed before it and, as failed/,
    );
    expect(lines[2]).toMatchObject({ cases: 1, passed: 1, tests: 1, partial: false, problem: null });
    expect(lines[3]).toMatchObject({ cases: 0, tests: 0, partial: true, problem: 'empty file' });
  });

  it('prints a readable line per file without --json', () => {
    const { code, stdout } = ratchet(['junit', path.join(dir, 'a-surefire.xml'), path.join(dir, 'nested', 'b-truncated.xml')]);
    expect(code).toBe(0);
    expect(stdout).toContain('a-surefire.xml: 6 cases (1 passed, 2 failed, 1 skipped, 2 flaked), 6 tests\n');
    expect(stdout).toMatch(/b-truncated\.xml: 3 cases \(2 passed, 1 failed, 0 skipped, 0 flaked\), 3 tests\n {2}damaged: file ends early at line 6/);
  });

  it('a path that does not exist is a usage error', () => {
    const { code, stderr } = ratchet(['junit', path.join(dir, 'missing.xml')]);
    expect(code).toBe(2);
    expect(stderr).toContain('missing.xml: no such file or directory');
  });
});
