/**
 * Builds the published site from the snapshots and the archive, so that a build costs one snapshot's
 * pages however long the history, and a published snapshot's pages never change:
 *
 * 1. Snapshots with a complete archive entry are not rendered again; the others (usually just the new
 *    one) are rendered by Astro, in a child process, into a staging directory (RATCHET_RENDER_IDS).
 *    The same build renders the pages that move: home, /latest/, the lists, compare, search, the feed.
 * 2. Each new snapshot's tree (/snapshots/<id>/**, pages and JSON) goes into the archive with the
 *    hashed assets it loads (archive.ts).
 * 3. The site is assembled next to the output directory from the moving pages, every archived
 *    snapshot the site holds (hard links: no copying of the history) and every archived asset; pagefind
 *    indexes the latest snapshot's jobs and tests; the badges and the archive index (archive-index.ts)
 *    are written; then it replaces the old site with two renames, so a failed build leaves the last
 *    published site as it was.
 *
 * With an archive store (store/archive-store.ts) the build also knows what the store holds: those
 * snapshots are never rendered again, and when browsers can read the store the site holds only the
 * last archive.pagesDays days of them (store/tiers.ts); the 404 page shows the older ones from the store.
 * Intra-day snapshots are archived light (tiers.ts) when the plan says so.
 *
 * Astro writes temporary chunks to <outDir>/.prerender/ when the output directory is inside the
 * working directory, and to a shared <root>/.astro/.prerender/ otherwise; staging therefore lives in
 * its own directory under <project>/.astro/, which keeps simultaneous builds (tests run in parallel)
 * apart.
 *
 * Nothing outlives the build: the Astro child stops when its parent dies (astro-child.ts), and is stopped on
 * Ctrl-C or SIGTERM; the staging and assembly folders are removed when the build ends, and they carry their
 * owner's pid in their names, so a build removes those a killed build left (util/owned-names.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT, type OutputPaths } from '../config/output-paths.ts';
import { DEFAULT_SITE_URL } from '../config/run-plan.ts';
import { isSnapshotId } from '../snapshot/snapshot-id.ts';
import { VERSION } from '../version.ts';
import { listSnapshotIds } from '../store/snapshot-store.ts';
import { normalizeBase } from '../util/base-path.ts';
import { onExit } from '../util/exit-cleanup.ts';
import { ownerTag, removeAbandoned } from '../util/owned-names.ts';
import { identityOf, isAlive, parseIdentity } from '../util/process-identity.ts';
import { DirectoryArchive, listFiles } from '../store/archive.ts';
import type { PublicLayout } from '../store/archive-store.ts';
import { dayOf, type EntryKind, kindsFor, onSite } from '../store/tiers.ts';
import { readSnapshot } from '../store/snapshot-store.ts';
import { allowStoreOn404, archiveIndex, writeArchiveIndex } from './archive-index.ts';
import { writeBadges } from './badges.ts';
import { writeSearchIndex } from './search-index.ts';

export interface BuildOptions {
  base?: string;
  site?: string;
  quiet?: boolean;
  /** Another copy of src/site to build from (RATCHET_SITE_SRC); inside the project, so its imports resolve. */
  siteSrc?: string;
  /** 'light': intra-day snapshots keep part of their tree (store/tiers.ts); default 'full' (everything). */
  intraDay?: EntryKind;
  /** What the archive store holds, when there is one. */
  store?: StoreView;
  /** Keep the replaced site (BuildReport.previous) until revertSite or dropPreviousSite: a later step may fail. */
  keepPrevious?: boolean;
  /** Called between steps (fault-injection tests stop a build there). */
  onStep?: (step: 'rendered' | 'archived' | 'assembled') => void | Promise<void>;
}

/** The archive store as a build sees it. */
interface StoreView {
  /** Snapshots the store holds: never rendered again; published from the local archive when the site holds them. */
  ids: readonly string[];
  /** Per id, where a browser finds it beyond the public URL (git: its commit). */
  locations: Readonly<Record<string, string>>;
  /** How browsers read the store; null when they cannot (the site then holds every snapshot). */
  publicLayout: PublicLayout | null;
  /** The site holds the snapshots of this many days before the newest (with a public layout). */
  pagesDays: number;
}

