/**
 * Fault injection, the file system misbehaving (node:fs/promises wrapped so a test can make it so): a write cut
 * short by a full disk is never renamed into place; a full disk or a refused write ends `ratchet` with a message
 * that says what and where (no stack trace) and leaves what was published alone; a local listing walks its tree
 * once, however many pages it is read in. Before the fix the short file became a cache record, ENOSPC printed a raw
 * stack, and every 1,000-entry page walked the tree again (quadratic).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../src/ingest/run-record.ts';

/** What the wrapped file system does: count directory reads, cut writes short, or fail writes under a path. */
const fault = {
  readdirCalls: 0,
  /** Writes through a file handle write half of what they are given, then fail with ENOSPC. */
  shortWrites: false,
  /** Opening a file for writing (or creating a directory) under this path fails with this code. */
  failUnder: undefined as string | undefined,
  failCode: 'ENOSPC',
};

function errno(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EACCES: 'permission denied' };
  const error = new Error(`${code}: ${messages[code] ?? code}, ${syscall} '${file}'`) as NodeJS.ErrnoException;
  error.code = code;
  error.syscall = syscall;
  error.path = file;
  return error;
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const failing = (file: unknown): boolean => fault.failUnder !== undefined && String(file).startsWith(fault.failUnder);
  const wrapHandle = (handle: FsPromises.FileHandle): FsPromises.FileHandle => {
    let cut = false;
    const shorten = async (data: Uint8Array): Promise<number> => {
      if (cut) throw errno('ENOSPC', 'write', 'temp file');
      cut = true;
      const half = data.subarray(0, Math.floor(data.length / 2));
      await handle.write(half);
      return half.length;
    };
    return new Proxy(handle, {
      get(target, key, receiver) {
        if (fault.shortWrites && key === 'writev') {
          return async (buffers: Uint8Array[]) => ({ bytesWritten: await shorten(Buffer.concat(buffers)), buffers });
        }
        if (fault.shortWrites && key === 'write') {
          return async (data: Uint8Array, offset = 0, length = data.length - offset) => ({
            bytesWritten: await shorten(data.subarray(offset, offset + length)),
            buffer: data,
          });
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  const wrapped = {
    ...real,
    readdir: (async (...args: Parameters<typeof real.readdir>) => {
      fault.readdirCalls++;
      return real.readdir(...args);
    }) as typeof real.readdir,
    open: (async (file: FsPromises.FileHandle | string, flags?: string, mode?: number) => {
      if (flags !== undefined && flags !== 'r' && failing(file)) throw errno(fault.failCode, 'open', String(file));
      return wrapHandle(await real.open(file as string, flags, mode));
    }) as typeof real.open,
    writeFile: (async (file: Parameters<typeof real.writeFile>[0], ...rest: [never, never?]) => {
      if (failing(file)) throw errno(fault.failCode, 'open', String(file));
      return real.writeFile(file, ...rest);
    }) as typeof real.writeFile,
    mkdir: (async (dir: Parameters<typeof real.mkdir>[0], options?: Parameters<typeof real.mkdir>[1]) => {
      if (failing(dir) && fault.failCode !== 'ENOSPC') throw errno(fault.failCode, 'mkdir', String(dir));
      return real.mkdir(dir, options);
    }) as typeof real.mkdir,
  };
  return { ...wrapped, default: wrapped };
});

const { RunCache } = await import('../src/ingest/run-cache.ts');
const { createLocalSource } = await import('../src/source/local-source.ts');
const { listAll } = await import('../src/source/source.ts');
const { main } = await import('../src/cli/main.ts');
const { RUN_RECORD_VERSION } = await import('../src/ingest/run-record.ts');
const { tempDir, writeTree } = await import('./support/prow-tree.ts');
const { AS_OF_S } = await import('./support/constants.ts');

afterEach(() => {
  Object.assign(fault, { readdirCalls: 0, shortWrites: false, failUnder: undefined, failCode: 'ENOSPC' });
});

/** Runs main() with stdout and stderr captured. */
async function ratchet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function smallTree(): string {
  const tree = tempDir('ratchet-disk-tree-');
  writeTree(
    tree,
    Array.from({ length: 4 }, (_, i) => ({
      job: 'periodic-ci-example-e2e-aws',
      buildId: String(1900000000000000000n + BigInt(i)),
      start: AS_OF_S - 86_400 - i * 3600,
      tests: [{ name: 'a test', status: 'pass' as const }],
    })),
  );
  return tree;
}

describe('a write cut short by a full disk', () => {
  it('is never renamed into place as a cache record', async () => {
    const cache = new RunCache(tempDir('ratchet-short-'), 'k');
    const record: RunRecord = {
      recordVersion: RUN_RECORD_VERSION,
      job: 'job-a',
      buildId: '1',
      kind: 'periodic',
      path: 'logs/job-a/1/',
      started: '2026-11-20T00:00:00.000Z',
      finished: '2026-11-20T01:00:00.000Z',
      result: 'success',
      final: true,
      complete: true,
      variants: {},
      tests: Array.from({ length: 200 }, (_, i) => ({ suite: 's', name: `test ${i}`, status: 'pass' as const, durationSec: 1 })),
      disruption: [],
      problems: [],
      objectsRead: 1,
      bytesRead: 1,
      inputsDigest: 'd',
    };
    fault.shortWrites = true;
    await expect(cache.put(record)).rejects.toMatchObject({ code: 'ENOSPC' });
    fault.shortWrites = false;
    const runs = path.join(cache.dir, 'runs', 'job-a');
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual([]);
    expect(await cache.getSummary('job-a', '1')).toBeUndefined();
  });
});

describe('a full disk or a refused write', () => {
  it('ends the run with exit code 1 and a message that says what to do, without a stack trace; the published site stays', async () => {
    const tree = smallTree();
    const out = tempDir('ratchet-enospc-');
    const first = await ratchet(['fetch', '--source', tree, '--out', out, '--quiet', '--workers', '0', '--as-of', '2026-11-28T06:00:00Z']);
    expect(first.code).toBe(0);
    mkdirSync(path.join(out, 'site'), { recursive: true });
    writeFileSync(path.join(out, 'site', 'index.html'), 'published');

    fault.failUnder = path.join(out, 'cache');
    const full = await ratchet(['fetch', '--source', tree, '--out', out, '--quiet', '--workers', '0', '--as-of', '2026-11-29T06:00:00Z']);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^ratchet: no space left on the device writing .*cache.*: free some space/m);
    expect(full.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path.join(out, 'site', 'index.html'), 'utf8')).toBe('published');

    fault.failCode = 'EACCES';
    fault.failUnder = path.join(out, 'snapshots');
    const refused = await ratchet(['analyze', '--source', tree, '--out', out, '--quiet', '--as-of', '2026-11-28T06:00:00Z']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ratchet: permission denied .*snapshots.*: check that you may write there/m);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('listing a local tree', () => {
  it('walks the tree once per listing, not once per page', async () => {
    const root = tempDir('ratchet-walk-');
    for (let d = 0; d < 30; d++) {
      const dir = path.join(root, 'logs', 'job', '1', 'artifacts', `d${d}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(path.join(dir, `f${f}.txt`), '');
    }
    const source = createLocalSource(root);
    fault.readdirCalls = 0;
    let names = 0;
    let pages = 0;
    for await (const page of listAll(source, 'logs/job/1/', { maxResults: 1000 })) {
      names += page.objects.length;
      pages++;
    }
    expect({ names, pages }).toEqual({ names: 3000, pages: 3 });
    // logs/job/1/, artifacts/ and its 30 folders: 32 directories, each read once.
    expect(fault.readdirCalls).toBe(32);
  });
});
