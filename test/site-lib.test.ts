/**
 * The site's TypeScript modules, without building pages: the loader's contract (validation, order,
 * RATCHET_RENDER_IDS), link building under a base path, and the wording rules (no data is never good).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isChartSpec, jobDailyChart, testDailyChart } from '../src/site/lib/charts.ts';
import { delta, duration, interval, percent, utcDateTime } from '../src/site/lib/format.ts';
import { externalUrl, makeHref } from '../src/site/lib/links.ts';
import { hasData, jobsByConcern, neighbours, topFailingTests, topFlakyTests } from '../src/site/lib/report.ts';
import {
  loadSnapshotsToRender, readSnapshotFile, readSnapshots, renderIdsFromEnv, SnapshotLoadError,
} from '../src/site/lib/snapshots.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/snapshots/', import.meta.url));
const LATEST = '2026-11-28T0600Z';

let tmp = '';
let latest: Snapshot;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ratchet-site-lib-'));
  latest = snapshotSchema.parse(JSON.parse(await readFile(path.join(FIXTURES, LATEST, 'snapshot.json'), 'utf8')));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeSnapshot(dir: string, id: string, body: unknown): Promise<string> {
  const file = path.join(dir, id, 'snapshot.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('snapshot loader', () => {
  const saved = { dir: process.env.RATCHET_SNAPSHOTS_DIR, ids: process.env.RATCHET_RENDER_IDS };
  afterEach(() => {
    for (const [key, value] of [['RATCHET_SNAPSHOTS_DIR', saved.dir], ['RATCHET_RENDER_IDS', saved.ids]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('reads the example snapshots, validated, newest first, ignoring non-snapshot entries', async () => {
    const all = await readSnapshots(FIXTURES);
    expect(all.map((s) => s.id)).toEqual(['2026-11-28T0600Z', '2026-11-27T0600Z', '2026-11-26T0600Z']);
  });

  it('names the file and the field when a snapshot breaks the schema', async () => {
    const dir = path.join(tmp, 'bad-schema');
    const broken = { ...latest, headline: { ...latest.headline, jobs: 'four' } };
    const file = await writeSnapshot(dir, LATEST, broken);
    const err = await readSnapshots(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotLoadError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('headline.jobs');
  });

  it('names the file when it is not JSON, or when its id disagrees with its directory', async () => {
    const dir = path.join(tmp, 'bad-json');
    const file = await writeSnapshot(dir, LATEST, '{"schemaVersion": 1,');
    await expect(readSnapshotFile(file, LATEST)).rejects.toThrow(`${file}: not valid JSON`);
    const other = await writeSnapshot(path.join(tmp, 'moved'), '2026-11-29T0600Z', latest);
    await expect(readSnapshotFile(other, '2026-11-29T0600Z')).rejects.toThrow(/differs from its directory/);
  });

  it('refuses job names that cannot be a single URL segment', async () => {
    const job = latest.jobs[0]!;
    const file = await writeSnapshot(path.join(tmp, 'unsafe'), LATEST, { ...latest, jobs: [{ ...job, name: '../../etc' }] });
    await expect(readSnapshotFile(file, LATEST)).rejects.toThrow(/cannot be a URL segment/);
  });

  it('fails clearly when the directory does not exist', async () => {
    await expect(readSnapshots(path.join(tmp, 'nowhere'))).rejects.toThrow(/RATCHET_SNAPSHOTS_DIR/);
  });

  it('parses RATCHET_RENDER_IDS: unset is all, empty is none', () => {
    expect(renderIdsFromEnv({})).toBeNull();
    expect(renderIdsFromEnv({ RATCHET_RENDER_IDS: '' })).toEqual(new Set());
    expect(renderIdsFromEnv({ RATCHET_RENDER_IDS: ' a, b ,,' })).toEqual(new Set(['a', 'b']));
  });

  it('renders only the requested snapshots, and rejects ids that do not exist', async () => {
    process.env.RATCHET_SNAPSHOTS_DIR = FIXTURES;
    process.env.RATCHET_RENDER_IDS = '2026-11-27T0600Z';
    expect((await loadSnapshotsToRender()).map((s) => s.id)).toEqual(['2026-11-27T0600Z']);
    delete process.env.RATCHET_RENDER_IDS;
    expect(await loadSnapshotsToRender()).toHaveLength(3);
    process.env.RATCHET_RENDER_IDS = '2026-11-27T0600Z,2030-01-01T0000Z';
    await expect(loadSnapshotsToRender()).rejects.toThrow(/2030-01-01T0000Z/);
  });
});

describe('links', () => {
  it('prefixes the base, encodes each segment and ends with a slash', () => {
    const href = makeHref('/ratchet/');
    expect(href()).toBe('/ratchet/');
    expect(href('snapshots', LATEST, 'jobs', 'a b/c')).toBe(`/ratchet/snapshots/${LATEST}/jobs/a%20b%2Fc/`);
    expect(makeHref('/ratchet')('latest')).toBe('/ratchet/latest/');
    expect(makeHref('/')('snapshots')).toBe('/snapshots/');
    expect(() => href('snapshots', '')).toThrow(/empty path segment/);
  });

  it('only lets http(s) run URLs become links', () => {
    expect(externalUrl('https://prow.ci.openshift.org/view/gs/x/1')).toBe('https://prow.ci.openshift.org/view/gs/x/1');
    expect(externalUrl('javascript:alert(1)')).toBeUndefined();
    expect(externalUrl(' JaVaScRiPt:alert(1)')).toBeUndefined();
    expect(externalUrl('data:text/html,<script>')).toBeUndefined();
    expect(externalUrl('not a url')).toBeUndefined();
  });
});

describe('formatting', () => {
  it('shows unknown rates as a dash, never as 0 % or 100 %', () => {
    expect(percent(null)).toBe('—');
    expect(percent(0.96296)).toBe('96.3%');
    expect(interval(null)).toBe('');
    expect(interval([0.817, 0.993])).toBe('81.7–99.3%');
  });

  it('gives every change an arrow shape and a signed number, not only a colour', () => {
    expect(delta(14.2, 'up')).toMatchObject({ arrow: '▲', text: '+14.2 pp', direction: 'up', label: 'up 14.2 points' });
    expect(delta(-23.8)).toMatchObject({ arrow: '▼', text: '\u221223.8 pp', direction: 'down' });
    expect(delta(1.5)).toMatchObject({ arrow: '▬', text: '+1.5 pp', direction: 'flat' });
    expect(delta(0)).toMatchObject({ text: '0.0 pp', label: 'flat (no change)' });
    expect(delta(null)).toMatchObject({ arrow: '', text: '—', direction: 'unknown' });
  });

  it('speaks UTC', () => {
    expect(utcDateTime('2026-11-28T06:00:00Z')).toBe('2026-11-28 06:00 UTC');
    expect(utcDateTime(null)).toBe('—');
    expect(duration('2026-11-28T01:00:00Z', '2026-11-28T02:38:00Z')).toBe('1h 38m');
    expect(duration('2026-11-28T01:00:00Z', null)).toBe('—');
  });
});

describe('report views', () => {
  it('knows a snapshot without runs has no data', async () => {
    const [, , empty] = await readSnapshots(FIXTURES);
    expect(hasData(latest)).toBe(true);
    expect(hasData(empty!)).toBe(false);
  });

  it('orders jobs worst first, with stale before passing', () => {
    expect(jobsByConcern(latest.jobs).map((j) => j.status)).toEqual(['failing', 'degraded', 'stale', 'passing']);
  });

  it('picks top failing and flaky tests from the current window', () => {
    const failing = topFailingTests(latest);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((t, i, all) => t.current.failures > 0 && (i === 0 || all[i - 1]!.current.failures >= t.current.failures))).toBe(true);
    expect(topFlakyTests(latest, 2)).toHaveLength(2);
  });

  it('finds older and newer neighbours in a newest-first list', () => {
    expect(neighbours(['c', 'b', 'a'], 'b')).toEqual({ newer: 'c', older: 'a' });
    expect(neighbours(['c', 'b', 'a'], 'c')).toEqual({ older: 'b' });
    expect(neighbours(['c'], 'x')).toEqual({});
  });

  it('builds chart data with gaps for days without finished runs, and a matching table', () => {
    const chart = jobDailyChart([
      { date: '2026-11-02', runs: 2, success: 0, failure: 0, passRate: null },
      { date: '2026-11-01', runs: 4, success: 3, failure: 1, passRate: 0.75 },
    ]);
    expect(chart.spec).toEqual({ labels: ['2026-11-01', '2026-11-02'], series: [{ label: 'Pass rate', slot: 0, values: [75, null] }] });
    expect(chart.table.rows).toEqual([['2026-11-01', '4', '3', '1', '75.0%'], ['2026-11-02', '2', '0', '0', '—']]);
    expect(isChartSpec(chart.spec)).toBe(true);
    expect(isChartSpec({ labels: ['x'], series: [{ label: 'y', slot: 0, values: ['1'] }] })).toBe(false);
    const tests = testDailyChart([{ date: '2026-11-01', runs: 4, passes: 2, failures: 1, flakes: 1 }]);
    expect(tests.spec.series.map((s) => s.values)).toEqual([[50], [75]]);
  });
});