export interface BuildReport {
  /** Snapshots rendered by this build (and added to the archive), newest first. */
  rendered: string[];
  /** Of those, the light ones (intra-day snapshots that keep part of their tree). */
  light: string[];
  /** Snapshots published from the archive as they were. */
  reused: string[];
  /** Snapshots only the store holds (the 404 page shows them from there). */
  elsewhere: number;
  /** Files in the published site. */
  files: number;
  /** Bytes in the published site. */
  bytes: number;
  /** Records in the search index. */
  searchRecords: number;
  /** With keepPrevious: the site this build replaced, set aside (undefined when there was none). */
  previous?: string;
  /** Files Astro wrote in this build: per snapshot tree (only the rendered ones), and the moving pages and assets. */
  staged: { snapshots: Record<string, number>; moving: number };
  ms: { astro: number; archive: number; assemble: number; search: number; total: number };
}

class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
}

/** The environment for Astro: ours, without a test runner's Vite variables that would leak into the build. */
function astroEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const vitestOwn = new Set(['NODE_ENV', 'MODE', 'DEV', 'PROD', 'SSR', 'BASE_URL']);
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('VITEST') && !k.startsWith('RATCHET_') && !vitestOwn.has(k)) env[k] = v;
  }
  return { ...env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1', ...extra };
}

/** Where a staging directory records its Astro child, so a later build can stop it if its parent was killed. */
const CHILD_FILE = 'astro-child.json';

async function runAstro(env: NodeJS.ProcessEnv, quiet: boolean, staging: string): Promise<void> {
  const childScript = path.join(PROJECT_ROOT, 'src', 'site-build', 'astro-child.ts');
  await new Promise<void>((resolve, reject) => {
    // The IPC channel is how the child learns that this process is gone (astro-child.ts).
    const child = spawn(process.execPath, [childScript], {
      cwd: PROJECT_ROOT,
      env,
      stdio: quiet ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    const forget = onExit(() => child.kill('SIGKILL'));
    if (child.pid !== undefined) writeFile(path.join(staging, CHILD_FILE), JSON.stringify(identityOf(child.pid))).catch(() => {});
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (error) => {
      forget();
      reject(error);
    });
    child.on('exit', (code) => {
      forget();
      if (code === 0) resolve();
      else
        reject(new BuildError(`astro build failed with exit code ${code}; the published site was left as it was${output ? `:\n${output.slice(-4000)}` : ''}`));
    });
  });
}

/**
 * Staging and assembly folders a killed build left: removed when their owner is gone, and an Astro child it recorded
 * (which stops by itself when its parent dies) stopped if it still runs.
 */
async function removeAbandonedBuilds(stagingParent: string, site: string): Promise<void> {
  await removeAbandoned(stagingParent, 'staging-', async (dir) => {
    let child: ReturnType<typeof parseIdentity>;
    try {
      child = parseIdentity(JSON.parse(await readFile(path.join(dir, CHILD_FILE), 'utf8')));
    } catch {
      return; // none recorded, or cut short by the kill
    }
    if (child && isAlive(child)) process.kill(child.pid, 'SIGKILL');
  });
  await removeAbandoned(path.dirname(site), `.${path.basename(site)}.building-`);
  await removeAbandoned(path.dirname(site), `${path.basename(site)}.old-`);
}

/** Hard-link every file of `from` into `to` (copy across file systems). */
async function linkTree(from: string, to: string): Promise<number> {
  let n = 0;
  for (const rel of await listFiles(from)) {
    const target = path.join(to, rel);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await link(path.join(from, rel), target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
      await copyFile(path.join(from, rel), target);
    }
    n++;
  }
  return n;
}

/** Move (or copy, across file systems) one file or directory. */
async function move(from: string, to: string): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const info = await stat(from);
    if (info.isDirectory())
      await linkTree(from, to); // linkTree falls back to copying across devices
    else await copyFile(from, to);
  }
}

async function siteSize(dir: string): Promise<{ files: number; bytes: number }> {
  let bytes = 0;
  const files = await listFiles(dir);
  for (const f of files) bytes += (await stat(path.join(dir, f))).size;
  return { files: files.length, bytes };
}

/**
 * Replace `site` with `fresh` by renames; the old site stays in place until the new one is ready. With `keep`, the
 * old site is not removed but returned, so the caller can put it back (revertSite) or drop it (dropPreviousSite).
 */
async function swapInto(fresh: string, site: string, keep = false): Promise<string | undefined> {
  const old = `${site}.old-${ownerTag()}-${randomBytes(4).toString('hex')}`;
  const hadOld = existsSync(site);
  if (hadOld) await rename(site, old);
  try {
    await rename(fresh, site);
  } catch (err) {
    if (hadOld) await rename(old, site);
    throw err;
  }
  if (!hadOld) return undefined;
  if (keep) return old;
  await rm(old, { recursive: true, force: true });
  return undefined;
}

