/**
 * The archive store, each kind through the one interface: a directory, a git branch (git+file://) and GCS (the
 * test server). Entries go in whole and come back byte for byte, checked against their manifests; the head is the
 * newest snapshot pushed; a push that is cut short leaves the store as it was; a git push rejected because another
 * run pushed first is built again on top of it, and both entries are kept.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../src/store/archive-store.ts';
import { derivedPublicUrl, openArchiveStore } from '../src/store/open-archive-store.ts';
import { DirectoryArchive } from '../src/store/archive.ts';
import { useGcsTestServer } from './support/gcs-harness.ts';
import { tempDir } from './support/prow-tree.ts';
import { treeHashes } from './support/tree-hashes.ts';

const gcs = useGcsTestServer({ bucket: 'ratchet-store' });

/** A local archive with entries rendered from a fake staging tree: pages, a shared asset, a gzip document. */
async function archiveWith(ids: string[], tag = 'a'): Promise<DirectoryArchive> {
  const work = tempDir('ratchet-store-src-');
  const archive = new DirectoryArchive(path.join(work, 'archive'));
  for (const id of ids) {
    const staging = path.join(work, `staging-${id}`);
    const pages = path.join(staging, 'snapshots', id);
    mkdirSync(path.join(pages, 'jobs', 'job-a'), { recursive: true });
    mkdirSync(path.join(staging, '_astro'), { recursive: true });
    writeFileSync(path.join(staging, '_astro', 'Base.abc123.css'), 'body{color:#123}');
    writeFileSync(path.join(staging, '_astro', `page.${id.slice(11, 15)}.js`), 'export {}');
    writeFileSync(
      path.join(pages, 'index.html'),
      `<link href="/_astro/Base.abc123.css"><script src="/_astro/page.${id.slice(11, 15)}.js"></script><p>${tag} ${id}</p>`,
    );
    writeFileSync(path.join(pages, 'jobs', 'job-a', 'index.html'), `<p>job a in ${id}</p>`);
    writeFileSync(path.join(pages, 'summary.json'), JSON.stringify({ id }));
    writeFileSync(path.join(pages, 'snapshot.json.gz'), (await import('node:zlib')).gzipSync(`{"id":"${id}"}`));
    writeFileSync(path.join(staging, 'snapshot.json'), `{"id":"${id}","tag":"${tag}"}\n`);
    await archive.add({
      id,
      pagesDir: pages,
      snapshotFile: path.join(staging, 'snapshot.json'),
      stagingRoot: staging,
      base: '/',
      site: 'https://x',
      renderedBy: tag,
    });
  }
  return archive;
}

function bareRepo(): string {
  const repo = path.join(tempDir('ratchet-store-git-'), 'store.git');
  execFileSync('git', ['init', '--bare', '-q', repo]);
  return repo;
}

const kinds: Array<[string, () => string]> = [
  ['a directory', () => path.join(tempDir('ratchet-store-dir-'), 'store')],
  ['a git branch', () => `git+file://${bareRepo()}#ratchet-archive`],
  ['a GCS bucket', () => `gs://ratchet-store/archive-${Math.random().toString(36).slice(2)}`],
];

async function open(url: string): Promise<ArchiveStore> {
  return openArchiveStore(url, { gcsEndpoint: gcs.server.url, gcsRetries: 0, workDir: tempDir('ratchet-store-work-') });
}

describe.each(kinds)('an archive store in %s', (_label, makeUrl) => {
  it('keeps entries whole and gives them back byte for byte, with their assets and the newest head', async () => {
    const url = makeUrl();
    const ids = ['2026-11-27T0600Z', '2026-11-27T0800Z', '2026-11-28T0600Z'];
    const local = await archiveWith(ids);
    const store = await open(url);
    try {
      expect(await store.catalog()).toEqual({ ids: [], assets: [], head: null, locations: {} });
      const first = await store.push({ archive: local, ids: ids.slice(0, 2), head: { id: ids[1]!, file: local.snapshotFile(ids[1]!) } });
      expect(first).toMatchObject({ added: ids.slice(0, 2), present: [], head: 'replaced' });
      const second = await store.push({ archive: local, ids, head: { id: ids[2]!, file: local.snapshotFile(ids[2]!) } });
      expect(second).toMatchObject({ added: [ids[2]], present: ids.slice(0, 2), head: 'replaced' });
      // An older head never replaces a newer one.
      expect((await store.push({ archive: local, ids: [], head: { id: ids[0]!, file: local.snapshotFile(ids[0]!) } })).head).toBe('kept');
    } finally {
      await store.close();
    }

    // Another process, another machine: a fresh local archive filled from the store alone.
    const reader = await open(url);
    try {
      const catalog = await reader.catalog();
      expect(catalog.ids).toEqual(ids);
      expect(catalog.head).toBe(ids[2]);
      expect(catalog.assets).toEqual(['_astro/Base.abc123.css', '_astro/page.0600.js', '_astro/page.0800.js']);
      const restored = new DirectoryArchive(tempDir('ratchet-store-restored-'));
      await reader.restoreEntries(ids, restored);
      await reader.restoreAssets(catalog.assets, restored);
      for (const id of ids) {
        expect(await treeHashes(restored.pagesDir(id)), id).toEqual(await treeHashes(local.pagesDir(id)));
        expect(await restored.manifest(id)).toEqual(await local.manifest(id));
        expect(await restored.verify(id)).toEqual([]);
      }
      expect(await treeHashes(restored.assetsDir)).toEqual(await treeHashes(local.assetsDir));
      const head = await reader.readHead();
      expect(head?.id).toBe(ids[2]);
      expect(head?.json.equals(readFileSync(local.snapshotFile(ids[2]!)))).toBe(true);
    } finally {
      await reader.close();
    }
  });
});

