/** Builds the example snapshots (test/fixtures/snapshots, snapshots-v2) into a temporary site (a tempDir()), as the CLI would. */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OutputPaths } from '../../src/config/output-paths.ts';
import { buildSite, type BuildOptions, type BuildReport } from '../../src/site-build/build-site.ts';
import { tempDir } from './prow-tree.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/snapshots/', import.meta.url));
const FIXTURE_IDS = ['2026-11-28T0600Z', '2026-11-27T0600Z', '2026-11-26T0600Z'];
/** The version 2 example: the day after the newest version 1 snapshot, in a folder of its own (make-example.ts). */
const FIXTURES_V2 = fileURLToPath(new URL('../fixtures/snapshots-v2/', import.meta.url));
export const V2_ID = '2026-11-29T0600Z';

export interface FixtureSite {
  root: string;
  paths: OutputPaths;
  report: BuildReport;
}

export async function outputPathsIn(root: string): Promise<OutputPaths> {
  const paths = {
    snapshots: path.join(root, 'snapshots'),
    archive: path.join(root, 'archive'),
    site: path.join(root, 'site'),
    cache: path.join(root, 'cache'),
    lock: path.join(root, '.ratchet.lock'),
    alerts: path.join(root, 'alerts', 'state.json'),
  };
  await mkdir(paths.snapshots, { recursive: true });
  return paths;
}

export async function addFixture(paths: OutputPaths, id: string): Promise<void> {
  const from = existsSync(path.join(FIXTURES, id)) ? FIXTURES : FIXTURES_V2;
  await cp(path.join(from, id), path.join(paths.snapshots, id), { recursive: true });
}

export async function buildFixtureSite(ids: string[] = FIXTURE_IDS, options: BuildOptions = {}): Promise<FixtureSite> {
  const root = tempDir('ratchet-site-');
  const paths = await outputPathsIn(root);
  for (const id of ids) await addFixture(paths, id);
  const report = await buildSite(paths, { base: '/ratchet/', site: 'https://example.github.io', quiet: true, ...options });
  return { root, paths, report };
}

/** Every file under `dir`, relative, with '/' separators. */
export async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** URL path under `base` → file in the built site ('/ratchet/x/' → x/index.html); undefined outside the base. */
export function fileFor(site: string, base: string, urlPath: string): string | undefined {
  if (!urlPath.startsWith(base)) return undefined;
  const rest = urlPath.slice(base.length).split('/').map(decodeURIComponent).join('/');
  const file = path.join(site, rest);
  if (!file.startsWith(site)) return undefined;
  return rest === '' || rest.endsWith('/') ? path.join(file, 'index.html') : file;
}

/** Pages of a built site by URL path: directory pages as '<base>x/', other files by name. */
export async function readPages(site: string, base: string): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  for (const rel of await walk(site)) {
    if (!rel.endsWith('.html')) continue;
    const parts = rel.split('/');
    const url =
      parts.at(-1) === 'index.html'
        ? `${base}${parts.slice(0, -1).map(encodeURIComponent).join('/')}${parts.length > 1 ? '/' : ''}`
        : `${base}${parts.map(encodeURIComponent).join('/')}`;
    pages.set(url, await readFile(path.join(site, rel), 'utf8'));
  }
  return pages;
}

export async function totalBytes(dir: string): Promise<number> {
  let n = 0;
  for (const rel of await walk(dir)) n += (await stat(path.join(dir, rel))).size;
  return n;
}
