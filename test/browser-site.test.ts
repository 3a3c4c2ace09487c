/**
 * End to end in a real browser (Debian's Chromium driven by playwright-core): the bundled sample is
 * generated, fetched, analysed and built by the CLI as two daily snapshots under the base path
 * /ratchet/, served over HTTP like a GitHub Pages project site, and used as a reader would use it.
 * The example snapshots with hostile text are built too (the version 2 example the newest of them),
 * to see them rendered harmlessly.
 *
 * Without /usr/bin/chromium the suite is skipped, and says so; .ci/run installs Chromium, so CI
 * always runs it.
 */
import { spawn } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSample } from '../src/sample/generate.ts';
import { testsWithPages } from '../src/site/lib/report.ts';
import { serveStatic, type StaticServer } from '../src/serve/static-server.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { decodeEntities, tags } from './support/html.ts';
import { tempDir } from './support/prow-tree.ts';
import { buildFixtureSite, V2_ID, type FixtureSite } from './support/site-fixture.ts';
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from './support/browser.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BASE = '/ratchet/';
const DAYS = ['2026-11-27T06:00:00Z', '2026-11-28T06:00:00Z'];

if (!HAVE_CHROMIUM) console.log(`browser tests skipped: ${CHROMIUM} not found`);

function ratchet(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'ratchet.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ratchet ${args.join(' ')} exited with ${code}:\n${out}`))));
  });
}