/** Put back the site a build replaced (BuildReport.previous): a later step failed, so the build is undone. */
export async function revertSite(site: string, previous: string | undefined): Promise<void> {
  const failed = `${site}.old-${ownerTag()}-${randomBytes(4).toString('hex')}`;
  if (existsSync(site)) await rename(site, failed);
  if (previous !== undefined) await rename(previous, site);
  await rm(failed, { recursive: true, force: true });
}

/** The replaced site is no longer needed (the step after the build succeeded). */
export async function dropPreviousSite(previous: string | undefined): Promise<void> {
  if (previous !== undefined) await rm(previous, { recursive: true, force: true });
}

export async function buildSite(paths: Pick<OutputPaths, 'snapshots' | 'archive' | 'site'>, options: BuildOptions = {}): Promise<BuildReport> {
  const started = performance.now();
  const base = normalizeBase(options.base);
  const site = options.site ?? DEFAULT_SITE_URL;
  const archive = new DirectoryArchive(paths.archive);

  const archived = await archivedIds(archive, paths.archive, base);
  const inStore = new Set(options.store?.ids ?? []);
  const own = (await listSnapshotIds(paths.snapshots)).reverse();
  // A snapshot the store holds is never rendered again, even when the local archive lost it.
  const missing = own.filter((id) => !archived.includes(id) && !inStore.has(id));
  const kinds = kindsFor(missing, [...archived, ...inStore], options.intraDay ?? 'full');

  const stagingParent = path.join(PROJECT_ROOT, '.astro');
  await mkdir(stagingParent, { recursive: true });
  await mkdir(path.dirname(paths.site), { recursive: true });
  await removeAbandonedBuilds(stagingParent, paths.site);
  const staging = await mkdtemp(path.join(stagingParent, `staging-${ownerTag()}-`));
  const out = path.join(staging, 'site');
  const assembly = await mkdtemp(path.join(path.dirname(paths.site), `.${path.basename(paths.site)}.building-${ownerTag()}-`));
  // Removed on Ctrl-C and SIGTERM too; after SIGKILL, by the next build (removeAbandonedBuilds).
  const forget = onExit(() => {
    rmSync(staging, { recursive: true, force: true });
    rmSync(assembly, { recursive: true, force: true });
  });
  const ms = { astro: 0, archive: 0, assemble: 0, search: 0, total: 0 };
  // Which snapshots the site holds: with a store browsers can read, those of its last pagesDays days (tiers.ts).
  const layout = options.store?.publicLayout ?? null;
  const everything = [...new Set([...archived, ...inStore, ...missing])].sort().reverse();
  const tier = onSite(everything, layout ? options.store!.pagesDays : null);
  const local = new Set([...archived, ...missing]);
  const published = everything.filter((id) => tier.has(id) && local.has(id));
  const elsewhere = everything.filter((id) => !published.includes(id));
  try {
    let t = performance.now();
    const catalogFile = path.join(staging, 'archive-catalog.json');
    await writeFile(catalogFile, JSON.stringify({ elsewhere }));
    await runAstro(
      astroEnv({
        RATCHET_SNAPSHOTS_DIR: paths.snapshots,
        RATCHET_ARCHIVE_DIR: paths.archive,
        RATCHET_SITE_DIR: out,
        RATCHET_RENDER_IDS: missing.join(','),
        RATCHET_BASE: base,
        RATCHET_SITE: site,
        RATCHET_ARCHIVE_CATALOG: catalogFile,
        ...(options.siteSrc ? { RATCHET_SITE_SRC: path.resolve(options.siteSrc) } : {}),
      }),
      options.quiet ?? false,
      staging,
    );
    ms.astro = performance.now() - t;
    const staged = await countStaged(out);
    await options.onStep?.('rendered');

    t = performance.now();
    for (const id of missing) {
      const pagesDir = path.join(out, 'snapshots', id);
      if (!existsSync(path.join(pagesDir, 'index.html')))
        throw new BuildError(`astro rendered no page for snapshot ${id} in ${pagesDir}; nothing was archived or published`);
      await archive.add({
        id,
        pagesDir,
        snapshotFile: path.join(paths.snapshots, id, 'snapshot.json'),
        stagingRoot: out,
        base,
        site,
        renderedBy: VERSION,
        kind: kinds.get(id) ?? 'full',
      });
    }
    ms.archive = performance.now() - t;
    await options.onStep?.('archived');

    t = performance.now();
    await moveMovingPages(out, assembly, missing);
    for (const id of published) await linkTree(archive.pagesDir(id), path.join(assembly, 'snapshots', id));
    await linkArchivedAssets(archive, assembly);
    await mkdir(path.join(assembly, 'snapshots'), { recursive: true });
    await writeArchiveIndex(assembly, archiveIndex({ onSite: published, elsewhere, locations: options.store?.locations ?? {}, store: layout }));
    if (layout && existsSync(path.join(assembly, '404.html'))) await allowStoreOn404(assembly, layout);
    ms.assemble = performance.now() - t;

    t = performance.now();
    const latest = published[0];
    const searchRecords = latest
      ? await writeSearchIndex({ archive, latestId: latest, base, out: path.join(assembly, 'pagefind'), ...(await pagesOf(archive, latest, published)) })
      : 0;
    ms.search = performance.now() - t;
    if (latest && archive.hasSnapshot(latest)) await writeBadges(assembly, await readSnapshot(archive.snapshotFile(latest)));
    await options.onStep?.('assembled');

    const size = await siteSize(assembly);
    const previous = await swapInto(assembly, paths.site, options.keepPrevious ?? false);
    ms.total = performance.now() - started;
    return {
      ...(previous !== undefined ? { previous } : {}),
      rendered: missing,
      light: missing.filter((id) => kinds.get(id) === 'light'),
      reused: published.filter((id) => !missing.includes(id)),
      elsewhere: elsewhere.length,
      files: size.files,
      bytes: size.bytes,
      searchRecords,
      staged,
      ms,
    };
  } finally {
    forget();
    await rm(staging, { recursive: true, force: true });
    await rm(assembly, { recursive: true, force: true });
  }
}

