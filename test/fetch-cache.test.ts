/**
 * The run cache survives what real fetches meet: a fetch killed mid-way (SIGKILL) leaves only whole records and
 * the next fetch goes on from them; damaged or half-written files are read again rather than trusted; the small
 * summary at the start of each file answers "fetch again?" and retention without parsing the tests.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheOf, fetchWith, staged } from './support/plans.ts';
import { RunCache, summarize } from '../src/ingest/run-cache.ts';
import { COLUMNS_MAGIC, decodeColumns } from '../src/ingest/run-cache-layout.ts';
import { RUN_RECORD_VERSION, type RunRecord, type TestResult } from '../src/ingest/run-record.ts';
import { AS_OF_ISO, AS_OF_S, BUCKET, JOB } from './support/constants.ts';
import { useGcsTestServer } from './support/gcs-harness.ts';
import { tempDir, writeTree, type TreeRun } from './support/prow-tree.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const RUNS = 40;

function record(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    recordVersion: RUN_RECORD_VERSION,
    job: JOB,
    buildId: '1900000000000000001',
    kind: 'periodic',
    path: `logs/${JOB}/1900000000000000001/`,
    started: '2026-11-20T00:00:00.000Z',
    finished: '2026-11-20T01:00:00.000Z',
    result: 'success',
    final: true,
    complete: true,
    variants: { platform: 'aws' },
    tests: [{ suite: 's', name: 'a } "tricky" {name', status: 'pass', durationSec: 1 }],
    disruption: [],
    problems: [{ object: 'x', kind: 'fetch', reason: 'HTTP 503' }],
    objectsRead: 3,
    bytesRead: 1234,
    inputsDigest: '0123456789abcdef0123456789abcdef',
    ...overrides,
  };
}

function cacheFiles(dir: string): string[] {
  const runs = path.join(dir, 'runs');
  if (!existsSync(runs)) return [];
  return readdirSync(runs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('run cache files', () => {
  it('keeps a summary first in each file, readable without reading the record', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    const stored = record({ final: false, fingerprint: 'abc123' });
    const summary = await cache.put(stored);
    expect(summary).toEqual(summarize(stored));
    expect(summary).toMatchObject({ job: JOB, final: false, complete: true, fingerprint: 'abc123', fetchProblems: 1 });
    expect(await cache.getSummary(JOB, stored.buildId)).toEqual(summary);
    // Layout 3: the layout's line, the summary's, then the record; get() returns exactly what was put.
    const file = cacheFiles(cache.dir)[0]!;
    const bytes = readFileSync(file);
    const lines = bytes.toString('utf8').split('\n');
    expect(`${lines[0]}\n`).toBe(COLUMNS_MAGIC);
    expect(JSON.parse(lines[1]!)).toEqual({ ...summary, fileBytes: bytes.length });
    expect(JSON.parse(lines[2]!)).toMatchObject({ result: 'success', testColumns: { count: 1 } });
    expect(await cache.get(JOB, stored.buildId)).toEqual(stored);
  });

  it('gives back exactly the tests it stored: suites, statuses, durations, names and messages of any kind', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    const tests: TestResult[] = [
      { suite: 'b', name: '', status: 'skip', durationSec: 0 },
      { suite: 'b', name: 'line\nbreak, "quotes", \\ and \u0000', status: 'fail', durationSec: 0.1 + 0.2, message: 'boom\n  at x' },
      { suite: '', name: 'ünïcödé ✓ 😀 – CJK 测试', status: 'flake', durationSec: 1e-7, message: '' },
      { suite: 'a', name: 'a', status: 'pass', durationSec: 123456.789 },
      { suite: 'b', name: 'back to b', status: 'pass', durationSec: -0, message: 'a message on a pass' },
      ...Array.from({ length: 300 }, (_, i): TestResult => ({ suite: `s${i % 3}`, name: `t${i} ${'x'.repeat(i)}`, status: 'pass', durationSec: i / 7 })),
    ];
    const stored = record({ tests, problems: [], variants: { platform: 'gcp', upgrade: 'micro' }, pull: 12 });
    await cache.put(stored);
    const got = await cache.get(JOB, stored.buildId);
    expect(got).toEqual(stored);
    expect(Object.is(got!.tests[4]!.durationSec, -0)).toBe(true);
    expect(got!.tests.map((t) => Object.keys(t))).toEqual(tests.map((t) => Object.keys(t)));
    const empty = record({ buildId: '2', tests: [] });
    await cache.put(empty);
    expect(await cache.get(JOB, '2')).toEqual(empty);
  });

  it('writes a record with a lone surrogate in a name as JSON, which keeps it', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    const stored = record({ tests: [{ suite: 's', name: 'half \ud800 a pair', status: 'fail', durationSec: 1, message: 'x\udc00' }] });
    const summary = await cache.put(stored);
    const file = cacheFiles(cache.dir)[0]!;
    expect(readFileSync(file, 'utf8').startsWith('{"summary":{')).toBe(true);
    expect(await cache.get(JOB, stored.buildId)).toEqual(stored);
    expect(await cache.getSummary(JOB, stored.buildId)).toEqual(summary);
  });

  it('reads files of the earlier layouts: the record alone, and the record with its summary spliced in first', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    const stored = record();
    await cache.put(stored);
    const file = cacheFiles(cache.dir)[0]!;
    writeFileSync(file, JSON.stringify(stored));
    expect(await cache.get(JOB, stored.buildId)).toEqual(stored);
    expect(await cache.getSummary(JOB, stored.buildId)).toEqual(summarize(stored));
    // Layout 2, as the previous version wrote it.
    const summary = summarize(stored);
    const body = JSON.stringify(stored).slice(1);
    let fileBytes = 0;
    for (let i = 0; i < 3; i++) fileBytes = Buffer.byteLength(`{"summary":${JSON.stringify({ ...summary, fileBytes })},${body}`);
    writeFileSync(file, `{"summary":${JSON.stringify({ ...summary, fileBytes })},${body}`);
    expect(await cache.get(JOB, stored.buildId)).toEqual(stored);
    expect(await cache.getSummary(JOB, stored.buildId)).toEqual(summary);
  });

  it('fetches again a file of a record version it does not know, in any layout', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    const older = { ...record(), recordVersion: 2 } as unknown as RunRecord;
    await cache.put(older);
    expect(await cache.get(JOB, older.buildId)).toBeUndefined();
    expect(await cache.getSummary(JOB, older.buildId)).toBeUndefined();
    writeFileSync(cacheFiles(cache.dir)[0]!, JSON.stringify(older));
    expect(await cache.get(JOB, older.buildId)).toBeUndefined();
    expect(await cache.getSummary(JOB, older.buildId)).toBeUndefined();
  });

  it('treats a damaged or half-written record as absent, and ignores temporary files', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    const stored = record({
      tests: Array.from({ length: 20 }, (_, i) => ({ suite: 's', name: `test ${i}`, status: 'fail', durationSec: i, message: `m${i}` })),
    });
    await cache.put(stored);
    const file = cacheFiles(cache.dir)[0]!;
    const bytes = readFileSync(file);
    // Cut inside the tests, the record's line and the summary; a byte more.
    for (const bad of [
      bytes.subarray(0, bytes.length - 10),
      bytes.subarray(0, bytes.indexOf('testColumns')),
      bytes.subarray(0, 30),
      Buffer.concat([bytes, Buffer.from('x')]),
    ]) {
      writeFileSync(file, bad);
      expect(await cache.get(JOB, stored.buildId)).toBeUndefined();
      expect(await cache.getSummary(JOB, stored.buildId)).toBeUndefined();
    }
    // Lengths that do not add up, in a file of the right size: the summary alone cannot tell, the record can.
    writeFileSync(file, Buffer.from(bytes.toString('latin1').replace('"nameBytes":[6,', '"nameBytes":[7,'), 'latin1'));
    expect(await cache.get(JOB, stored.buildId)).toBeUndefined();
    writeFileSync(`${file}.123.1.tmp`, bytes.subarray(0, 50));
    writeFileSync(file, bytes);
    const all: RunRecord[] = [];
    for await (const r of cache.records()) all.push(r);
    expect(all).toEqual([stored]);
  });

  it('finds no record in columns that contradict each other', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    const stored = record({ tests: [{ suite: 's', name: 'a', status: 'pass', durationSec: 1 }] });
    await cache.put(stored);
    const good = readFileSync(cacheFiles(cache.dir)[0]!);
    expect(decodeColumns(good)).toEqual(stored);
    for (const [from, to] of [
      ['"count":1', '"count":2'],
      ['"status":"p"', '"status":"x"'],
      ['[["s",1]]', '[["s",0]]'],
      ['"messages":[]', '"messages":[0]'],
    ] as const) {
      const text = good.toString('latin1');
      expect(text).toContain(from);
      expect(decodeColumns(Buffer.from(text.replace(from, to), 'latin1')), to).toBeUndefined();
    }
  });

  it('prunes runs that started before the cutoff, and keeps runs without a start', async () => {
    const cache = new RunCache(tempDir('ratchet-cache-'), 'k');
    await cache.put(record({ buildId: '1', started: '2026-10-01T00:00:00.000Z' }));
    await cache.put(record({ buildId: '2', started: '2026-11-20T00:00:00.000Z' }));
    await cache.put(record({ buildId: '3', started: null }));
    expect(await cache.prune(new Date('2026-11-01T00:00:00Z'))).toBe(1);
    const left: string[] = [];
    for await (const r of cache.records()) left.push(r.buildId);
    expect(left).toEqual(['2', '3']);
  });
});

describe('a fetch killed mid-way', () => {
  const gcs = useGcsTestServer({
    fill: (root) => {
      const runs: TreeRun[] = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push({
          job: JOB,
          buildId: String(1900000000000000100n + BigInt(i)),
          start: AS_OF_S - (i + 1) * 3 * 3600,
          tests: Array.from({ length: 50 }, (_, k) => ({ name: `test ${k}`, status: (k + i) % 17 === 0 ? 'fail' : 'pass' })),
        });
      }
      writeTree(root, runs, BUCKET);
    },
    // Slow downloads, so that the kill lands while runs are being read and written.
    faults: ({ kind }) => (kind === 'media' ? { kind: 'slow', delayMs: 40 } : undefined),
  });

  it('leaves a cache the next fetch continues from, with every record whole', async () => {
    const out = tempDir('ratchet-kill-out-');
    const configFile = path.join(out, 'ratchet.config.json');
    writeFileSync(configFile, '{}');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'scripts', 'ratchet.js'),
        'fetch',
        '--config',
        configFile,
        '--source',
        `gs://${BUCKET}`,
        '--gcs-endpoint',
        gcs.server.url,
        '--out',
        out,
        '--as-of',
        AS_OF_ISO,
        '--concurrency',
        '2',
        '--quiet',
      ],
      { cwd: out, stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const cacheRoot = path.join(out, 'cache');
    const deadline = Date.now() + 60_000;
    // Kill it once a few records are in, well before the end.
    while (Date.now() < deadline) {
      const key = existsSync(cacheRoot) ? readdirSync(cacheRoot)[0] : undefined;
      if (key && cacheFiles(path.join(cacheRoot, key)).filter((f) => f.endsWith('.json')).length >= 4) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const key = readdirSync(cacheRoot)[0]!;
    const files = cacheFiles(path.join(cacheRoot, key)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.length).toBeLessThan(RUNS);
    // Every record file present is whole.
    for (const file of files) expect(decodeColumns(readFileSync(file)), file).toBeDefined();

    // The next fetch reads only what is missing and ends with every run, as a clean fetch of the tree would.
    const source = gcs.source();
    const settings = staged(source, { out });
    const report = await fetchWith(settings);
    expect(report.stats.runsFound).toBe(RUNS);
    expect(report.stats.runsFromCache).toBe(files.length);
    expect(report.stats.runsFetched).toBe(RUNS - files.length);
    expect(cacheOf(settings).dir).toBe(path.join(cacheRoot, key));

    const reference = staged(gcs.source(), { out: tempDir('ratchet-kill-ref-') });
    await fetchWith(reference);
    const got: RunRecord[] = [];
    for await (const r of cacheOf(settings).records()) got.push(r);
    const want: RunRecord[] = [];
    for await (const r of cacheOf(reference).records()) want.push(r);
    expect(got).toEqual(want);
  }, 120_000);
});
