/** Config files are validated with messages that name the file and the field. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.ts';
import { PROJECT_ROOT } from '../src/config/output-paths.ts';
import { resolvePlan } from '../src/config/run-plan.ts';
import { parseWindow } from '../src/config/duration.ts';
import { UsageError } from '../src/util/errors.ts';
import { tempDir } from './support/prow-tree.ts';

function dirWith(name: string, content: string): string {
  const dir = tempDir('ratchet-config-');
  writeFileSync(path.join(dir, name), content);
  return dir;
}

describe('config', () => {
  it('uses defaults when there is no config file', async () => {
    const dir = tempDir('ratchet-config-');
    const { config, file } = await loadConfig(undefined, dir);
    expect(file).toBeNull();
    expect(config.windows).toEqual({ current: '7d', previous: '7d' });
    expect(config.jobs.kinds).toEqual(['periodic', 'postsubmit', 'presubmit', 'batch']);
  });

  it('finds ratchet.config.json in the working directory and resolves relative paths against it', async () => {
    const dir = dirWith('ratchet.config.json', JSON.stringify({ source: './bucket', windows: { current: '3d' }, jobs: { include: ['-e2e-'] } }));
    const loaded = await loadConfig(undefined, dir);
    expect(loaded.file).toBe(path.join(dir, 'ratchet.config.json'));
    expect(loaded.baseDir).toBe(dir);
    expect(loaded.config.windows.current).toBe('3d');
    expect(loaded.config.windows.previous).toBe('7d');
    expect(loaded.config.jobs.include).toEqual(['-e2e-']);
  });

  it('loads a TypeScript config with a default export', async () => {
    const dir = dirWith('ratchet.config.ts', `const config: { source: string } = { source: 'gs://test-platform-results' };\nexport default config;\n`);
    const loaded = await loadConfig(undefined, dir);
    expect(loaded.config.source).toBe('gs://test-platform-results');
  });

  it('rejects invalid JSON with the file name', async () => {
    const dir = dirWith('ratchet.config.json', '{"source": ');
    await expect(loadConfig(undefined, dir)).rejects.toThrow(/ratchet\.config\.json is not valid JSON/);
  });

  it('names each invalid field: bad regex, unknown key, bad window, bad threshold', async () => {
    const dir = dirWith(
      'c.json',
      JSON.stringify({ jobs: { include: ['(unclosed'] }, windowz: 1, windows: { current: 'seven days' }, thresholds: { passing: 2 } }),
    );
    const error = await loadConfig('c.json', dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).toContain(path.join(dir, 'c.json'));
    expect(message).toMatch(/jobs\.include\.0: not a valid regular expression/);
    expect(message).toMatch(/windowz/);
    expect(message).toMatch(/windows\.current: window "seven days"/);
    expect(message).toMatch(/thresholds\.passing/);
  });

  it("accepts the deployed report's config, whose payload job lists resolve next to it", async () => {
    const file = path.join(PROJECT_ROOT, '.github', 'ratchet.config.json');
    const loaded = await loadConfig(file);
    const plan = resolvePlan(loaded, { asOf: '2026-11-28T06:00:00Z' });
    for (const list of [plan.payloadLists.blockingFile, plan.payloadLists.informingFile]) {
      expect(list).not.toBeNull();
      const names = readFileSync(list!, 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'));
      // sippy's lists name jobs of the release the deployed report reads.
      expect(names.some((n) => n.includes('nightly-4.22-'))).toBe(true);
    }
  });

  it('says so when --config names a missing file', async () => {
    await expect(loadConfig('/nonexistent/ratchet.json')).rejects.toThrow(/does not exist/);
  });

  it('parses window lengths', () => {
    expect(parseWindow('7d')).toBe(7 * 86_400_000);
    expect(parseWindow('48h')).toBe(48 * 3_600_000);
    expect(parseWindow('2w')).toBe(14 * 86_400_000);
    expect(parseWindow(1.5)).toBe(1.5 * 86_400_000);
    expect(() => parseWindow('0d')).toThrow(/longer than zero/);
    expect(() => parseWindow('7 days')).toThrow(/expected a length/);
  });
});
