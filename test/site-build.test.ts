/**
 * Builds the site once from the example snapshots under a project-site base ('/ratchet/'), then checks
 * the output as GitHub Pages would serve it: every page exists, every internal link resolves under the
 * base, nothing is inlined that the CSP would block, and hostile data stays text. With Debian's
 * Chromium installed, it also loads pages over HTTP and checks that the chart actually draws.
 *
 * Set RATCHET_SCREENSHOT_DIR to keep PNGs of the main pages for a look by eye.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../src/site/lib/csp.ts';
import { readSnapshots } from '../src/site/lib/snapshots.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'snapshots');
const BASE = '/ratchet/';
const CHROMIUM = '/usr/bin/chromium';

let outDir = '';
let tmp = '';
let snapshots: Snapshot[] = [];
let htmlFiles: string[] = [];
const pages = new Map<string, string>(); // URL path under the base → HTML
let buildMs = 0;

function buildSite(target: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {};
  // vitest exports its own Vite variables (NODE_ENV=test, MODE, DEV, PROD, SSR, VITEST*); keep them out
  // of Astro's Vite. BASE_URL is deliberately passed through: astro.config.mjs must ignore it.
  const vitestOwn = new Set(['NODE_ENV', 'MODE', 'DEV', 'PROD', 'SSR']);
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && !vitestOwn.has(k)) env[k] = v;
  env.BASE_URL ??= '/';
  Object.assign(env, {
    ASTRO_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
    RATCHET_SNAPSHOTS_DIR: FIXTURES,
    RATCHET_SITE_DIR: target,
    RATCHET_BASE: BASE,
    RATCHET_SITE: 'https://example.github.io',
  });
  delete env.RATCHET_RENDER_IDS;
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['astro', 'build', '--silent'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`astro build exited with ${code}:\n${output}`))));
  });
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

/** '/ratchet/snapshots/x/' → '<outDir>/snapshots/x/index.html'; undefined when outside the base. */
function fileFor(urlPath: string): string | undefined {
  if (!urlPath.startsWith(BASE)) return undefined;
  const rest = urlPath.slice(BASE.length).split('/').map(decodeURIComponent).join('/');
  const file = path.join(outDir, rest);
  if (!file.startsWith(outDir)) return undefined;
  return rest === '' || rest.endsWith('/') ? path.join(file, 'index.html') : file;
}

const pageUrl = (...segments: string[]): string => `${BASE}${segments.map(encodeURIComponent).join('/')}${segments.length ? '/' : ''}`;

