/**
 * Builds the example snapshots the way the CLI does (buildSite: archive, staging, assembly, search
 * index) under a project-site base ('/ratchet/'), then reads the output as GitHub Pages would serve
 * it: every page exists, every internal link resolves under the base, the JSON beside the pages says
 * what the snapshot says, nothing is inlined that the CSP would block, and hostile data stays text.
 * The browser side is in browser-site.test.ts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/site/lib/csp.ts';
import { testsWithPages } from '../src/site/lib/report.ts';
import { clustersWithPages } from '../src/site/lib/ownership.ts';
import { readSnapshots } from '../src/site/lib/snapshots.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { decodeEntities, tags } from './support/html.ts';
import { buildFixtureSite, FIXTURES, fileFor, readPages, totalBytes, V2_ID, walk, type FixtureSite } from './support/site-fixture.ts';

const BASE = '/ratchet/';
const PR = 'pull-ci-openshift-origin-main-e2e-aws-ovn';
let built: FixtureSite;
let site = '';
let snapshots: Snapshot[] = [];
let pages = new Map<string, string>();

const pageUrl = (...segments: string[]): string => `${BASE}${segments.map(encodeURIComponent).join('/')}${segments.length ? '/' : ''}`;
const read = (rel: string): Promise<string> => readFile(path.join(site, rel), 'utf8');
const readGzipJson = async (rel: string): Promise<unknown> => JSON.parse(gunzipSync(await readFile(path.join(site, rel))).toString('utf8'));

beforeAll(async () => {
  built = await buildFixtureSite();
  site = built.paths.site;
  // The loader's view: validated, control characters made visible (text.ts).
  snapshots = await readSnapshots(FIXTURES);
  pages = await readPages(site, BASE);
});

/** Internal hrefs and srcs of `pages` that do not resolve to a built file (or to an anchor there) under the base path. */
function brokenLinks(pages: Map<string, string>, site: string): string[] {
  const broken: string[] = [];
  for (const [page, html] of pages) {
    const ids = new Set(
      tags(html)
        .map((t) => t.attrs.get('id'))
        .filter(Boolean),
    );
    for (const tag of tags(html)) {
      for (const attr of ['href', 'src', 'action']) {
        const raw = tag.attrs.get(attr);
        if (raw === undefined) continue;
        const value = decodeEntities(raw);
        if (/^https?:\/\//.test(value)) continue;
        const [target = '', fragment] = value.split('#');
        const pathOnly = target.split('?')[0]!;
        if (pathOnly === '') {
          if (fragment && !ids.has(fragment)) broken.push(`${page}: missing anchor #${fragment}`);
          continue;
        }
        const file = fileFor(site, BASE, pathOnly);
        if (!file || !existsSync(file)) {
          broken.push(`${page}: ${attr}="${value}"`);
          continue;
        }
        // Anchors into other pages must exist there too (regression cards, disruption cells, payloads).
        if (fragment && file.endsWith('.html')) {
          const other = pages.get(pathOnly);
          if (other && !new RegExp(`\\sid="${fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).test(other))
            broken.push(`${page}: ${value} has no anchor there`);
        }
      }
    }
  }
  return broken;
}

/** Tables without a caption or with an unscoped header cell, and form controls without a label. */
function accessibilityProblems(pages: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [page, html] of pages) {
    for (const t of html.split('<table').slice(1)) {
      if (!/^[^>]*><caption>/.test(t)) problems.push(`${page}: a table without a caption`);
      if (/<th(?![^>]*scope=)[\s>]/.test(t.slice(0, t.indexOf('</table>')))) problems.push(`${page}: a header cell without scope`);
    }
    const all = tags(html);
    const labelled = new Set(all.filter((t) => t.name === 'label').map((t) => t.attrs.get('for')));
    for (const control of all.filter((t) => ['input', 'select', 'textarea'].includes(t.name) && !t.closing)) {
      if (!labelled.has(control.attrs.get('id')) && !control.attrs.has('aria-label'))
        problems.push(`${page}: <${control.name} id=${control.attrs.get('id')}> has no label`);
    }
  }
  return problems;
}

describe('site build', () => {
  it('renders every page the snapshots call for, and nothing else', () => {
    const expected = [
      pageUrl(),
      pageUrl('latest'),
      pageUrl('snapshots'),
      pageUrl('snapshots', 'archive'),
      pageUrl('compare'),
      pageUrl('search'),
      `${BASE}404.html`,
    ];
    for (const s of snapshots) {
      for (const view of ['', 'jobs', 'tests', 'diff', 'data-quality', 'disruption', 'regressions', 'payloads', 'components', 'clusters']) {
        expected.push(view ? pageUrl('snapshots', s.id, view) : pageUrl('snapshots', s.id));
      }
      if (s.regressions) expected.push(pageUrl('snapshots', s.id, 'regressions', 'compatible'));
      for (const job of s.jobs) expected.push(pageUrl('snapshots', s.id, 'jobs', job.name));
      for (const test of testsWithPages(s)) expected.push(pageUrl('snapshots', s.id, 'tests', test.id));
      for (const component of s.components?.list ?? []) expected.push(pageUrl('snapshots', s.id, 'components', component.slug));
      for (const cluster of clustersWithPages(s)) expected.push(pageUrl('snapshots', s.id, 'clusters', cluster.id));
    }
    expect([...pages.keys()].sort()).toEqual(expected.sort());
    expect(built.report.rendered).toEqual(snapshots.map((s) => s.id));
    console.info(`site: ${pages.size} pages built in ${(built.report.ms.total / 1000).toFixed(1)} s`);
  });

  it('publishes the snapshot, its jobs and tests as JSON beside the pages, with the same facts', async () => {
    for (const s of snapshots) {
      expect(await readGzipJson(`snapshots/${s.id}/snapshot.json.gz`)).toEqual(JSON.parse(JSON.stringify(s)));
      for (const job of s.jobs) {
        const doc = (await readGzipJson(`snapshots/${s.id}/jobs/${job.name}/job.json.gz`)) as Record<string, unknown>;
        expect(doc.job).toEqual(JSON.parse(JSON.stringify(job)));
        expect(doc.snapshot).toMatchObject({ id: s.id, asOf: s.asOf, url: pageUrl('snapshots', s.id) });
        expect(doc.url).toBe(pageUrl('snapshots', s.id, 'jobs', job.name));
      }
      for (const test of testsWithPages(s)) {
        const doc = (await readGzipJson(`snapshots/${s.id}/tests/${test.id}/test.json.gz`)) as Record<string, unknown>;
        expect(doc.test).toEqual(JSON.parse(JSON.stringify(test)));
      }
      const summary = JSON.parse(await read(`snapshots/${s.id}/summary.json`));
      expect(summary).toMatchObject({ id: s.id, asOf: s.asOf, headline: s.headline, problemCount: s.dataQuality.problemCount });
    }
    const index = JSON.parse(await read('snapshots/index.json'));
    expect(index.latest).toBe(snapshots[0]!.id);
    expect(index.snapshots.map((s: { id: string }) => s.id)).toEqual(snapshots.map((s) => s.id));
    expect(index.snapshots[0].snapshot).toBe(`${BASE}snapshots/${snapshots[0]!.id}/snapshot.json.gz`);
  });

  it('resolves every internal href and src to a built file, always under the base path', () => {
    expect(brokenLinks(pages, site)).toEqual([]);
  });

  it('links runs to Prow, and never turns a javascript: URL into a link', () => {
    const job = snapshots[0]!.jobs[0]!;
    const html = pages.get(pageUrl('snapshots', snapshots[0]!.id, 'jobs', job.name))!;
    expect(html).toContain(`href="${job.recentRuns[0]!.url}"`);
    for (const [page, text] of pages) {
      for (const tag of tags(text)) expect(decodeEntities(tag.attrs.get('href') ?? ''), page).not.toMatch(/^\s*javascript:/i);
    }
  });

  it('has no inline scripts or styles, and the same strict CSP meta comes first on every page', () => {
    for (const [page, html] of pages) {
      const all = tags(html);
      for (const tag of all.filter((t) => t.name === 'script' && !t.closing)) {
        expect(tag.attrs.has('src') || tag.attrs.get('type') === 'application/json', `${page}: inline script`).toBe(true);
      }
      expect(
        all.some((t) => t.name === 'style'),
        page,
      ).toBe(false);
      for (const tag of all) {
        expect(
          [...tag.attrs.keys()].filter((a) => a === 'style' || a.startsWith('on')),
          `${page}: <${tag.name}>`,
        ).toEqual([]);
      }
      const meta = all.find((t) => t.name === 'meta' && t.attrs.get('http-equiv') === 'Content-Security-Policy');
      expect(meta, `${page}: CSP meta`).toBeDefined();
      expect(decodeEntities(meta!.attrs.get('content') ?? '').replaceAll('&#39;', "'"), page).toBe(CONTENT_SECURITY_POLICY);
      const firstResource = all.find((t) => (t.name === 'link' || t.name === 'script') && !t.closing);
      expect(firstResource === undefined || firstResource.at > meta!.at, `${page}: a resource precedes the CSP`).toBe(true);
      expect(html, page).toMatch(/^<!DOCTYPE html><html lang="en">/i);
    }
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });

  it('keeps hostile names, messages, reasons and backends as text: no markup, no raw control characters', async () => {
    const latest = snapshots[0]!;
    const hostile = latest.tests.find((t) => t.name.includes('<script>'))!;
    expect(hostile).toBeDefined();
    for (const [page, html] of pages) {
      const all = tags(html);
      // The only scripts are our bundles; no element or attribute from the data became markup.
      expect(all.filter((t) => t.name === 'script' && !t.closing && !t.attrs.get('src')?.startsWith(`${BASE}_astro/`)).length, page).toBe(0);
      expect(
        all.filter((t) => ['img', 'iframe', 'object', 'embed', 'svg'].includes(t.name)).map((t) => t.name),
        page,
      ).toEqual([]);
      // eslint-disable-next-line no-control-regex
      expect(html, page).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202e]/);
    }
    const testPage = pages.get(pageUrl('snapshots', latest.id, 'tests', hostile.id))!;
    expect(testPage).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(testPage).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(testPage).toContain('␛[31mFAIL␛[0m'); // terminal colours shown as symbols
    expect(testPage).toContain('nul␀ bell␇');
    expect(testPage).toContain('⟨U+202E⟩gnp.exe'); // the right-to-left override cannot reorder the text
    // The very long line is cut on the page, saying where the whole of it is.
    expect(testPage).toContain('token=A1b2A1b2');
    expect(testPage).toMatch(/Cut here: [\d,]+ more characters in test\.json\.gz/);
    const doc = (await readGzipJson(`snapshots/${latest.id}/tests/${hostile.id}/test.json.gz`)) as { test: { failureGroups: { text: string }[] } };
    expect(doc.test.failureGroups.map((g) => g.text).join()).toContain(`token=${'A1b2'.repeat(3000)}`);
    expect(pages.get(pageUrl('snapshots', latest.id, 'data-quality'))).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const regressions = pages.get(pageUrl('snapshots', latest.id, 'regressions'))!;
    expect(regressions).toContain('&lt;script&gt;alert(3)&lt;/script&gt;');
    const disruption = pages.get(pageUrl('snapshots', latest.id, 'disruption'))!;
    expect(disruption).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;-new-connections');
    expect(disruption).toContain('Within &lt;script&gt;alert(&quot;check&quot;)&lt;/script&gt; the threshold.');
  });

  it('shows home and /latest/ as the newest snapshot, new and open regressions first, pointing at its permanent page', () => {
    const latest = snapshots[0]!;
    for (const url of [pageUrl(), pageUrl('latest')]) {
      const html = pages.get(url)!;
      expect(html).toContain(`<link rel="canonical" href="https://example.github.io${pageUrl('snapshots', latest.id)}">`);
      expect(html).toContain(`>${latest.id}</a>`);
      expect(html).toContain('Jobs passing');
      const regressionsAt = html.indexOf('New and open regressions');
      expect(regressionsAt).toBeGreaterThan(0);
      expect(regressionsAt).toBeLessThan(html.indexOf('Jobs needing attention'));
      expect(regressionsAt).toBeLessThan(html.indexOf('Top failing tests'));
      // Resolved regressions are not on the home page's list; new and open ones are, linked to their evidence.
      const active = latest.regressions!.tests.filter((r) => r.mode === 'ratchet' && r.status !== 'resolved');
      for (const r of active) expect(html).toContain(`${pageUrl('snapshots', latest.id, 'regressions')}#r-${r.id}`);
      const resolved = latest.regressions!.tests.find((r) => r.mode === 'ratchet' && r.status === 'resolved')!;
      expect(html).not.toContain(`#r-${resolved.id}`);
    }
  });

  it('shows each regression with its evidence, its failed runs in Prow and Markdown for a bug', () => {
    const latest = snapshots[0]!;
    const html = pages.get(pageUrl('snapshots', latest.id, 'regressions'))!;
    const r = latest.regressions!.tests.find((x) => x.mode === 'ratchet' && x.name.includes('NoExecuteTaintManager'))!;
    const card = html.slice(html.indexOf(`id="r-${r.id}"`), html.indexOf('</article>', html.indexOf(`id="r-${r.id}"`)));
    expect(card).toContain('Open');
    expect(card).toContain(`${r.sample.runs}</td>`);
    expect(card).toContain('95% interval');
    expect(card).toMatch(/<dt><abbr[^>]*>p<\/abbr><\/dt><dd>2\.0e-5<\/dd>/);
    expect(card).toMatch(/<dt><abbr[^>]*>q<\/abbr><\/dt><dd>4\.0e-4<\/dd>/);
    expect(card).toContain('data-chart=');
    for (const run of r.failedRuns) expect(card).toContain(`href="${run.url}"`);
    const markdown = decodeEntities(/<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(card)![1]!);
    expect(markdown).toContain(`Report: https://example.github.io${pageUrl('snapshots', latest.id, 'regressions')}#r-${r.id}`);
    expect(markdown).toContain(`- [${r.failedRuns[0]!.job} #${r.failedRuns[0]!.buildId}](${r.failedRuns[0]!.url})`);
    expect(markdown).toContain('p = 2.0e-5, q = 4.0e-4');
    // A verdict on the recent window says so, with that window's dates in the evidence.
    const recent = latest.regressions!.tests.find((x) => (x as { window?: string }).window === 'recent')!;
    const recentCard = html.slice(html.indexOf(`id="r-${recent.id}"`), html.indexOf('</article>', html.indexOf(`id="r-${recent.id}"`)));
    expect(recentCard).toContain('Recent window');
    expect(recentCard).toContain('2026-11-26 06:00 UTC to 2026-11-28 06:00 UTC');
    expect(recentCard).toContain('every earlier run, 2026-11-14 06:00 UTC to 2026-11-26 06:00 UTC');
    // Hostile text in a bug snippet cannot become a Markdown link or HTML.
    const hostile = latest.regressions!.tests.find((x) => x.mode === 'ratchet' && x.name.includes('<script>'))!;
    const hostileCard = html.slice(html.indexOf(`id="r-${hostile.id}"`));
    const hostileMd = decodeEntities(/<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(hostileCard)![1]!);
    expect(hostileMd).toContain('\\[link\\]\\(javascript:alert\\(4\\)\\)');
    expect(hostileMd).toContain('\\<script\\>alert\\(1\\)\\</script\\>');
  });

  it('compares each snapshot with the one before: new, resolved and still-open regressions, pass-rate and disruption changes', () => {
    const [latest, previous] = snapshots;
    const html = pages.get(pageUrl('snapshots', latest!.id, 'diff'))!;
    const section = (title: string) => html.slice(html.indexOf(title), html.indexOf('</ul>', html.indexOf(title)));
    const hostile = latest!.regressions!.tests.find((x) => x.mode === 'ratchet' && x.name.includes('<script>'))!;
    const resolved = previous!.regressions!.tests.find((x) => x.mode === 'ratchet' && x.name.includes('Cluster completes upgrade'))!;
    const open = latest!.regressions!.tests.find((x) => x.mode === 'ratchet' && x.name.includes('NoExecuteTaintManager'))!;
    expect(section(`New since ${previous!.id}`)).toContain(`#r-${hostile.id}`);
    expect(section('Resolved (')).toContain(`${pageUrl('snapshots', previous!.id, 'regressions')}#r-${resolved.id}`);
    expect(section('Still open')).toContain(`#r-${open.id}`);
    expect(html).toContain('Biggest pass-rate changes');
    expect(html).toContain('Biggest disruption changes');
    expect(html).toContain('kube-api-new-connections');
    expect(pages.get(pageUrl('snapshots', '2026-11-26T0600Z', 'diff'))).toContain('This is the first snapshot');
  });

  it('never shows a snapshot without runs as healthy', () => {
    const empty = snapshots.find((s) => s.coverage.runsRead === 0)!;
    const html = pages.get(pageUrl('snapshots', empty.id))!;
    expect(html).toContain('No data');
    expect(html).not.toContain('tone-ok');
    expect(html).not.toContain('Jobs passing');
    expect(pages.get(pageUrl('snapshots'))).toContain('No data: no runs were read');
  });

  it('gives every table a caption and scoped header cells, and every form control a label', () => {
    expect(accessibilityProblems(pages)).toEqual([]);
  });

  it('gives a version 1 snapshot a payloads page that says none were recorded, and no excluded runs', () => {
    const latest = snapshots[0]!;
    expect(pages.get(pageUrl('snapshots', latest.id, 'payloads'))).toContain('Payloads were not recorded in this snapshot');
    expect(pages.get(pageUrl('snapshots', latest.id, 'data-quality'))).toContain('Not recorded in this snapshot');
    expect(pages.get(pageUrl('snapshots', latest.id))).not.toContain('Runs kept out of test verdicts');
    expect(pages.get(pageUrl('snapshots', latest.id, 'jobs', PR))).not.toContain('Runs kept out of test verdicts');
  });

  it('reports its size, with the search index of the latest snapshot beside it', async () => {
    const files = await walk(site);
    const total = await totalBytes(site);
    expect(files).toContain('pagefind/pagefind.js');
    expect(files).not.toContain('pagefind/pagefind-ui.js');
    expect(built.report.searchRecords).toBe(snapshots[0]!.jobs.length + testsWithPages(snapshots[0]!).length);
    const chart = files.filter((f) => f.startsWith('_astro/') && f.endsWith('.js'));
    let biggest = 0;
    for (const f of chart) biggest = Math.max(biggest, (await readFile(path.join(site, f))).length);
    console.info(`site: ${(total / 1024).toFixed(0)} KiB on disk in ${files.length} files, largest script ${(biggest / 1024).toFixed(0)} KiB`);
    expect(biggest).toBeLessThan(250 * 1024);
  });
});

describe('site build at the root of a domain', () => {
  it('builds every link for base "/" as well, with nothing left pointing at a project path', async () => {
    const root = await buildFixtureSite(['2026-11-28T0600Z'], { base: '/' });
    const rootPages = await readPages(root.paths.site, '/');
    const broken: string[] = [];
    for (const [page, html] of rootPages) {
      for (const tag of tags(html)) {
        for (const attr of ['href', 'src', 'action']) {
          const value = decodeEntities(tag.attrs.get(attr) ?? '');
          if (value === '' || /^https?:\/\//.test(value) || value.startsWith('#')) continue;
          if (value.startsWith(BASE)) broken.push(`${page}: ${value} keeps the project path`);
          const file = fileFor(root.paths.site, '/', value.split('#')[0]!.split('?')[0]!);
          if (!file || !existsSync(file)) broken.push(`${page}: ${attr}="${value}"`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(rootPages.has('/snapshots/2026-11-28T0600Z/')).toBe(true);
  }, 120_000);
});

describe('site build of a version 2 snapshot', () => {
  let v2site: FixtureSite | undefined;
  let v2pages = new Map<string, string>();
  let v2: Snapshot;
  const card = (html: string, id: string) => html.slice(html.indexOf(`id="r-${id}"`), html.indexOf('</article>', html.indexOf(`id="r-${id}"`)));

  beforeAll(async () => {
    // After the newest version 1 snapshot, as a site that upgraded Ratchet would have it.
    v2site = await buildFixtureSite([V2_ID, '2026-11-28T0600Z']);
    v2pages = await readPages(v2site.paths.site, BASE);
    v2 = JSON.parse(gunzipSync(await readFile(path.join(v2site.paths.site, 'snapshots', V2_ID, 'snapshot.json.gz'))).toString('utf8'));
  }, 120_000);

  it('links every page, the payloads page included, with no broken link or anchor and no unlabelled table', () => {
    expect(v2pages.has(pageUrl('snapshots', V2_ID, 'payloads'))).toBe(true);
    expect(v2pages.get(pageUrl('snapshots', V2_ID))).toContain(`href="${pageUrl('snapshots', V2_ID, 'payloads')}"`);
    expect(brokenLinks(v2pages, v2site!.paths.site)).toEqual([]);
    expect(accessibilityProblems(v2pages)).toEqual([]);
  });

  it('lists each payload newest first: blocking and informing runs with icon, letter and Prow link, aggregated verdicts, regressions that started there', () => {
    const html = v2pages.get(pageUrl('snapshots', V2_ID, 'payloads'))!;
    const [first, second] = v2.payloads!;
    expect(html.indexOf(`id="payload-${first!.tag}"`)).toBeGreaterThan(0);
    expect(html.indexOf(`id="payload-${first!.tag}"`)).toBeLessThan(html.indexOf(`id="payload-${second!.tag}"`));
    const section = html.slice(html.indexOf(`id="payload-${first!.tag}"`), html.indexOf(`id="payload-${second!.tag}"`));
    expect(section).toContain('Blocking and informing jobs that tested this payload (2)');
    for (const job of first!.jobs) for (const run of job.runs) expect(section).toContain(`href="${run.url}"`);
    expect(section).toMatch(/<span aria-hidden="true">✓ S<\/span><span class="visually-hidden">success<\/span>/);
    expect(section).toMatch(/<span aria-hidden="true">✗ F<\/span><span class="visually-hidden">failure<\/span>/);
    expect(decodeEntities(section)).toContain(
      '✗</span> Failed</span><span class="verdict-detail">4 runs; 2 tests failed the aggregator\'s check, 1 test the Fisher test',
    );
    expect(section).toContain('✓</span> Passed</span><span class="verdict-detail">3 runs; no test failed');
    expect(section).toContain(`href="${pageUrl('snapshots', V2_ID, 'regressions')}#r-${first!.regressionsStarted[0]}"`);
    expect(html).toContain(`<a href="#payload-${first!.tag}">${first!.tag}</a>`);
    expect(html).toContain('37 payloads tested in the current window');
    // The payload whose blocking job failed says so in words, not only in red.
    const failedTag = v2.payloads!.find((p) => p.blockingFailed > 0)!.tag;
    const failedRow = html.slice(html.indexOf(`<a href="#payload-${failedTag}">`), html.indexOf('</tr>', html.indexOf(`<a href="#payload-${failedTag}">`)));
    expect(failedRow).toContain('1 job failed');
  });

  it('shows a regression’s window, onset with links to its payloads, frozen line and design effects, and puts the onset in the bug Markdown', () => {
    const html = v2pages.get(pageUrl('snapshots', V2_ID, 'regressions'))!;
    const etcd = v2.regressions!.tests.find((r) => r.name.includes('etcdMembersDown'))!;
    const etcdCard = card(html, etcd.id);
    expect(etcdCard).toContain('<dt>Verdict window</dt><dd>last 24 hours</dd>');
    expect(etcdCard).toContain('Sample, last 24 hours');
    expect(etcdCard).toContain(`href="${etcd.onset!.run!.url}"`);
    expect(etcdCard).toContain(`First bad payload: <a href="${pageUrl('snapshots', V2_ID, 'payloads')}#payload-${etcd.onset!.payloadTag}">`);
    expect(etcdCard).toContain(`Last good payload: <a href="${pageUrl('snapshots', V2_ID, 'payloads')}#payload-${etcd.onset!.lastGoodPayloadTag}">`);
    expect(etcdCard).toContain('the change to revert lies between the two');
    expect(etcdCard).toContain('Judged against the basis frozen on 2026-11-29: 19 of 19 runs working');
    expect(etcdCard).not.toContain('class="design-effect"');
    const markdown = decodeEntities(/<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(etcdCard)![1]!);
    expect(markdown).toContain(`- First bad payload: ${etcd.onset!.payloadTag}`);
    expect(markdown).toContain(`- Last good payload: ${etcd.onset!.lastGoodPayloadTag} (the change to revert lies between the two)`);
    expect(markdown).toContain(`- First bad run: [${etcd.onset!.run!.job} #${etcd.onset!.run!.buildId}](${etcd.onset!.run!.url})`);
    const pr = card(html, v2.regressions!.tests.find((r) => r.mode === 'ratchet' && r.name.includes('NoExecuteTaintManager'))!.id);
    expect(pr).toContain('First bad payload: none (the run named no payload)');
    expect(pr).toContain('Design effect 1.25 in the window and 1.10 in the basis');
    expect(pr).toContain('Basis, frozen 2026-11-27');
    const held = card(html, v2.regressions!.tests.find((r) => r.heldByHysteresis)!.id);
    expect(held).toContain('held open: not significant in any window now, but not recovered against its frozen basis either');
    const disruption = card(html, v2.regressions!.disruption.find((r) => r.mode === 'ratchet')!.id);
    expect(disruption).toContain('Window, last 3 days');
    expect(decodeEntities(disruption)).toContain('P75 2\u00a0s over 19 runs, with 26.0% of runs above it');
    expect(html).toContain('over the last 6 hours, 12 hours, 24 hours, 3 days and 7 days');
  });

  it('lists the runs kept out of test verdicts on data quality, counts them in the report, and per job near its pass rate', () => {
    const dq = v2pages.get(pageUrl('snapshots', V2_ID, 'data-quality'))!;
    const table = dq.slice(dq.indexOf('<table class="data excluded-runs">'));
    for (const run of v2.dataQuality.excludedRuns!) {
      expect(table).toContain(`href="${run.url}"`);
      expect(table).toContain(`${run.failed.toLocaleString('en-US')} of 1,873`);
    }
    expect(table).toContain('Mass failure');
    expect(table).toContain('Infrastructure');
    expect(table).toContain('&lt;script&gt;alert(5)&lt;/script&gt;');
    expect(dq).toContain('at least 10 failed tests and at least 20% of its tests failed');
    const report = v2pages.get(pageUrl('snapshots', V2_ID))!;
    expect(report).toContain('Runs kept out of test verdicts: 2 runs (1 mass failure and 1 infrastructure failure).');
    expect(report).toContain(`href="${pageUrl('snapshots', V2_ID, 'data-quality')}#excluded-runs"`);
    const job = v2pages.get(pageUrl('snapshots', V2_ID, 'jobs', PR))!;
    expect(job).toMatch(/<dt>Pass rate<\/dt>.*<dt>Runs kept out of test verdicts<\/dt><dd>1 mass failure/s);
    const passing = v2pages.get(pageUrl('snapshots', V2_ID, 'jobs', 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade'))!;
    expect(passing).toContain('<dt>Runs kept out of test verdicts</dt><dd>none</dd>');
  });

  it('shows the ratchet test’s window and the runs the aggregator judged on the disruption page', () => {
    const html = decodeEntities(v2pages.get(pageUrl('snapshots', V2_ID, 'disruption'))!);
    expect(html).toContain('one-sided Mann–Whitney U on the last 3 days, p = 4.0e-4');
    expect(html).toContain(`The aggregator’s checks judged the 3 runs of payload ${v2.disruption![0]!.set!.payloadTag}.`);
    expect(html).toContain(`3 runs of ${v2.disruption![0]!.set!.payloadTag}`);
  });
});
