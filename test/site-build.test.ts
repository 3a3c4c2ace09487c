/**
 * Builds the example snapshots the way the CLI does (buildSite: archive, staging, assembly, search
 * index) under a project-site base ('/ratchet/'), then reads the output as GitHub Pages would serve
 * it: every page exists, every internal link resolves under the base, the JSON beside the pages says
 * what the snapshot says, nothing is inlined that the CSP would block, and hostile data stays text.
 * The browser side is in browser-site.test.ts.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/site/lib/csp.ts';
import { testsWithPages } from '../src/site/lib/report.ts';
import { readSnapshots } from '../src/site/lib/snapshots.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { decodeEntities, tags } from './support/html.ts';
import { buildFixtureSite, FIXTURES, fileFor, readPages, totalBytes, walk, type FixtureSite } from './support/site-fixture.ts';

const BASE = '/ratchet/';
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

afterAll(async () => {
  if (built) await rm(built.root, { recursive: true, force: true });
});

describe('site build', () => {
  it('renders every page the snapshots call for, and nothing else', () => {
    const expected = [pageUrl(), pageUrl('latest'), pageUrl('snapshots'), pageUrl('compare'), pageUrl('search'), `${BASE}404.html`];
    for (const s of snapshots) {
      for (const view of ['', 'jobs', 'tests', 'diff', 'data-quality', 'disruption', 'regressions']) {
        expected.push(view ? pageUrl('snapshots', s.id, view) : pageUrl('snapshots', s.id));
      }
      if (s.regressions) expected.push(pageUrl('snapshots', s.id, 'regressions', 'compatible'));
      for (const job of s.jobs) expected.push(pageUrl('snapshots', s.id, 'jobs', job.name));
      for (const test of testsWithPages(s)) expected.push(pageUrl('snapshots', s.id, 'tests', test.id));
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
          // Anchors into other pages must exist there too (regression cards, disruption cells).
          if (fragment && file.endsWith('.html')) {
            const other = pages.get(pathOnly.endsWith('/') ? pathOnly : pathOnly);
            if (other && !new RegExp(`\\sid="${fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).test(other))
              broken.push(`${page}: ${value} has no anchor there`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
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
    for (const [page, html] of pages) {
      for (const t of html.split('<table').slice(1)) {
        expect(t, page).toMatch(/^[^>]*><caption>/);
        expect(t.slice(0, t.indexOf('</table>')), page).not.toMatch(/<th(?![^>]*scope=)[\s>]/);
      }
      const all = tags(html);
      const labelled = new Set(all.filter((t) => t.name === 'label').map((t) => t.attrs.get('for')));
      for (const control of all.filter((t) => ['input', 'select', 'textarea'].includes(t.name) && !t.closing)) {
        expect(labelled.has(control.attrs.get('id')) || control.attrs.has('aria-label'), `${page}: <${control.name} id=${control.attrs.get('id')}>`).toBe(true);
      }
    }
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
  let root: FixtureSite | undefined;
  afterAll(async () => {
    if (root) await rm(root.root, { recursive: true, force: true });
  });

  it('builds every link for base "/" as well, with nothing left pointing at a project path', async () => {
    root = await buildFixtureSite(['2026-11-28T0600Z'], { base: '/' });
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
