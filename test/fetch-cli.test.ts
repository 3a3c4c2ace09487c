/**
 * The fetch options of the CLI: --deadline (also gcs.deadlineMinutes) and --workers, their checks, and the summary
 * line a scheduled job's log shows.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.ts';
import { tempDir, writeTree } from './support/prow-tree.ts';
import { AS_OF_ISO, AS_OF_S } from './support/constants.ts';

let tree: string;
let out: string;
let stdout: string;
let stderr: string;

async function ratchet(args: string[]): Promise<number> {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return await main(args);
  } finally {
    vi.restoreAllMocks();
  }
}

beforeAll(() => {
  tree = tempDir('ratchet-fetch-cli-');
  out = tempDir('ratchet-fetch-cli-out-');
  writeTree(
    tree,
    [1, 2, 3].map((i) => ({
      job: 'periodic-ci-example-e2e-gcp',
      buildId: `190000000000000000${i}`,
      start: AS_OF_S - i * 3600,
      tests: [{ name: 't', status: 'pass' as const }],
    })),
  );
  writeFileSync(path.join(out, 'ratchet.config.json'), JSON.stringify({ gcs: { deadlineMinutes: 30, workers: 0 } }));
});

afterEach(() => vi.restoreAllMocks());

describe('ratchet fetch options', () => {
  it('refuses a deadline or worker count that is not a number in range', async () => {
    expect(await ratchet(['fetch', '--source', tree, '--out', out, '--deadline', '0'])).toBe(2);
    expect(stderr).toMatch(/--deadline 0: expected a number of minutes greater than 0/);
    expect(await ratchet(['fetch', '--source', tree, '--out', out, '--deadline', 'soon'])).toBe(2);
    expect(await ratchet(['fetch', '--source', tree, '--out', out, '--workers', '-1'])).toBe(2);
    expect(stderr).toMatch(/--workers -1: expected a whole number from 0 to 64/);
  });

  it('fetches under a deadline and records it, from the option or the config', async () => {
    const before = Date.now();
    expect(await ratchet(['fetch', '--source', tree, '--out', out, '--as-of', AS_OF_ISO, '--deadline', '2.5', '--workers', '1', '--quiet'])).toBe(0);
    expect(stdout).toMatch(
      /^fetch: 1 jobs, 3 runs in the window: 0 from the cache, 3 read from .*; 0 unfinished, 0 incomplete, 0 objects failed; \d+\.\d s\n$/,
    );
    const cacheDir = path.join(out, 'cache');
    const report = JSON.parse(readFileSync(path.join(cacheDir, readdirSync(cacheDir)[0]!, 'last-fetch.json'), 'utf8'));
    const deadline = Date.parse(report.deadline);
    expect(deadline).toBeGreaterThanOrEqual(before + 150_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 150_000);

    expect(await ratchet(['fetch', '--config', path.join(out, 'ratchet.config.json'), '--source', tree, '--out', out, '--as-of', AS_OF_ISO, '--quiet'])).toBe(
      0,
    );
    expect(stdout).toMatch(/3 runs in the window: 3 from the cache, 0 read/);
    const again = JSON.parse(readFileSync(path.join(cacheDir, readdirSync(cacheDir)[0]!, 'last-fetch.json'), 'utf8'));
    expect(Date.parse(again.deadline) - Date.parse(again.fetchedAt)).toBeGreaterThan(29 * 60_000);
  });

  it('offers --deadline and --workers on fetch and run', async () => {
    for (const command of ['fetch', 'run']) {
      expect(await ratchet([command, '--help'])).toBe(0);
      expect(stdout).toContain('--deadline <minutes>');
      expect(stdout).toContain('--workers <n>');
    }
  });
});
