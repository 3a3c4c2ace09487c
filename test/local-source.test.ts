/** The local-directory source lists and reads like a bucket, and refuses names that escape it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalSource } from '../src/source/local-source.ts';
import { listAll, readText, SourceError, type BucketSource } from '../src/source/source.ts';
import { tempDir } from './support/prow-tree.ts';

describe('local source', () => {
  let root: string;
  let source: BucketSource;

  beforeAll(() => {
    root = tempDir();
    for (let i = 0; i < 25; i++) {
      const dir = path.join(root, 'logs', 'job-a', String(1000 + i));
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'started.json'), `{"timestamp": ${i}}`);
    }
    writeFileSync(path.join(root, 'logs', 'job-a', 'latest-build.txt'), '1024');
    mkdirSync(path.join(root, 'logs', 'job-b', '7', 'artifacts', 'x'), { recursive: true });
    writeFileSync(path.join(root, 'logs', 'job-b', '7', 'artifacts', 'x', 'junit.xml'), '<testsuite/>');
    source = createLocalSource(root, { bucket: 'my-bucket' });
  });

  it('lists sub-prefixes and objects with a delimiter, in name order', async () => {
    const page = await source.list('logs/', { delimiter: '/' });
    expect(page.prefixes).toEqual(['logs/job-a/', 'logs/job-b/']);
    expect(page.objects).toEqual([]);
    const builds = await source.list('logs/job-a/', { delimiter: '/' });
    expect(builds.prefixes).toHaveLength(25);
    expect(builds.objects.map((o) => o.name)).toEqual(['logs/job-a/latest-build.txt']);
  });

  it('pages with maxResults and pageToken without losing or repeating entries', async () => {
    const seen: string[] = [];
    let pages = 0;
    for await (const page of listAll(source, 'logs/job-a/', { delimiter: '/', maxResults: 7 })) {
      pages++;
      seen.push(...page.prefixes, ...page.objects.map((o) => o.name));
    }
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(26);
  });

  it('lists recursively without a delimiter and honours a partial-name prefix', async () => {
    const page = await source.list('logs/job-b/');
    expect(page.objects.map((o) => o.name)).toEqual(['logs/job-b/7/artifacts/x/junit.xml']);
    const partial = await source.list('logs/job-', { delimiter: '/' });
    expect(partial.prefixes).toEqual(['logs/job-a/', 'logs/job-b/']);
  });

  it('reads objects and reports missing ones as not-found', async () => {
    expect(await readText(source, 'logs/job-a/1003/started.json')).toBe('{"timestamp": 3}');
    await expect(readText(source, 'logs/job-a/9999/started.json')).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('refuses names that would escape the directory', async () => {
    await expect(readText(source, '../etc/passwd')).rejects.toBeInstanceOf(SourceError);
    await expect(readText(source, 'logs/../../x')).rejects.toMatchObject({ kind: 'invalid-name' });
    await expect(readText(source, '/etc/passwd')).rejects.toMatchObject({ kind: 'invalid-name' });
  });

  it('rejects a missing directory with a clear message', () => {
    expect(() => createLocalSource(path.join(root, 'nope'))).toThrow(/does not exist.*--source/);
  });
});
