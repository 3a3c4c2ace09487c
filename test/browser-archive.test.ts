import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic, type StaticServer } from '../src/serve/static-server.ts';
import { buildSite } from '../src/site-build/build-site.ts';
import type { ArchiveStore } from '../src/store/archive-store.ts';
import { DirectoryArchive, listFiles } from '../src/store/archive.ts';
import { openArchiveStore } from '../src/store/open-archive-store.ts';
import { tempDir } from './support/prow-tree.ts';
import { addFixture, FIXTURES, outputPathsIn } from './support/site-fixture.ts';
import { CHROMIUM, HAVE_CHROMIUM, launchChromium } from './support/browser.ts';

const BASE = '/ratchet/';
/** Older than the site holds, and only in the store. */
const OLD = '2026-11-27T0600Z';
const EMPTY = '2026-11-26T0600Z';
const FULL = '2026-11-28T0600Z';
const LIGHT = '2026-11-28T0800Z';
const JOB = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn';

if (!HAVE_CHROMIUM) console.log(`browser archive tests skipped: ${CHROMIUM} not found`);

describe.skipIf(!HAVE_CHROMIUM)('old and light permalinks in a browser', () => {
  let root = '';
  let archiveA: DirectoryArchive;
  let store: ArchiveStore;
  let storeServer: StaticServer;
  let siteServer: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    root = tempDir('ratchet-browser-archive-');
    // An earlier site published two daily snapshots, and pushed them to a directory store.
    const a = await outputPathsIn(path.join(root, 'a'));
    for (const id of [EMPTY, OLD]) await addFixture(a, id);
    await buildSite(a, { base: BASE, quiet: true });
    archiveA = new DirectoryArchive(a.archive);
    const storeDir = path.join(root, 'store');
    storeServer = await serveStatic(storeDir, { base: '/', cors: true });
    store = await openArchiveStore(storeDir, { publicUrl: storeServer.url, workDir: root });
    await store.push({ archive: archiveA, ids: [EMPTY, OLD], head: null });

    // Today's site, on another machine: the day's first snapshot (full) and a later one (light); it holds one day.
    const b = await outputPathsIn(path.join(root, 'b'));
    await addFixture(b, FULL);
    const light = JSON.parse(await readFile(path.join(FIXTURES, FULL, 'snapshot.json'), 'utf8'));
    await mkdir(path.join(b.snapshots, LIGHT));
    await writeFile(path.join(b.snapshots, LIGHT, 'snapshot.json'), JSON.stringify({ ...light, id: LIGHT, asOf: '2026-11-28T08:00:00.000Z' }));
    const catalog = await store.catalog();
    const report = await buildSite(b, {
      base: BASE,
      quiet: true,
      intraDay: 'light',
      store: { ids: catalog.ids, locations: catalog.locations, publicLayout: store.publicLayout, pagesDays: 1 },
    });
    expect(report.light).toEqual([LIGHT]);
    expect(report.elsewhere).toBe(2);
    siteServer = await serveStatic(b.site, { base: BASE });
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await siteServer?.close();
    await storeServer?.close();
    await store?.close();
  });

  /** A page that records console errors, page errors and CSP violations (the 404 answer itself is expected). */
  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of 404/.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    await page.goto(url);
    return { page, problems };
  }

  it('shows a snapshot only the store holds at its own address, as published, with its scripts and styles', async () => {
    const oldJob = (await listFiles(archiveA.pagesDir(OLD))).find((f) => /^jobs\/[^/]+\/index\.html$/.test(f))!.slice(0, -'index.html'.length);
    for (const rel of ['', oldJob]) {
      const { page, problems } = await open(`${siteServer.url}snapshots/${OLD}/${rel}`);
      const published = await readFile(path.join(archiveA.pagesDir(OLD), rel, 'index.html'), 'utf8');
      const title = /<title>([^<]*)<\/title>/.exec(published)![1]!;
      await page.waitForFunction((t) => document.title === t, title.replace(/&amp;/g, '&'), { timeout: 15_000 });
      expect(page.url()).toBe(`${siteServer.url}snapshots/${OLD}/${rel}`);
      // The published page's own text, and its stylesheet applied (served by the site: assets are kept forever).
      const h1 = /<h1[^>]*>([^<]*)</.exec(published)![1]!.trim();
      expect((await page.locator('h1').first().textContent())?.trim()).toBe(h1);
      expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).not.toBe('');
      expect(await page.evaluate(() => [...document.styleSheets].some((s) => (s.href ?? '').includes('/_astro/')))).toBe(true);
      // Its own scripts ran: the job page's chart is drawn (charts.ts marks it).
      if (rel !== '') await page.waitForSelector('figure.chart[data-drawn="true"]', { timeout: 15_000 });
      expect(problems).toEqual([]);
      await page.close();
    }
  });

  it('sends a job page of a light snapshot to the same page of the day\u2019s first snapshot', async () => {
    const { page, problems } = await open(`${siteServer.url}snapshots/${LIGHT}/jobs/${JOB}/`);
    const link = page.locator('[data-archive-link]');
    await link.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('[data-archive-message]').textContent()).toContain(`Snapshot ${LIGHT} is an intra-day snapshot`);
    expect(await link.getAttribute('href')).toBe(`${BASE}snapshots/${FULL}/jobs/${JOB}/`);
    await link.click();
    await page.waitForURL(`${siteServer.url}snapshots/${FULL}/jobs/${JOB}/`);
    expect(await page.locator('h1').first().textContent()).toContain(JOB);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('leaves an address no snapshot ever had "not found"', async () => {
    const { page, problems } = await open(`${siteServer.url}snapshots/2020-01-01T0000Z/`);
    await page.waitForLoadState('networkidle');
    expect(await page.locator('h1').first().textContent()).toBe('Page not found');
    expect(await page.locator('[data-archive-fallback]').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists the snapshots only the store holds, each linking its permanent address', async () => {
    const { page } = await open(`${siteServer.url}snapshots/archive/`);
    const hrefs = await page.locator('main a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(expect.arrayContaining([`${BASE}snapshots/${OLD}/`, `${BASE}snapshots/${EMPTY}/`]));
    expect(hrefs).not.toContain(`${BASE}snapshots/${FULL}/`);
    const list = await open(`${siteServer.url}snapshots/`);
    expect(await list.page.locator(`a[href="${BASE}snapshots/archive/"]`).textContent()).toBe('2 older snapshots');
    await page.close();
    await list.page.close();
  });
});
