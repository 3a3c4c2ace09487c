import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryArchive } from '../src/store/archive.ts';
import { AS_OF_S } from './support/constants.ts';
import { writeTree, type TreeRun, tempDir } from './support/prow-tree.ts';
import { ratchetProcess } from './support/ratchet-process.ts';

const ratchet = ratchetProcess;

describe('two runs at once on one output', () => {
  it('both exit 0, one after the other, and both snapshots are published', { timeout: 240_000 }, async () => {
    const tree = tempDir('ratchet-concurrent-tree-');
    const runs: TreeRun[] = Array.from({ length: 12 }, (_, i) => ({
      job: 'periodic-ci-example-e2e-aws',
      buildId: String(1900000000000000000n + BigInt(i)),
      start: AS_OF_S - 86_400 * 3 - i * 20_000,
      tests: [{ name: 'a test', status: i % 4 === 0 ? 'fail' : 'pass' }],
    }));
    writeTree(tree, runs);
    const out = tempDir('ratchet-concurrent-out-');
    const common = ['run', '--source', tree, '--out', out, '--quiet', '--workers', '0'];
    const [a, b] = await Promise.all([ratchet([...common, '--as-of', '2026-11-27T06:00:00Z']), ratchet([...common, '--as-of', '2026-11-28T06:00:00Z'])]);
    expect({ code: a.code, stderr: a.stderr.replace(/^ratchet: waiting.*\n/m, '') }).toEqual({ code: 0, stderr: '' });
    expect({ code: b.code, stderr: b.stderr.replace(/^ratchet: waiting.*\n/m, '') }).toEqual({ code: 0, stderr: '' });
    // One of them said it waited.
    expect(`${a.stderr}${b.stderr}`).toMatch(/ratchet: waiting for .* \(pid \d+, started .*\) to finish/);
    for (const id of ['2026-11-27T0600Z', '2026-11-28T0600Z']) {
      expect(existsSync(path.join(out, 'snapshots', id, 'snapshot.json')), id).toBe(true);
      expect(existsSync(path.join(out, 'site', 'snapshots', id, 'index.html')), id).toBe(true);
      expect(existsSync(path.join(out, 'archive', 'snapshots', id, 'manifest.json')), id).toBe(true);
    }
    expect(existsSync(path.join(out, '.ratchet.lock'))).toBe(false);
  });
});

describe('archiving the same id twice at once', () => {
  it('publishes exactly one entry and never deletes or replaces it', async () => {
    const work = tempDir('ratchet-archive-race-');
    const id = '2026-11-28T0600Z';
    const entries = ['a', 'b', 'c', 'd'].map((tag) => {
      const staging = path.join(work, tag);
      const pages = path.join(staging, 'snapshots', id);
      mkdirSync(pages, { recursive: true });
      for (let i = 0; i < 40; i++) writeFileSync(path.join(pages, `page-${i}.html`), `<p>${tag} ${i}</p>`);
      writeFileSync(path.join(pages, 'index.html'), `<p>${tag}</p>`);
      writeFileSync(path.join(staging, 'snapshot.json'), `{"from":"${tag}"}`);
      return { id, pagesDir: pages, snapshotFile: path.join(staging, 'snapshot.json'), stagingRoot: staging, base: '/', site: 'https://x', renderedBy: tag };
    });
    const archive = new DirectoryArchive(path.join(work, 'archive'));
    const results = await Promise.allSettled(entries.map((e) => archive.add(e)));
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/already archived|archived by another build meanwhile/);
    // The published entry is whole, and it is the winner's.
    expect(await archive.verify(id)).toEqual([]);
    const manifest = await archive.manifest(id);
    expect(manifest?.renderedBy).toBe((won[0] as PromiseFulfilledResult<{ renderedBy: string }>).value.renderedBy);
    expect(readFileSync(path.join(archive.pagesDir(id), 'index.html'), 'utf8')).toBe(`<p>${manifest!.renderedBy}</p>`);
  });
});
