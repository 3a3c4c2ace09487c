/**
 * The house checks that `npm test` runs (dependency-cruiser, Biome, tsc, knip) catch what they are there
 * to catch. Each tool runs with the project's own config on a tiny scratch tree in the system's temp
 * directory, with planted violations, and must name each one; nothing is ever written under src/, so a
 * test that dies leaves the real tree as it was. That the real tree passes is `npm test`'s own checks.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/prow-tree.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = {
  depcruise: path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs'),
  biome: path.join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'),
  tsc: path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
  knip: path.join(ROOT, 'node_modules', 'knip', 'bin', 'knip.js'),
};

/** A scratch tree in the temp directory holding `files` (relative path → text). */
function scratchTree(files: Record<string, string>): string {
  const dir = tempDir('ratchet-house-rules-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Runs one of the tools' Node entry points in `cwd` under this Node. */
function runTool(bin: string, args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('dependency-cruiser: the layer table of docs/architecture.md', () => {
  // Each planted file breaks exactly one rule; `allowed` files use every import the table allows.
  const planted: Record<string, { rule: string; text: string }> = {
    'src/util/up.ts': { rule: 'util-imports-nothing', text: `import '../config/ok.ts';\n` },
    'src/version.ts': { rule: 'version-imports-nothing', text: `import './util/ok.ts';\nexport const VERSION = '0';\n` },
    'src/config/up.ts': { rule: 'config-imports-only-util', text: `import '../source/ok.ts';\n` },
    'src/source/up.ts': { rule: 'source-imports-only-config-util', text: `import '../ingest/ok.ts';\n` },
    'src/ingest/up.ts': { rule: 'ingest-imports-only-source-config-util', text: `import '../analysis/ok.ts';\n` },
    'src/snapshot/up.ts': { rule: 'snapshot-imports-only-config-util', text: `import '../analysis/ok.ts';\n` },
    'src/analysis/up.ts': { rule: 'analysis-imports-only-ingest-snapshot-config-util', text: `import '../store/ok.ts';\n` },
    'src/store/up.ts': { rule: 'store-imports-only-snapshot-config-util', text: `import '../site/lib/ok.ts';\n` },
    'src/site/lib/up.ts': { rule: 'site-imports-only-store-snapshot-util', text: `import '../../config/ok.ts';\n` },
    'src/site-build/up.ts': { rule: 'site-build-imports-only-site-lib-store-snapshot-config-util', text: `import '../site/pages/ok.ts';\n` },
    'src/alerts/up.ts': { rule: 'alerts-imports-only-snapshot-config-util', text: `import '../store/ok.ts';\n` },
    'src/serve/up.ts': { rule: 'serve-imports-only-util', text: `import '../config/ok.ts';\n` },
    'src/sample/up.ts': { rule: 'sample-imports-only-util', text: `import '../ingest/ok.ts';\n` },
    'src/pipeline.ts': { rule: 'pipeline-imports-no-cli-site-serve-sample', text: `import './serve/ok.ts';\nimport './site-build/ok.ts';\n` },
    // A type-only import is still an upward import.
    'src/cli/up.ts': { rule: 'cli-imports-only-pipeline-config-serve-util', text: `import type { Ok } from '../ingest/ok.ts';\nexport type T = Ok;\n` },
    'src/extra.ts': { rule: 'src-imports-no-test-scripts-bench', text: `import '../test/helper.ts';\n` },
    'src/util/missing.ts': { rule: 'not-to-unresolvable', text: `import 'no-such-package-anywhere';\n` },
    'src/analysis/io.ts': { rule: 'analysis-no-io', text: `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n` },
    // A cycle through type-only imports, inside one folder (so no layer rule applies); closed by
    // cycle-b.ts below. A cycle is named once, from its first module.
    'src/ingest/cycle-a.ts': { rule: 'no-circular', text: `import type { B } from './cycle-b.ts';\nexport type A = { b?: B };\n` },
  };
  const ok = `export type Ok = number;\n`;
  const allowed: Record<string, string> = {
    'src/util/ok.ts': ok,
    'src/config/ok.ts': `import '../util/ok.ts';\nimport '../version.ts';\n${ok}`,
    'src/source/ok.ts': `import '../config/ok.ts';\n${ok}`,
    'src/ingest/ok.ts': `import '../source/ok.ts';\n${ok}`,
    'src/snapshot/ok.ts': `import '../config/ok.ts';\n${ok}`,
    'src/analysis/ok.ts': `import '../ingest/ok.ts';\nimport '../snapshot/ok.ts';\nimport { createHash } from 'node:crypto';\nexport const hash = createHash;\n`,
    'src/store/ok.ts': `import '../snapshot/ok.ts';\n${ok}`,
    'src/site/lib/ok.ts': `import '../../store/ok.ts';\nimport '../../snapshot/ok.ts';\n${ok}`,
    'src/site/pages/ok.ts': `import '../lib/ok.ts';\n${ok}`,
    'src/site-build/ok.ts': `import '../site/lib/ok.ts';\nimport '../store/ok.ts';\nimport '../config/ok.ts';\n${ok}`,
    'src/alerts/ok.ts': `import '../snapshot/ok.ts';\nimport '../config/ok.ts';\n${ok}`,
    'src/serve/ok.ts': `import '../util/ok.ts';\n${ok}`,
    'src/sample/ok.ts': `import '../util/ok.ts';\n${ok}`,
    'src/cli/ok.ts': `import '../pipeline.ts';\nimport '../config/ok.ts';\nimport '../serve/ok.ts';\n${ok}`,
    'test/helper.ts': `import '../src/cli/ok.ts';\n`,
    'src/ingest/cycle-b.ts': `import type { A } from './cycle-a.ts';\nexport type B = { a?: A };\n`,
  };

  it('names every planted violation with its rule, and nothing in the allowed imports', () => {
    const files = Object.fromEntries(Object.entries(planted).map(([rel, p]) => [rel, p.text]));
    const dir = scratchTree({
      ...files,
      ...allowed,
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true },
      }),
    });
    copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
    // The same reporter as `npm run deps`: one "error <rule>: <from> → <to>" line per violation.
    const { status, output } = runTool(BIN.depcruise, ['--config', '.dependency-cruiser.cjs', 'src'], dir);
    const found = [...output.matchAll(/^\s*error ([\w-]+): (\S+)/gm)].map((m) => `${m[1]}: ${m[2]}`).sort();
    const expected = Object.entries(planted)
      .map(([rel, p]) => `${p.rule}: ${rel}`)
      .sort();
    expect(found).toEqual(expected);
    expect(status).not.toBe(0);
  });

  it('has one rule per row of the table, each with a comment that says what it protects', async () => {
    const { default: config } = (await import(path.join(ROOT, '.dependency-cruiser.cjs'))) as {
      default: { forbidden: Array<{ name: string; comment?: string }> };
    };
    const table = readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8')
      .split('\n')
      .filter((line) => /^\| `[^`]+` \|/.test(line));
    expect(config.forbidden.length).toBe(table.length + 4); // + src-imports-no-test-scripts-bench, no-circular, not-to-unresolvable, analysis-no-io
    for (const rule of config.forbidden) expect(rule.comment?.length ?? 0, rule.name).toBeGreaterThan(20);
    // Every planted violation above is of a rule that exists, and every rule has one planted.
    expect(new Set(Object.values(planted).map((p) => p.rule))).toEqual(new Set(config.forbidden.map((r) => r.name)));
  });
});

describe('Biome (npm run lint)', () => {
  it('fails on a lint error, a warning and unformatted code, and passes clean code', () => {
    const dir = scratchTree({
      'src/util/lint-error.ts': `export function same(a: number): boolean {\n  debugger;\n  return a == 1;\n}\n`,
      'src/util/lint-warning.ts': `import { join } from 'node:path';\n\nexport const x = 1;\n`,
      'src/util/unformatted.ts': `export const quoted = "double";\n`,
      'src/util/clean.ts': `export const clean = (n: number): number => n + 1;\n`,
    });
    // The project's config as it is, less the VCS link: the scratch tree is no git checkout.
    const config = JSON.parse(readFileSync(path.join(ROOT, 'biome.json'), 'utf8')) as { vcs: { enabled: boolean } };
    config.vcs.enabled = false;
    writeFileSync(path.join(dir, 'biome.json'), JSON.stringify(config));
    const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.lint ?? '';
    expect(script).toMatch(/^biome check --error-on-warnings/);
    const { status, output } = runTool(BIN.biome, ['check', '--error-on-warnings', '--reporter=github', '--max-diagnostics=none'], dir);
    expect(output).toMatch(/title=lint\/suspicious\/noDebugger,file=[^,]*lint-error\.ts/);
    expect(output).toMatch(/title=lint\/suspicious\/noDoubleEquals,file=[^,]*lint-error\.ts/);
    expect(output).toMatch(/title=lint\/correctness\/noUnusedImports,file=[^,]*lint-warning\.ts/);
    expect(output).toMatch(/title=format,file=[^,]*unformatted\.ts/);
    expect(output).not.toContain('clean.ts');
    expect(status).not.toBe(0);
    // A warning alone fails too (--error-on-warnings); clean code passes.
    expect(runTool(BIN.biome, ['check', '--error-on-warnings', 'src/util/lint-warning.ts'], dir).status).not.toBe(0);
    expect(runTool(BIN.biome, ['check', '--error-on-warnings', 'src/util/clean.ts'], dir).status).toBe(0);
  });
});

describe('tsc (npm run typecheck)', () => {
  it("fails on a type error that only the project's strict settings catch", () => {
    const dir = scratchTree({
      // Fine in plain strict mode; an error under noUncheckedIndexedAccess, which tsconfig.json sets.
      'src/util/first.ts': `export function first(xs: number[]): number {\n  return xs[0];\n}\n`,
    });
    // The real tsconfig (it extends astro's, found through node_modules) over the scratch tree.
    copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const { status, output } = runTool(BIN.tsc, ['--noEmit', '-p', '.'], dir);
    expect(output).toMatch(/src\/util\/first\.ts\(2,3\): error TS2322: Type 'number \| undefined' is not assignable to type 'number'/);
    expect(status).not.toBe(0);
  });
});

describe('knip (npm run knip)', () => {
  it('names an unused export, an unused file and an unused dependency', () => {
    const dir = scratchTree({
      'package.json': JSON.stringify({ name: 'planted', private: true, type: 'module', dependencies: { 'left-pad': '1.3.0' } }),
      // src/cli/main.ts is one of the project's entry points.
      'src/cli/main.ts': `import { used } from '../util/helpers.ts';\nconsole.log(used);\n`,
      'src/util/helpers.ts': `export const used = 1;\nexport const plantedUnused = 2;\n`,
      'src/util/orphan.ts': `export const nobodyImportsMe = 3;\n`,
    });
    copyFileSync(path.join(ROOT, 'knip.jsonc'), path.join(dir, 'knip.jsonc'));
    const { status, output } = runTool(BIN.knip, ['--no-progress', '--reporter', 'json'], dir);
    const report = JSON.parse(output.slice(output.indexOf('{'))) as {
      issues: Array<{ file: string; files?: unknown[]; exports: Array<{ name: string }>; dependencies: Array<{ name: string }> }>;
    };
    const byFile = new Map(report.issues.map((i) => [i.file, i]));
    expect(byFile.get('src/util/helpers.ts')?.exports.map((e) => e.name)).toEqual(['plantedUnused']);
    expect(byFile.get('package.json')?.dependencies.map((d) => d.name)).toEqual(['left-pad']);
    expect(output).toContain('src/util/orphan.ts');
    expect(byFile.get('src/cli/main.ts')?.exports ?? []).toEqual([]);
    expect(status).not.toBe(0);
  });
});
