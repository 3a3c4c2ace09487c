// `npm run screenshots`: build the bundled sample into a temporary directory as two daily snapshots
// (so the diff page has something to compare), serve it under /ratchet/ like GitHub Pages, and write
// PNGs of the main pages to docs/screenshots/. Uses Debian's Chromium (never a downloaded browser).
//
//   npm run screenshots                       build the sample, then shoot
//   npm run screenshots -- --site DIR         shoot an already built site (served under --base, default /ratchet/)
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { generateSample } from '../src/sample/generate.ts';
import { main } from '../src/cli/main.ts';
import { serveStatic } from '../src/serve/static-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const { values } = parseArgs({ options: { site: { type: 'string' }, base: { type: 'string', default: '/ratchet/' }, out: { type: 'string' } } });
const outDir = path.resolve(values.out ?? path.join(root, 'docs', 'screenshots'));

if (!existsSync(CHROMIUM)) {
  console.error(`screenshots: ${CHROMIUM} not found; install Debian's Chromium (apt-get install -y chromium) and run again`);
  process.exit(1);
}

let work;
let siteDir = values.site ? path.resolve(values.site) : undefined;
if (!siteDir) {
  work = await mkdtemp(path.join(os.tmpdir(), 'ratchet-screenshots-'));
  const bucket = path.join(work, 'bucket');
  console.log('screenshots: generating the sample bucket');
  await generateSample(bucket);
  // The sample's own config ("source": "./bucket"), next to the generated bucket.
  const config = path.join(work, 'ratchet.config.json');
  await copyFile(path.join(root, 'data', 'sample', 'ratchet.config.json'), config);
  // Two daily snapshots: the newest has a predecessor for its diff page and regression lifecycle.
  for (const asOf of ['2026-11-27T06:00:00Z', '2026-11-28T06:00:00Z']) {
    const code = await main(['run', '--config', config, '--out', work, '--base', values.base, '--as-of', asOf, '--quiet']);
    if (code !== 0) {
      console.error(`screenshots: building the sample as of ${asOf} failed (exit code ${code})`);
      process.exit(1);
    }
  }
  siteDir = path.join(work, 'site');
}

const server = await serveStatic(siteDir, { base: values.base });
const index = JSON.parse(await readFile(path.join(siteDir, 'snapshots', 'index.json'), 'utf8'));
const latest = index.latest;
const snapshot = JSON.parse(gunzipSync(await readFile(path.join(siteDir, 'snapshots', latest, 'snapshot.json.gz'))).toString('utf8'));
const regression = snapshot.regressions?.tests.find((r) => r.status !== 'resolved' && r.mode === snapshot.regressions.settings.defaultMode);
const job = snapshot.jobs.find((j) => regression?.jobs.includes(j.name)) ?? snapshot.jobs.find((j) => j.status !== 'passing') ?? snapshot.jobs[0];
const test = snapshot.tests.find((t) => t.id === regression?.testId) ?? snapshot.tests.find((t) => t.current.failures > 0);
const component = snapshot.components?.list.find((c) => c.verdict === 'regressed' && c.name !== 'unknown') ?? snapshot.components?.list[0];
const cluster = snapshot.failureClusters?.find((c) => test && c.tests.some((t) => t.testId === test.id)) ?? snapshot.failureClusters?.[0];
const page = (...segments) => `${server.url}${segments.map(encodeURIComponent).join('/')}${segments.length ? '/' : ''}`;
const shots = [
  ['home', page()],
  ['regressions', page('snapshots', latest, 'regressions')],
  ['job', page('snapshots', latest, 'jobs', job.name)],
  ['test', page('snapshots', latest, 'tests', test.id)],
  ['disruption', page('snapshots', latest, 'disruption')],
  ['diff', page('snapshots', latest, 'diff')],
  ['jobs', page('snapshots', latest, 'jobs')],
  ['search', `${page('search')}?q=${encodeURIComponent('e2e-aws-ovn')}`],
  ...(component
    ? [
        ['components', page('snapshots', latest, 'components')],
        ['component', page('snapshots', latest, 'components', component.slug)],
      ]
    : []),
  ...(cluster ? [['cluster', page('snapshots', latest, 'clusters', cluster.id)]] : []),
];

await mkdir(outDir, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
});
try {
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  for (const [name, url] of shots) {
    await tab.goto(url, { waitUntil: 'load' });
    // Draw lazily drawn charts: scroll through the page, then wait for the canvases to settle.
    await tab.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 600) {
        window.scrollTo(0, y);
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      }
      window.scrollTo(0, 0);
    });
    if (name === 'search') await tab.waitForSelector('[data-search-results] li', { timeout: 10_000 }).catch(() => {});
    await tab.waitForTimeout(200);
    const file = path.join(outDir, `${name}.png`);
    // Long pages are cut at 2,400 px: enough to show the page, small enough for a README.
    const height = Math.min(await tab.evaluate(() => document.documentElement.scrollHeight), 2400);
    await tab.setViewportSize({ width: 1280, height });
    await tab.screenshot({ path: file });
    await tab.setViewportSize({ width: 1280, height: 900 });
    console.log(`screenshots: ${path.relative(root, file)} ← ${url}`);
  }
} finally {
  await browser.close();
  await server.close();
  if (work) await rm(work, { recursive: true, force: true });
}