beforeAll(async () => {
  // Inside the project on purpose: for an out dir outside the working directory Astro writes its
  // prerender chunks to the shared <root>/.astro/.prerender/, where a concurrent build would clash.
  await mkdir(path.join(ROOT, '.astro'), { recursive: true });
  tmp = await mkdtemp(path.join(ROOT, '.astro', 'test-site-'));
  outDir = path.join(tmp, 'site');
  snapshots = await readSnapshots(FIXTURES);
  const started = performance.now();
  await buildSite(outDir);
  buildMs = performance.now() - started;
  htmlFiles = (await walk(outDir)).filter((f) => f.endsWith('.html'));
  for (const file of htmlFiles) {
    const rel = path.relative(outDir, file).split(path.sep);
    // Directory format: <path>/index.html is served as <path>/; anything else (404.html) by its name.
    const url = rel.at(-1) === 'index.html' ? pageUrl(...rel.slice(0, -1)) : `${BASE}${rel.join('/')}`;
    pages.set(url, await readFile(file, 'utf8'));
  }
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('site build', () => {
  it('renders every page the snapshots call for', () => {
    const expected = [pageUrl(), pageUrl('latest'), pageUrl('snapshots'), `${BASE}404.html`];
    for (const s of snapshots) {
      expected.push(pageUrl('snapshots', s.id), pageUrl('snapshots', s.id, 'jobs'), pageUrl('snapshots', s.id, 'data-quality'));
      for (const job of s.jobs) expected.push(pageUrl('snapshots', s.id, 'jobs', job.name));
      for (const test of s.tests) expected.push(pageUrl('snapshots', s.id, 'tests', test.id));
    }
    expect([...pages.keys()].sort()).toEqual(expected.sort());
    console.info(`site: ${pages.size} pages built in ${(buildMs / 1000).toFixed(1)} s`);
  });

  it('resolves every internal href and src to a built file, always under the base path', () => {
    const broken: string[] = [];
    for (const [page, html] of pages) {
      const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
      for (const m of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
        const raw = (m[2] ?? '').replaceAll('&amp;', '&');
        if (/^https?:\/\//.test(raw)) continue;
        if (raw.startsWith('#')) {
          if (!ids.has(raw.slice(1))) broken.push(`${page}: missing anchor ${raw}`);
          continue;
        }
        const target = raw.split('#')[0]!.split('?')[0]!;
        const file = fileFor(target);
        if (!file || !existsSync(file)) broken.push(`${page}: ${m[1]}="${raw}"`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('links runs to Prow, and never turns a javascript: URL into a link', () => {
    const job = snapshots[0]!.jobs[0]!;
    const html = pages.get(pageUrl('snapshots', snapshots[0]!.id, 'jobs', job.name))!;
    expect(html).toContain(`href="${job.recentRuns[0]!.url}"`);
    for (const [page, text] of pages) expect(text, page).not.toMatch(/href="\s*javascript:/i);
  });

  it('has no inline scripts or styles, and the CSP meta comes first in <head>', () => {
    for (const [page, html] of pages) {
      for (const m of html.matchAll(/<script\b([^>]*)>/gi)) {
        const attrs = m[1] ?? '';
        const external = /\ssrc="[^"]+"/.test(attrs);
        const data = /\stype="application\/json"/.test(attrs);
        expect(external || data, `${page}: inline <script${attrs}>`).toBe(true);
      }
      expect(html, page).not.toMatch(/<style[\s>]/i);
      expect(html, page).not.toMatch(/\sstyle="/i);
      expect(html, page).not.toMatch(/\son[a-z]+="/i);
      const head = html.slice(html.indexOf('<head>'), html.indexOf('</head>'));
      const csp = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY.replaceAll("'", '&#39;')}">`;
      const cspRaw = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;
      const at = Math.max(head.indexOf(csp), head.indexOf(cspRaw));
      expect(at, `${page}: CSP meta`).toBeGreaterThan(0);
      const firstResource = head.search(/<(link|script)\b/);
      expect(firstResource === -1 || firstResource > at, `${page}: a resource precedes the CSP`).toBe(true);
      expect(html, page).toMatch(/^<!DOCTYPE html><html lang="en">/i);
    }
  });

  it('escapes hostile test names, messages and reasons', () => {
    const latest = snapshots[0]!;
    const hostile = latest.tests.find((t) => t.name.includes('<script>'));
    expect(hostile).toBeDefined();
    for (const [page, html] of pages) {
      expect(html, page).not.toContain('<script>alert');
      expect(html, page).not.toContain('<img src=x');
      expect(html, page).not.toContain('</pre><script>');
    }
    const testPage = pages.get(pageUrl('snapshots', latest.id, 'tests', hostile!.id))!;
    expect(testPage).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(testPage).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(pages.get(pageUrl('snapshots', latest.id, 'data-quality'))).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('shows home and /latest/ as the newest snapshot, pointing at its permanent page', () => {
    const latest = snapshots[0]!;
    for (const url of [pageUrl(), pageUrl('latest')]) {
      const html = pages.get(url)!;
      expect(html).toContain(`<link rel="canonical" href="https://example.github.io${pageUrl('snapshots', latest.id)}">`);
      expect(html).toContain(`>${latest.id}</a>`);
      expect(html).toContain('Jobs passing');
    }
  });

  it('never shows a snapshot without runs as healthy', () => {
    const empty = snapshots.find((s) => s.coverage.runsRead === 0);
    expect(empty).toBeDefined();
    const html = pages.get(pageUrl('snapshots', empty!.id))!;
    expect(html).toContain('No data');
    expect(html).not.toContain('tone-ok');
    expect(html).not.toContain('Jobs passing');
    expect(pages.get(pageUrl('snapshots'))).toContain('No data: no runs were read');
  });

  it('gives every table a caption and scoped header cells', () => {
    for (const [page, html] of pages) {
      const tables = html.split('<table').slice(1);
      for (const t of tables) {
        expect(t, page).toMatch(/^[^>]*><caption>/);
        expect(t.slice(0, t.indexOf('</table>')), page).not.toMatch(/<th(?![^>]*scope=)[\s>]/);
      }
    }
  });

  it('reports its size', async () => {
    const files = await walk(outDir);
    let total = 0;
    for (const f of files) total += (await stat(f)).size;
    const scripts = files.filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBe(1);
    const chart = (await stat(scripts[0]!)).size;
    console.info(`site: ${(total / 1024).toFixed(0)} KiB on disk, chart bundle ${(chart / 1024).toFixed(0)} KiB`);
    expect(chart).toBeLessThan(250 * 1024);
  });
});

/** Serves the build under the base path, as GitHub Pages does for a project site. */
function serve(dir: string): Promise<http.Server> {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const file = url.pathname.startsWith(BASE) ? fileFor(url.pathname) : undefined;
    if (!file || !existsSync(file) || !file.startsWith(dir)) {
      res.writeHead(404).end('not found');
      return;
    }
    readFile(file).then((body) => {
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    }, () => res.writeHead(500).end());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!existsSync(CHROMIUM))('site in a browser', () => {
  it('draws the charts under the CSP without errors, and keeps tables readable without JavaScript', async () => {
    const { chromium } = await import('playwright-core');
    const server = await serve(outDir);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    const shots = process.env.RATCHET_SCREENSHOT_DIR;
    if (shots) await mkdir(shots, { recursive: true });
    try {
      const latest = snapshots[0]!;
      const failing = latest.jobs.find((j) => j.status === 'failing') ?? latest.jobs[0]!;
      const hostile = latest.tests.find((t) => t.name.includes('<script>')) ?? latest.tests[0]!;
      const empty = snapshots.find((s) => s.coverage.runsRead === 0);
      const targets: [string, string][] = [
        ['home', pageUrl()],
        ['job', pageUrl('snapshots', latest.id, 'jobs', failing.name)],
        ['test', pageUrl('snapshots', latest.id, 'tests', hostile.id)],
        ['data-quality', pageUrl('snapshots', latest.id, 'data-quality')],
        ['snapshots', pageUrl('snapshots')],
      ];
      if (empty) targets.push(['no-data', pageUrl('snapshots', empty.id)]);
      // Charts live on job and test pages; the rest only matter for screenshots.
      const visit = shots ? targets : targets.filter(([name]) => ['home', 'job', 'test'].includes(name));

      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`); });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
      page.on('requestfailed', (r) => {
        // Moving on to the next page cancels a late favicon fetch (ERR_ABORTED); missing files show up as 404s below.
        const reason = r.failure()?.errorText ?? '';
        if (!reason.includes('ERR_ABORTED')) problems.push(`request failed: ${r.url()} ${reason}`);
      });
      page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`); });

      for (const [name, url] of visit) {
        // Module scripts run before 'load'; the chart wait below covers drawing.
        await page.goto(`${origin}${url}`, { waitUntil: 'load' });
        if (name === 'job' || name === 'test') {
          await page.waitForSelector('[data-chart-canvas]:not([hidden]) canvas');
          // Count painted pixels: a registered-but-empty chart would leave the canvas transparent.
          const painted = await page.evaluate(() => {
            const canvas = document.querySelector('canvas');
            const ctx = canvas?.getContext('2d');
            if (!canvas || !ctx) return 0;
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let n = 0;
            for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
            return n;
          });
          expect(painted, `${name}: chart pixels`).toBeGreaterThan(1000);
        }
        if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
      }
      expect(problems).toEqual([]);
      await page.close();

      // Without JavaScript the numbers are still there and no empty chart box is left behind.
      const noJs = await browser.newContext({ javaScriptEnabled: false });
      const plain = await noJs.newPage();
      await plain.goto(`${origin}${pageUrl('snapshots', latest.id, 'jobs', failing.name)}`);
      expect(await plain.locator('[data-chart-canvas]').first().isVisible()).toBe(false);
      expect(await plain.locator('table.daily tbody tr').count()).toBe(failing.byDay.length);
      if (shots) await plain.screenshot({ path: path.join(shots, 'job-no-js.png'), fullPage: true });
      await noJs.close();
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