/**
 * Where the search records of a light latest snapshot lead: the job and test pages of the first snapshot of its day
 * (full by the rule of store/tiers.ts), when the site holds it. Nothing to say for a full latest.
 */
async function pagesOf(
  archive: DirectoryArchive,
  latest: string,
  published: readonly string[],
): Promise<{ pagesOf?: { id: string; files: ReadonlySet<string> } }> {
  const manifest = await archive.manifest(latest);
  if (manifest?.kind !== 'light') return {};
  const first = [...published].sort().find((id) => dayOf(id) === dayOf(latest));
  const full = first === undefined ? undefined : await archive.manifest(first);
  return { pagesOf: { id: first ?? latest, files: new Set(full?.kind === 'light' || !full ? [] : Object.keys(full.files)) } };
}

/** The archive's snapshot ids, once every one is known to be rendered for this build's base path. */
async function archivedIds(archive: DirectoryArchive, archiveDir: string, base: string): Promise<string[]> {
  const archived = await archive.ids();
  for (const id of archived) {
    const manifest = (await archive.manifest(id))!;
    if (manifest.base !== base) {
      throw new BuildError(
        `the archive ${archiveDir} holds snapshot ${id} rendered for base path "${manifest.base}", but this build uses "${base}": ` +
          `its links would break. Build with --base ${manifest.base}, or give this site its own archive (another --out).`,
      );
    }
  }
  return archived;
}

/** Files Astro wrote, per snapshot tree and for the moving pages (its temporary chunks left out). */
async function countStaged(out: string): Promise<BuildReport['staged']> {
  const staged = { snapshots: {} as Record<string, number>, moving: 0 };
  for (const f of await listFiles(out)) {
    if (f.startsWith('.prerender/')) continue;
    // snapshots/archive/ (the store-only list) moves with every build; only snapshot ids are snapshot trees.
    const m = /^snapshots\/([^/]+)\/./.exec(f);
    if (m && isSnapshotId(m[1]!)) staged.snapshots[m[1]!] = (staged.snapshots[m[1]!] ?? 0) + 1;
    else staged.moving++;
  }
  return staged;
}

/**
 * The moving pages: everything staging rendered except per-snapshot trees (taken from the archive, so a snapshot
 * rendered just now is published from exactly the bytes that were archived).
 */
async function moveMovingPages(out: string, assembly: string, rendered: readonly string[]): Promise<void> {
  for (const entry of await readdir(out)) {
    if (entry === '.prerender') continue;
    if (entry === 'snapshots') {
      for (const inner of await readdir(path.join(out, 'snapshots'))) {
        if (!rendered.includes(inner)) await move(path.join(out, 'snapshots', inner), path.join(assembly, 'snapshots', inner));
      }
      continue;
    }
    await move(path.join(out, entry), path.join(assembly, entry));
  }
}

/** Every asset ever archived: old pages keep loading the scripts and styles they were built with. */
async function linkArchivedAssets(archive: DirectoryArchive, assembly: string): Promise<void> {
  for (const asset of await archive.assets()) {
    const target = path.join(assembly, asset);
    if (!existsSync(target)) {
      await mkdir(path.dirname(target), { recursive: true });
      await link(path.join(archive.assetsDir, asset), target).catch(() => copyFile(path.join(archive.assetsDir, asset), target));
    }
  }
}
