/**
 * The site's TypeScript modules, without building pages: the loader's contract (validation, order,
 * RATCHET_RENDER_IDS), link building under a base path, and the wording rules (no data is never good).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isChartSpec, jobDailyChart, testDailyChart } from '../src/site/lib/charts.ts';
import { delta, duration, interval, percent, utcDateTime } from '../src/site/lib/format.ts';
import { compareInput, diffSnapshots, isCompareInput } from '../src/site/lib/diff.ts';
import { externalUrl, makeFileHref, makeHref } from '../src/site/lib/links.ts';
import { activeRegressions, bugMarkdown, byConcern, mdText, pValue } from '../src/site/lib/regressions.ts';
import { hasData, jobsByConcern, jobsNeedingAttention, topFailingTests, topFlakyTests } from '../src/site/lib/report.ts';
import {
  clearLoaderCache,
  loadCatalog,
  loadSnapshotsToRender,
  loadSummaries,
  readSnapshotFile,
  readSnapshots,
  renderIdsFromEnv,
  SnapshotLoadError,
} from '../src/site/lib/snapshots.ts';
import { parseSummary, summarise } from '../src/site/lib/summary.ts';
import { showable } from '../src/site/lib/text.ts';
import { searchTokens } from '../src/site-build/search-index.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { tempDir } from './support/prow-tree.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/snapshots/', import.meta.url));
const LATEST = '2026-11-28T0600Z';

let tmp = '';
let latest: Snapshot;

beforeAll(async () => {
  tmp = tempDir('ratchet-site-lib-');
  latest = snapshotSchema.parse(JSON.parse(await readFile(path.join(FIXTURES, LATEST, 'snapshot.json'), 'utf8')));
});

async function writeSnapshot(dir: string, id: string, body: unknown): Promise<string> {
  const file = path.join(dir, id, 'snapshot.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('snapshot loader', () => {
  const saved = { dir: process.env.RATCHET_SNAPSHOTS_DIR, ids: process.env.RATCHET_RENDER_IDS, archive: process.env.RATCHET_ARCHIVE_DIR };
  afterEach(() => {
    for (const [key, value] of [
      ['RATCHET_SNAPSHOTS_DIR', saved.dir],
      ['RATCHET_RENDER_IDS', saved.ids],
      ['RATCHET_ARCHIVE_DIR', saved.archive],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    clearLoaderCache();
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

  it('reads published snapshots from the archive, and their summaries without the whole snapshot', async () => {
    // A pruned snapshots directory holding only the newest; the archive holds an older one.
    const dir = path.join(tmp, 'pruned');
    await writeSnapshot(dir, LATEST, JSON.parse(await readFile(path.join(FIXTURES, LATEST, 'snapshot.json'), 'utf8')));
    const archive = path.join(tmp, 'archive');
    const older = '2026-11-27T0600Z';
    const entry = path.join(archive, 'snapshots', older);
    await mkdir(path.join(entry, 'pages'), { recursive: true });
    const olderSnapshot = JSON.parse(await readFile(path.join(FIXTURES, older, 'snapshot.json'), 'utf8'));
    await writeFile(path.join(entry, 'snapshot.json'), JSON.stringify(olderSnapshot));
    const stored = { ...summarise(snapshotSchema.parse(olderSnapshot), undefined), source: 'read from the archive' };
    await writeFile(path.join(entry, 'pages', 'summary.json'), JSON.stringify(stored));
    await writeFile(path.join(entry, 'manifest.json'), JSON.stringify({ format: 1, id: older, base: '/', site: 'x', renderedBy: 't', files: {}, assets: [] }));
    process.env.RATCHET_SNAPSHOTS_DIR = dir;
    process.env.RATCHET_ARCHIVE_DIR = archive;
    expect((await loadCatalog()).ids).toEqual([LATEST, older]);
    const summaries = await loadSummaries();
    expect(summaries.map((x) => x.id)).toEqual([LATEST, older]);
    expect(summaries[0]!.previous).toBe(older);
    expect(summaries[1]!.source).toBe('read from the archive');
    process.env.RATCHET_RENDER_IDS = '';
    expect(await loadSnapshotsToRender()).toEqual([]);
  });
});

describe('links', () => {
  it('builds file URLs (JSON, the feed) without a trailing slash', () => {
    expect(makeFileHref('/ratchet/')('snapshots', LATEST, 'jobs', 'a b', 'job.json')).toBe(`/ratchet/snapshots/${LATEST}/jobs/a%20b/job.json`);
    expect(makeFileHref('/')('feed.xml')).toBe('/feed.xml');
    expect(() => makeFileHref('/')()).toThrow(/empty path segment/);
  });

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

  it('puts jobs that need attention first and leaves passing ones to the jobs page', () => {
    expect(jobsNeedingAttention(latest.jobs).map((j) => j.status)).toEqual(['failing', 'degraded', 'stale']);
  });

  it('builds chart data with gaps for days without finished runs, and a matching table', () => {
    const chart = jobDailyChart([
      { date: '2026-11-02', runs: 2, success: 0, failure: 0, passRate: null },
      { date: '2026-11-01', runs: 4, success: 3, failure: 1, passRate: 0.75 },
    ]);
    expect(chart.spec).toEqual({
      kind: 'line',
      unit: 'percent',
      labels: ['2026-11-01', '2026-11-02'],
      series: [{ label: 'Pass rate', slot: 0, values: [75, null] }],
    });
    expect(chart.table.rows).toEqual([
      ['2026-11-01', '4', '3', '1', '75.0%'],
      ['2026-11-02', '2', '0', '0', '—'],
    ]);
    expect(isChartSpec(chart.spec)).toBe(true);
    expect(isChartSpec({ labels: ['x'], series: [{ label: 'y', slot: 0, values: ['1'] }] })).toBe(false);
    const tests = testDailyChart([{ date: '2026-11-01', runs: 4, passes: 2, failures: 1, flakes: 1 }]);
    expect(tests.spec.series.map((s) => s.values)).toEqual([[50], [75]]);
  });
});

describe('text from the data', () => {
  it('shows control characters and bidi overrides as visible symbols, keeping tabs and newlines', () => {
    expect(showable('a\u0000b\u001b[31mc\u0007\td\ne\u007f')).toBe('a␀b␛[31mc␇\td\ne␡');
    expect(showable('x\u202eexe.png')).toBe('x⟨U+202E⟩exe.png');
    expect(showable('plain')).toBe('plain');
  });

  it('indexes every hyphenated piece of a name for search', () => {
    const tokens = searchTokens('pull-ci-openshift-origin-main-e2e-aws-1234').split(' ');
    for (const piece of ['e2e-aws-1234', 'aws-1234', 'origin-main-e2e-aws-1234', 'pull-ci-openshift-origin-main-e2e-aws-1234', 'e2e', '1234'])
      expect(tokens).toContain(piece);
    expect(searchTokens('[sig-network] Services work')).toContain('sig-network');
  });
});

describe('regressions', () => {
  it('orders new before open before resolved, extreme first, smallest q first', () => {
    const list = byConcern(latest.regressions!.tests.filter((r) => r.mode === 'ratchet'));
    const rank = { new: 0, open: 1, resolved: 2 };
    expect(list.map((r) => rank[r.status])).toEqual([...list.map((r) => rank[r.status])].sort());
    expect(activeRegressions(latest).every((r) => r.status !== 'resolved' && r.mode === 'ratchet')).toBe(true);
  });

  it('writes p and q values readably', () => {
    expect(pValue(0.00048726)).toBe('4.9e-4');
    expect(pValue(0.0034108)).toBe('0.0034');
    expect(pValue(0.5)).toBe('0.5');
    expect(pValue(null)).toBe('—');
  });

  it('assembles Markdown for a bug in which data cannot become a link or HTML', () => {
    expect(mdText('[x](javascript:alert(1)) <b>*y*</b>')).toBe('\\[x\\]\\(javascript:alert\\(1\\)\\) \\<b\\>\\*y\\*\\</b\\>');
    const r = latest.regressions!.tests.find((x) => x.mode === 'ratchet' && x.status === 'open')!;
    const md = bugMarkdown(r, latest, 'https://example.github.io/ratchet/snapshots/x/regressions/#r-1');
    expect(md).toContain('Report: https://example.github.io/ratchet/snapshots/x/regressions/#r-1');
    expect(md).toContain(`Drop: ${r.drop.toFixed(1)} points`);
    expect(md.split('\n').filter((l) => l.startsWith('- [')).length).toBe(Math.min(10, r.failedRuns.length));
  });

  it('records the regressions that appeared or were resolved in each snapshot summary', () => {
    const summary = summarise(latest, '2026-11-27T0600Z');
    expect(parseSummary(JSON.parse(JSON.stringify(summary)))).toEqual(summary);
    // The 28th: the hostile test's and a recent-window regression appeared, the upgrade test's was resolved (ratchet mode).
    expect(summary.changes.map((c) => c.change).sort()).toEqual(['new', 'new', 'resolved']);
    expect(summary.changes.every((c) => c.mode === 'ratchet')).toBe(true);
    expect(summary.changes.find((c) => c.change === 'resolved')!.title).toContain('Cluster completes upgrade');
  });
});

describe('diff', () => {
  it('finds pass-rate changes, new, resolved and still-open regressions, and disruption changes between two snapshots', async () => {
    const [, previous] = await readSnapshots(FIXTURES);
    const from = compareInput(previous!);
    const to = compareInput(latest);
    expect(isCompareInput(JSON.parse(JSON.stringify(to)))).toBe(true);
    expect(isCompareInput({ ...to, jobs: [{ name: 1 }] })).toBe(false);
    const diff = diffSnapshots(from, to);
    expect(diff.jobsCompared).toBe(
      latest.jobs.filter((j) => j.current.passRate !== null && previous!.jobs.find((p) => p.name === j.name)?.current.passRate != null).length,
    );
    const magnitudes = diff.jobChanges.map((c) => Math.abs(c.delta!));
    expect(magnitudes).toEqual([...magnitudes].sort((a, b) => b - a));
    expect(diff.regressions!.appeared.map((r) => r.title).join()).toContain('<script>');
    expect(diff.regressions!.resolved.map((r) => r.title)).toContain('[sig-cluster-lifecycle] Cluster completes upgrade');
    expect(diff.regressions!.stillOpen.length).toBeGreaterThan(0);
    expect(diff.disruptionChanges![0]!.backend).toBe('kube-api-new-connections');
    // Comparing a snapshot with itself finds nothing.
    const same = diffSnapshots(to, to);
    expect(same.jobChanges).toEqual([]);
    expect(same.regressions!.appeared).toEqual([]);
  });
});