describe('pushes that fail or race', () => {
  it('a push cut short (GCS uploads failing) adds nothing: the entry is absent, the store as it was, and the next push completes it', async () => {
    const url = `gs://ratchet-store/cut-${Math.random().toString(36).slice(2)}`;
    const local = await archiveWith(['2026-11-27T0600Z', '2026-11-28T0600Z']);
    const store = await open(url);
    try {
      await store.push({ archive: local, ids: ['2026-11-27T0600Z'], head: null });
      const before = await store.catalog();
      // Every upload of a manifest fails: the pages may be there, the entry is not.
      gcs.server.setFaults((c) => (c.kind === 'upload' && /manifests%2F|manifests\//.test(c.url) ? { kind: '503' } : undefined));
      await expect(store.push({ archive: local, ids: ['2026-11-28T0600Z'], head: null })).rejects.toThrow();
      expect(await store.catalog()).toEqual(before);
      gcs.server.setFaults(undefined);
      expect((await store.push({ archive: local, ids: ['2026-11-28T0600Z'], head: null })).added).toEqual(['2026-11-28T0600Z']);
      expect((await store.catalog()).ids).toEqual(['2026-11-27T0600Z', '2026-11-28T0600Z']);
    } finally {
      await store.close();
    }
  });

  it('git: a push rejected because another run pushed first is built again on top of it, and both entries are kept', async () => {
    const url = `git+file://${bareRepo()}#ratchet-archive`;
    const a = await archiveWith(['2026-11-28T0600Z'], 'a');
    const b = await archiveWith(['2026-11-28T0800Z'], 'b');
    await (async () => {
      const seed = await open(url);
      await seed.push({ archive: await archiveWith(['2026-11-27T0600Z'], 'seed'), ids: ['2026-11-27T0600Z'], head: null });
      await seed.close();
    })();
    const [runA, runB] = [await open(url), await open(url)];
    try {
      // Both read the store, then A pushes: B's view is stale, so its first push is refused.
      await runA.catalog();
      await runB.catalog();
      expect((await runA.push({ archive: a, ids: ['2026-11-28T0600Z'], head: null })).attempts).toBe(1);
      const pushedB = await runB.push({ archive: b, ids: ['2026-11-28T0800Z'], head: null });
      expect(pushedB.attempts).toBe(2);
      expect(pushedB.added).toEqual(['2026-11-28T0800Z']);
    } finally {
      await runA.close();
      await runB.close();
    }
    const reader = await open(url);
    try {
      const catalog = await reader.catalog();
      expect(catalog.ids).toEqual(['2026-11-27T0600Z', '2026-11-28T0600Z', '2026-11-28T0800Z']);
      const restored = new DirectoryArchive(tempDir('ratchet-store-restored-'));
      await reader.restoreEntries(catalog.ids, restored);
      expect(readFileSync(path.join(restored.pagesDir('2026-11-28T0600Z'), 'index.html'), 'utf8')).toContain('<p>a 2026-11-28T0600Z</p>');
      expect(readFileSync(path.join(restored.pagesDir('2026-11-28T0800Z'), 'index.html'), 'utf8')).toContain('<p>b 2026-11-28T0800Z</p>');
    } finally {
      await reader.close();
    }
  });

  it('refuses an entry whose pages do not match its manifest, and restores nothing of it', async () => {
    const storeDir = path.join(tempDir('ratchet-store-dir-'), 'store');
    const local = await archiveWith(['2026-11-28T0600Z']);
    const store = await open(storeDir);
    await store.push({ archive: local, ids: ['2026-11-28T0600Z'], head: null });
    // Damage one blob in the store.
    const manifest = (await local.manifest('2026-11-28T0600Z'))!;
    const blob = path.join(storeDir, 'blobs', manifest.files['index.html']!);
    rmSync(blob, { force: true });
    writeFileSync(blob, '<p>tampered</p>');
    const restored = new DirectoryArchive(tempDir('ratchet-store-restored-'));
    await expect(store.restoreEntries(['2026-11-28T0600Z'], restored)).rejects.toThrow(/index\.html from the store has sha-256 .* its manifest says/);
    expect(await restored.ids()).toEqual([]);
    await store.close();
  });
});

describe('public URLs', () => {
  it('are derived for github.com repositories and GCS buckets, and not for other stores', () => {
    expect(derivedPublicUrl('git+https://github.com/acme/ratchet-report.git#ratchet-archive')).toBe('https://raw.githubusercontent.com/acme/ratchet-report/');
    expect(derivedPublicUrl('git+git@github.com:acme/report.git#x')).toBe('https://raw.githubusercontent.com/acme/report/');
    expect(derivedPublicUrl('gs://bucket/some/prefix')).toBe('https://storage.googleapis.com/bucket/some/prefix/');
    expect(derivedPublicUrl('git+https://gitlab.example/acme/report.git#x')).toBeNull();
    expect(derivedPublicUrl('/srv/store')).toBeNull();
  });
});
