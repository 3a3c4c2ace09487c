/**
 * What publishing adds around the pages: which snapshots are light and which the site holds (store/tiers.ts), the
 * status badges, and the CI step summary (escaped, with absolute links).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { badgeSvg, jobBadge, overallBadge, writeBadges } from '../src/site-build/badges.ts';
import { stepSummary } from '../src/site-build/step-summary.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import { keptInLight, kindsFor, onSite } from '../src/store/tiers.ts';
import { FIXTURES } from './support/site-fixture.ts';
import { tempDir } from './support/prow-tree.ts';

const fixture = () => snapshotSchema.parse(JSON.parse(readFileSync(path.join(FIXTURES, '2026-11-28T0600Z', 'snapshot.json'), 'utf8')));

describe('tiers', () => {
  it('a light snapshot keeps its report, regressions, diff, disruption, data quality, job list and small JSON', () => {
    const kept = [
      'index.html',
      'regressions/index.html',
      'regressions/compatible/index.html',
      'diff/index.html',
      'disruption/index.html',
      'data-quality/index.html',
      'jobs/index.html',
      'summary.json',
      'compare.json',
    ];
    const dropped = [
      'jobs/e2e-aws/index.html',
      'jobs/e2e-aws/job.json.gz',
      'tests/index.html',
      'tests/abc123/index.html',
      'tests/abc123/test.json.gz',
      'snapshot.json.gz',
    ];
    expect(kept.filter((f) => !keptInLight(f))).toEqual([]);
    expect(dropped.filter((f) => keptInLight(f))).toEqual([]);
  });

  it('the first snapshot of each UTC day is full, the others light; a backfilled earlier one is full', () => {
    const kinds = kindsFor(['2026-11-28T0010Z', '2026-11-28T0210Z', '2026-11-29T0010Z'], ['2026-11-27T2210Z'], 'light');
    expect(Object.fromEntries(kinds)).toEqual({ '2026-11-28T0010Z': 'full', '2026-11-28T0210Z': 'light', '2026-11-29T0010Z': 'full' });
    expect(kindsFor(['2026-11-28T0010Z'], ['2026-11-28T0210Z'], 'light').get('2026-11-28T0010Z')).toBe('full');
    expect(kindsFor(['2026-11-28T0210Z'], ['2026-11-28T0010Z'], 'full').get('2026-11-28T0210Z')).toBe('full');
  });

  it('the site holds the last days before the newest snapshot, or everything without a limit', () => {
    const ids = ['2026-11-01T0600Z', '2026-11-14T0600Z', '2026-11-14T0800Z', '2026-11-28T0600Z'];
    expect([...onSite(ids, 14)].sort()).toEqual(['2026-11-14T0800Z', '2026-11-28T0600Z']);
    expect(onSite(ids, null).size).toBe(4);
  });
});

describe('badges', () => {
  it('say the regressions of the default mode, and are never healthy without data', () => {
    const snapshot = fixture();
    // The example snapshot has 2 new and 3 open regressions in its default mode.
    expect(overallBadge(snapshot)).toEqual({ message: '2 new, 3 open', tone: 'bad' });
    const summary = snapshot.regressions!.summary;
    const quiet = { ...summary, ratchet: { ...summary.ratchet, new: 0 } };
    expect(overallBadge({ ...snapshot, regressions: { ...snapshot.regressions!, summary: quiet } })).toEqual({ message: '3 open', tone: 'warn' });
    expect(overallBadge({ ...snapshot, coverage: { ...snapshot.coverage, runsRead: 0 } })).toEqual({ message: 'no data', tone: 'muted' });
    const job = snapshot.jobs[0]!;
    expect(jobBadge({ ...job, status: 'stale' })).toEqual({ message: 'stale', tone: 'muted' });
    expect(jobBadge({ ...job, status: 'failing', current: { ...job.current, passRate: 0.42 } })).toEqual({ message: 'failing 42%', tone: 'bad' });
  });

  it('are SVG with their text escaped and as a title, one per job at a stable path', async () => {
    const svg = badgeSvg('ratchet', '<b>&"', 'ok');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<title>ratchet: &lt;b&gt;&amp;&quot;</title>');
    expect(svg).not.toContain('<b>');
    const site = tempDir('ratchet-badges-');
    const snapshot = fixture();
    expect(await writeBadges(site, snapshot)).toBe(snapshot.jobs.length + 1);
    expect(readFileSync(path.join(site, 'badges', 'overall.svg'), 'utf8')).toContain('<title>regressions: ');
    expect(readFileSync(path.join(site, 'badges', 'jobs', `${snapshot.jobs[0]!.name}.svg`), 'utf8')).toContain('<title>ratchet: ');
  });
});

describe('the step summary', () => {
  it('links the snapshot and each new and resolved regression absolutely, with coverage, and escapes the data', async () => {
    const site = tempDir('ratchet-summary-');
    const snapshot = fixture();
    mkdirSync(path.join(site, 'snapshots', snapshot.id), { recursive: true });
    writeFileSync(path.join(site, 'snapshots', 'index.json'), JSON.stringify({ documentVersion: 1, latest: snapshot.id, snapshots: [] }));
    const change = (title: string, change: 'new' | 'resolved') => ({
      regressionId: 'r1',
      change,
      kind: 'test',
      mode: 'ratchet',
      severity: 'extreme',
      title,
      group: 'aws | ovn',
      reason: 'dropped',
      href: `/ratchet/snapshots/${snapshot.id}/regressions/#r1`,
    });
    const summary = {
      summaryVersion: 1,
      id: snapshot.id,
      asOf: snapshot.asOf,
      source: snapshot.source,
      windows: snapshot.windows,
      coverage: snapshot.coverage,
      headline: snapshot.headline,
      problemCount: 3,
      previous: null,
      changes: [change('Test: [evil](javascript:alert(1)) <img src=x>', 'new'), change('Test: fixed', 'resolved')],
      active: { test: 1, job: 0, disruption: 0 },
    };
    writeFileSync(path.join(site, 'snapshots', snapshot.id, 'summary.json'), JSON.stringify(summary));
    const md = await stepSummary(site, 'https://acme.github.io', '/ratchet/');
    expect(md).toContain(`[Open the snapshot](https://acme.github.io/ratchet/snapshots/${snapshot.id}/)`);
    expect(md).toContain('| New regressions | 1 |');
    expect(md).toContain('| Resolved regressions | 1 |');
    expect(md).toContain(`| Runs read (from cache, fetched) | ${snapshot.coverage.runsRead} `);
    expect(md).toContain('| Data-quality problems | 3 |');
    expect(md).toContain(`(https://acme.github.io/ratchet/snapshots/${snapshot.id}/regressions/#r1)`);
    // The title cannot open a link or a tag of its own, and the group cannot end a table cell.
    expect(md).toContain('Test: \\[evil\\](javascript:alert(1)) \\<img src=x\\>');
    expect(md).toContain('aws \\| ovn');
  });

  it('says so when nothing has been published', async () => {
    const site = tempDir('ratchet-summary-');
    mkdirSync(path.join(site, 'snapshots'));
    writeFileSync(path.join(site, 'snapshots', 'index.json'), JSON.stringify({ documentVersion: 1, latest: null, snapshots: [] }));
    expect(await stepSummary(site, 'https://acme.github.io', '/')).toContain('No snapshot has been published yet.');
  });
});