describe.skipIf(!HAVE_CHROMIUM)('site in a browser', () => {
  let work = '';
  let server: StaticServer;
  let hostileSite: FixtureSite;
  let hostileServer: StaticServer;
  let browser: Browser;
  let latest: Snapshot;
  let origin = '';

  beforeAll(async () => {
    work = tempDir('ratchet-browser-');
    await generateSample(path.join(work, 'bucket'));
    await copyFile(path.join(ROOT, 'data', 'sample', 'ratchet.config.json'), path.join(work, 'ratchet.config.json'));
    for (const asOf of DAYS) {
      await ratchet(['run', '--config', path.join(work, 'ratchet.config.json'), '--out', path.join(work, 'out'), '--base', BASE, '--as-of', asOf, '--quiet']);
    }
    const site = path.join(work, 'out', 'site');
    const index = JSON.parse(await readFile(path.join(site, 'snapshots', 'index.json'), 'utf8'));
    latest = JSON.parse(gunzipSync(await readFile(path.join(site, 'snapshots', index.latest, 'snapshot.json.gz'))).toString('utf8'));
    server = await serveStatic(site, { base: BASE });
    origin = new URL(server.url).origin;
    hostileSite = await buildFixtureSite([V2_ID, '2026-11-28T0600Z', '2026-11-27T0600Z', '2026-11-26T0600Z']);
    hostileServer = await serveStatic(hostileSite.paths.site, { base: BASE });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await hostileServer?.close();
  });

  /** A page that records every console error, page error, failed request, 4xx/5xx, CSP violation and dialog. */
  async function open(context?: BrowserContext): Promise<{ page: Page; problems: string[] }> {
    const page = await (context ?? browser).newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('requestfailed', (r) => {
      if (!(r.failure()?.errorText ?? '').includes('ERR_ABORTED')) problems.push(`request failed: ${r.url()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`);
    });
    return { page, problems };
  }

  const url = (...segments: string[]): string => `${origin}${BASE}${segments.map(encodeURIComponent).join('/')}${segments.length ? '/' : ''}`;

  /** Pixels with any opacity on the first drawn canvas inside `scope`. */
  async function paintedPixels(page: Page, scope: string): Promise<number> {
    const figure = page.locator(`${scope} figure[data-chart]`).first();
    await figure.scrollIntoViewIfNeeded();
    await page.waitForSelector(`${scope} [data-chart-canvas]:not([hidden]) canvas`);
    return page.evaluate((sel) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`${sel} [data-chart-canvas]:not([hidden]) canvas`);
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx) return 0;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    }, scope);
  }

  it('opens home, follows a regression to its evidence and its test page, where the chart draws', async () => {
    const { page, problems } = await open();
    await page.goto(url(), { waitUntil: 'load' });
    expect(await page.locator('h1').textContent()).toBe('Latest CI report');
    expect(await page.locator('.asof').textContent()).toContain(latest.id);
    const first = page.locator('table.regressions-table tbody th a').first();
    const title = (await first.textContent())!;
    await first.click();
    await page.waitForURL(/\/regressions\/#r-/);
    const anchor = new URL(page.url()).hash.slice(1);
    const card = page.locator(`article#${anchor}`);
    expect(await card.locator('h3').textContent()).toBe(title);
    // The card's evidence chart draws too.
    expect(await paintedPixels(page, `article#${anchor}`)).toBeGreaterThan(500);
    const regression = latest.regressions!.tests.find((r) => r.id === anchor.slice(2));
    expect(regression, 'the first regression on the home page is a test regression').toBeDefined();
    await card.locator('h3 a').click();
    await page.waitForURL(new RegExp(`/tests/${regression!.testId}/$`));
    expect(await page.locator('h1').textContent()).toBe(regression!.name);
    expect(await paintedPixels(page, 'main')).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('walks from home to a regression and on to the payload it started on, and back', async () => {
    const { page, problems } = await open();
    // The regressions home lists whose onset payload is on the payloads page (the current window's payloads).
    const listed = new Set(latest.payloads!.map((p) => p.tag));
    const withOnset = latest.regressions!.tests.filter(
      (r) => r.mode === 'ratchet' && r.status !== 'resolved' && r.onset?.payloadTag && listed.has(r.onset.payloadTag),
    );
    expect(withOnset.length, 'the sample has a regression whose onset payload is in the window').toBeGreaterThan(0);
    await page.goto(url(), { waitUntil: 'load' });
    const links = page.locator('table.regressions-table tbody th a');
    const hrefs = await links.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).hash.slice(3)));
    const onsetIds = new Set(withOnset.map((r) => r.id));
    const index = hrefs.findIndex((id) => onsetIds.has(id));
    expect(index, 'home lists such a regression').toBeGreaterThanOrEqual(0);
    const regression = withOnset.find((r) => r.id === hrefs[index])!;
    await links.nth(index).click();
    await page.waitForURL(new RegExp(`/regressions/#r-${regression.id}$`));
    const card = page.locator(`article#r-${regression.id}`);
    expect(await card.locator('.onset').textContent()).toContain(`First bad run: ${regression.onset!.run!.job} #${regression.onset!.run!.buildId}`);
    await card.locator('.onset').getByRole('link', { name: regression.onset!.payloadTag!, exact: true }).click();
    await page.waitForURL(/\/payloads\/#payload-/);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#payload-${regression.onset!.payloadTag}`);
    const section = page.locator(`section[id="payload-${regression.onset!.payloadTag}"]`);
    expect(await section.locator('h2').textContent()).toBe(regression.onset!.payloadTag);
    expect(await section.isVisible()).toBe(true);
    // The payload names the regression that started on it; following that link returns to the card.
    const back = section.locator(`a[href$="#r-${regression.id}"]`);
    expect(await back.count()).toBe(1);
    // Every run of the payload links to Prow with its result in words for assistive technology.
    const payload = latest.payloads!.find((p) => p.tag === regression.onset!.payloadTag)!;
    const runs = payload.jobs.flatMap((j) => j.runs);
    expect(await section.locator('ul.run-marks li a.external').count()).toBe(runs.length);
    expect(await section.locator('ul.run-marks .visually-hidden').allTextContents()).toEqual(runs.map((r) => r.result));
    await back.click();
    await page.waitForURL(new RegExp(`/regressions/#r-${regression.id}$`));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('walks the readiness grid to a cell, on to a regression and to its failure cluster', async () => {
    const { page, problems } = await open();
    await page.goto(url('snapshots', latest.id, 'components'), { waitUntil: 'load' });
    // A semantic table: components are row headers, variant groups column headers.
    const grid = page.locator('table.readiness-grid');
    expect(await grid.locator('thead th[scope="col"]').count()).toBe(latest.components!.variantKeys.length + 1);
    expect(await grid.locator('tbody th[scope="row"]').count()).toBe(latest.components!.list.length);
    const cell = latest.components!.cells.find((c) => c.component === 'Networking / ovn-kubernetes' && c.verdict === 'regressed')!;
    expect(cell, 'the sample has a regressed networking cell').toBeDefined();
    // The verdict is in words (and an icon), not only a colour.
    const link = grid.locator(`td.grid-cell a[aria-label^="Networking / ovn-kubernetes in ${cell.variantKey}: Regressed"]`);
    expect(await link.textContent()).toContain('Regressed');
    await link.click();
    await page.waitForURL(/\/components\/networking-ovn-kubernetes\/#cell-/);
    const section = page.locator(`section${new URL(page.url()).hash}`);
    expect(await section.locator('h3').textContent()).toContain(cell.variantKey);
    const rows = section.locator('table.regressions-table tbody th a');
    expect(await rows.count()).toBe(cell.regressions.length);
    await rows.first().click();
    await page.waitForURL(/\/regressions\/#r-/);
    const id = new URL(page.url()).hash.slice(3);
    expect(cell.regressions).toContain(id);
    const regression = latest.regressions!.tests.find((r) => r.id === id)!;
    const card = page.locator(`article#r-${id}`);
    expect(await card.locator('.ownership').textContent()).toContain('Networking / ovn-kubernetes');
    await card.locator('.ownership a[href*="/clusters/"]').first().click();
    await page.waitForURL(/\/clusters\/[0-9a-f]{16}\/$/);
    const clusterId = new URL(page.url()).pathname.split('/').at(-2)!;
    const cluster = latest.failureClusters!.find((c) => c.id === clusterId)!;
    expect(cluster.tests.map((t) => t.testId)).toContain(regression.testId);
    expect(await page.locator('pre.message').first().textContent()).toContain('over the primary UDN');
    expect(await page.locator('table.tests tbody th').first().textContent()).toContain(regression.name);
    expect(await page.locator('table.by-day tbody tr').count()).toBe(cluster.byDay.length);
    // The component's own feed names the regression.
    const feed = await (await page.request.get(`${origin}${BASE}components/networking-ovn-kubernetes/feed.xml`)).text();
    expect(feed).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(feed).toContain(`ratchet/regression/${regression.id}/new/`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a job's run grid with a letter or icon in every cell, and a tracked regression with its bug", async () => {
    const { page, problems } = await open();
    const grid = latest.runGrids!.find((g) => g.tests.length > 0)!;
    await page.goto(url('snapshots', latest.id, 'jobs', grid.job), { waitUntil: 'load' });
    const table = page.locator('table.run-grid');
    expect(await table.locator('thead th a').count()).toBe(grid.runs.length);
    const first = grid.tests[0]!;
    const cells = table.locator('tbody tr').first().locator('td');
    expect(await cells.count()).toBe(first.outcomes.length);
    const words = { p: 'passed', f: 'failed', k: 'flaked', s: 'skipped', '-': 'not run' } as const;
    expect(await cells.locator('.visually-hidden').allTextContents()).toEqual([...first.outcomes].map((c) => words[c as keyof typeof words]));
    const tracked = latest.knownIssues![0]!;
    await page.goto(url('snapshots', latest.id, 'regressions'), { waitUntil: 'load' });
    expect(await page.locator(`article#r-${tracked.regressionId} .tracked`).textContent()).toContain(tracked.bug);
    // Home leads with new regressions no known issue tracks.
    await page.goto(url(), { waitUntil: 'load' });
    const leading = await page
      .locator('section[aria-labelledby="untracked"] table tbody th a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).hash.slice(3)));
    expect(leading.length).toBeGreaterThan(0);
    expect(leading).not.toContain(tracked.regressionId);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens a snapshot permalink, which home names as canonical', async () => {
    const { page, problems } = await open();
    await page.goto(url(), { waitUntil: 'load' });
    const canonical = await page.locator('link[rel="canonical"]').getAttribute('href');
    expect(canonical).toBe(`https://example.github.io${BASE}snapshots/${latest.id}/`);
    await page.goto(url('snapshots', latest.id), { waitUntil: 'load' });
    expect(await page.locator('h1').textContent()).toBe('CI report');
    expect(await page.locator('nav.breadcrumbs').textContent()).toContain(latest.id);
    await page.getByRole('link', { name: /^What changed since/ }).click();
    await page.waitForURL(/\/diff\/$/);
    expect(await page.locator('h2#regression-changes').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('crawls every internal link of the site with no 404', async () => {
    const seen = new Set<string>();
    const queue = [`${BASE}`];
    const broken: string[] = [];
    let pages = 0;
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const res = await fetch(`${origin}${next}`);
      if (res.status !== 200) {
        broken.push(`${res.status} ${next}`);
        continue;
      }
      if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) {
        await res.arrayBuffer();
        continue;
      }
      pages++;
      const html = await res.text();
      for (const tag of tags(html)) {
        for (const attr of ['href', 'src', 'action']) {
          const raw = tag.attrs.get(attr);
          if (!raw) continue;
          const target = new URL(decodeEntities(raw), `${origin}${next}`);
          if (target.origin !== origin) continue;
          expect(target.pathname.startsWith(BASE), `${next} → ${target.pathname}`).toBe(true);
          if (!seen.has(target.pathname)) queue.push(target.pathname);
        }
      }
    }
    expect(broken).toEqual([]);
    // Both snapshots, every job and every listed test were reached by following links.
    for (const job of latest.jobs) expect(seen.has(`${BASE}snapshots/${latest.id}/jobs/${encodeURIComponent(job.name)}/`), job.name).toBe(true);
    for (const test of testsWithPages(latest)) expect(seen.has(`${BASE}snapshots/${latest.id}/tests/${test.id}/`), test.id).toBe(true);
    expect(seen.has(`${BASE}snapshots/${latest.id}/payloads/`), 'the payloads page').toBe(true);
    console.info(`crawl: ${pages} pages, ${seen.size} URLs, none broken`);
  });

  it('serves a feed that parses as Atom, with entries linking to published pages', async () => {
    const res = await fetch(`${origin}${BASE}feed.xml`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    const entries: { id: string; href: string }[] = [];
    let current: { id: string; href: string } | undefined;
    let inId = false;
    const parser = new SaxesParser({ xmlns: true });
    parser.on('opentag', (t) => {
      if (t.local === 'entry') current = { id: '', href: '' };
      if (t.local === 'id') inId = true;
      const rel = t.attributes.rel;
      if (current && t.local === 'link' && (typeof rel === 'string' ? rel : rel?.value) === 'alternate') {
        const href = t.attributes.href;
        current.href = typeof href === 'string' ? href : (href?.value ?? '');
      }
    });
    parser.on('text', (text) => {
      if (inId && current) current.id += text;
    });
    parser.on('closetag', (t) => {
      if (t.local === 'id') inId = false;
      if (t.local === 'entry' && current) {
        entries.push(current);
        current = undefined;
      }
    });
    parser.write(xml).close();
    const expected = latest.regressions!.tests.concat().filter((r) => r.mode === 'ratchet' && r.status !== 'open').length;
    expect(entries.length).toBeGreaterThanOrEqual(expected);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      expect(e.id).toMatch(/^tag:example\.github\.io,2026:ratchet\/regression\/[0-9a-f]+\/(new|resolved)\/\d{4}-\d\d-\d\dT\d{4}Z$/);
      const page = new URL(e.href);
      expect((await fetch(`${origin}${page.pathname}`)).status, e.href).toBe(200);
    }
  });

  it('sorts and filters the jobs table in the browser', async () => {
    const { page, problems } = await open();
    await page.goto(url('snapshots', latest.id, 'jobs'), { waitUntil: 'load' });
    const rows = page.locator('#jobs-table tbody tr');
    expect(await rows.count()).toBe(latest.jobs.length);
    const filter = page.getByLabel('Filter jobs by name or variant');
    await filter.fill('upgrade');
    const visible = await page.locator('#jobs-table tbody tr:not([hidden]) th').allTextContents();
    expect(visible.length).toBe(latest.jobs.filter((j) => `${j.name} ${j.variantKey}`.includes('upgrade')).length);
    expect(visible.length).toBeLessThan(latest.jobs.length);
    expect(await page.locator('[data-filter-count]').first().textContent()).toBe(`Showing ${visible.length} of ${latest.jobs.length}`);
    await filter.fill('');
    const header = page.locator('#jobs-table thead th').nth(3);
    await header.getByRole('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    const rates = (
      await page.locator('#jobs-table tbody tr td:nth-child(4)').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.value ?? ''))
    ).map((v) => (v === '' ? -Infinity : Number(v)));
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    await header.getByRole('button').click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('finds jobs by any hyphenated part of their names', async () => {
    const { page, problems } = await open();
    const job = latest.jobs.find((j) => j.name.includes('e2e-aws-ovn'))!;
    await page.goto(`${url('search')}?q=${encodeURIComponent('e2e-aws-ovn')}&kind=job`, { waitUntil: 'load' });
    await page.waitForSelector('[data-search-results] li');
    const found = await page.locator('[data-search-results] li a').allTextContents();
    expect(found).toContain(job.name);
    for (const name of found) expect(name).toContain('e2e-aws-ovn');
    expect(found.length).toBe(latest.jobs.filter((j) => j.name.includes('e2e-aws-ovn')).length);
    // A whole name pasted from Prow finds that job first; following the result opens its page.
    await page.getByLabel('Job or test name').fill(job.name);
    await page.getByRole('button', { name: 'Search', exact: true }).last().click();
    // A loaded CI runner can take seconds to load the search index: poll longer than vitest's 1 s default.
    await expect.poll(async () => page.locator('[data-search-results] li a').first().textContent(), { timeout: 15_000 }).toBe(job.name);
    await page.locator('[data-search-results] li a').first().click();
    await page.waitForURL(new RegExp(`/jobs/${job.name}/$`));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('copies a regression as Markdown for a bug, with its permalink and runs', async () => {
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const { page, problems } = await open(context);
    await page.goto(url('snapshots', latest.id, 'regressions'), { waitUntil: 'load' });
    const card = page.locator('article.regression').first();
    // The clipboard takes writes only from a focused document. Playwright emulates focus for every page, so this
    // is a guard. A write that never settled left the status empty in some fresh-clone runs (one in several, even
    // with the machine otherwise idle): the page now gives up on a write after 4 s and selects the text instead
    // ("Could not copy automatically…"). That fallback is the product working, the clipboard of headless Chromium
    // not: so the click is tried up to three times, and the copy must then have reached the clipboard.
    await page.bringToFront();
    const status = card.locator('[data-copy-status]');
    let said = '';
    for (let attempt = 0; attempt < 3 && !said.includes('Copied'); attempt++) {
      await status.evaluate((el) => {
        el.textContent = '';
      });
      await card.getByRole('button', { name: 'Copy for bug' }).click();
      await expect.poll(async () => (said = (await status.textContent()) ?? ''), { timeout: 15_000 }).not.toBe('');
    }
    expect(said).toContain('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const id = await card.getAttribute('id');
    expect(copied).toContain(`Report: https://example.github.io${BASE}snapshots/${latest.id}/regressions/#${id}`);
    expect(copied).toMatch(/\(https:\/\/prow\.ci\.openshift\.org\/view\/gs\//);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('compares any two snapshots through the compare form', async () => {
    const { page, problems } = await open();
    const older = '2026-11-27T0600Z';
    await page.goto(url('compare'), { waitUntil: 'load' });
    await page.getByLabel('From (older)').selectOption(older);
    await page.getByLabel('To (newer)').selectOption(latest.id);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForSelector('[data-compare-result] h2');
    const text = (await page.locator('[data-compare-result]').textContent())!;
    expect(text).toContain('Biggest pass-rate changes');
    expect(text).toContain(`From ${older} to ${latest.id}`);
    expect(page.url()).toContain(`from=${older}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps every table readable without JavaScript, with no empty chart boxes', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(url('snapshots', latest.id, 'jobs'));
    expect(await page.locator('#jobs-table tbody tr').count()).toBe(latest.jobs.length);
    expect(await page.locator('.table-filter').isVisible()).toBe(false);
    const job = latest.jobs[0]!;
    await page.goto(url('snapshots', latest.id, 'jobs', job.name));
    expect(await page.locator('[data-chart-canvas]').first().isVisible()).toBe(false);
    expect(await page.locator('table.daily tbody tr').count()).toBe(job.byDay.length);
    await page.goto(url('snapshots', latest.id, 'regressions'));
    expect(await page.locator('article.regression textarea').first().inputValue()).toContain('Report: https://');
    await context.close();
  });

  it('shows every kind of page with no console error, CSP violation or failed request', async () => {
    const { page, problems } = await open();
    const job = latest.jobs[0]!;
    const test = testsWithPages(latest)[0]!;
    const targets = [
      url(),
      url('latest'),
      url('snapshots'),
      url('compare'),
      `${url('search')}?q=aws`,
      ...['', 'regressions', 'regressions/compatible', 'payloads', 'jobs', 'tests', 'disruption', 'diff', 'data-quality'].map(
        (v) => `${url('snapshots', latest.id)}${v ? `${v}/` : ''}`,
      ),
      url('snapshots', latest.id, 'jobs', job.name),
      url('snapshots', latest.id, 'tests', test.id),
    ];
    for (const target of targets) {
      await page.goto(target, { waitUntil: 'load' });
      // Let lazily drawn charts draw: scroll through the page.
      await page.evaluate(async () => {
        for (let y = 0; y < document.body.scrollHeight; y += 700) {
          window.scrollTo(0, y);
          await new Promise((r) => requestAnimationFrame(() => r(undefined)));
        }
      });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders hostile names, messages and very long lines harmlessly', async () => {
    const { page, problems } = await open();
    const origin2 = new URL(hostileServer.url).origin;
    const fixture = JSON.parse(
      gunzipSync(await readFile(path.join(hostileSite.paths.site, 'snapshots', '2026-11-28T0600Z', 'snapshot.json.gz'))).toString('utf8'),
    ) as Snapshot;
    const hostile = fixture.tests.find((t) => t.name.includes('<script>'))!;
    for (const target of [
      `${BASE}snapshots/${fixture.id}/tests/${hostile.id}/`,
      `${BASE}snapshots/${fixture.id}/regressions/`,
      `${BASE}snapshots/${fixture.id}/disruption/`,
      // The version 2 example: its payloads, a hostile regression held open, a hostile reason among the excluded runs.
      `${BASE}snapshots/${V2_ID}/payloads/`,
      `${BASE}snapshots/${V2_ID}/regressions/`,
      `${BASE}snapshots/${V2_ID}/data-quality/`,
      `${BASE}`,
    ]) {
      await page.goto(`${origin2}${target}`, { waitUntil: 'load' });
      expect(await page.locator('main img, main script:not([src])').count(), target).toBe(0);
      // A 12,000-character line wraps or scrolls inside its box; the page itself never scrolls sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), target).toBe(true);
    }
    await page.goto(`${origin2}${BASE}snapshots/${fixture.id}/tests/${hostile.id}/`, { waitUntil: 'load' });
    expect(await page.locator('h1').textContent()).toBe(hostile.name);
    expect(await page.locator('h1').textContent()).toContain('<script>alert(1)</script>');
    expect(problems).toEqual([]);
    await page.close();
  });
});
