/**
 * History benchmark: a year of snapshots every 2 hours at OpenShift size (300 jobs, 10,000 tests; the render
 * bench's model, test/fixtures/snapshots/make-large.ts), against the targets of issue 10: the GitHub Pages site
 * stays at most 900 MB at any time, and the archive store grows by at most 5 GB a year.
 *
 *   npm run bench:history [-- --jobs 300 --tests 10000 --days 14]
 *
 * Rendering 4,380 snapshots would take a day and a half, so a sample is rendered and the year extrapolated:
 *
 * 1. Measured: a day's first snapshot (full) and the next two (light), and the next day's first, each rendered
 *    by the real build (buildSite, archive entries as published) and pushed by the real stores: GCS through the
 *    test server (bytes as stored: gzip-encoded blobs, content-addressed) and git (a bare repository, bytes of its
 *    object store as received, and after `git gc`). Every snapshot of the model has the same counts, so every full
 *    snapshot costs what the sampled full ones cost, and every light one what the light ones cost. The model's data
 *    is drawn anew for each snapshot: consecutive snapshots share nothing, so nothing here counts on the
 *    similarity of real consecutive snapshots (which git's deltas and the bucket's content addressing would save).
 * 2. Measured: the site at the end of the year. The tier the site holds (the last archive.pagesDays days: one full
 *    and eleven light snapshots a day) is made of copies of the sampled entries, and the store holds the other
 *    4,380 − 168 ids, so the moving pages, the archive index and the list of older snapshots are built at their
 *    year-end size by the real build.
 * 3. Month by month: the site is the tier (full after pagesDays days) plus the moving pages, whose share that grows
 *    with the history (archive index, older-snapshot list) is measured per snapshot in step 2; the store is the
 *    entries pushed so far plus one head (replaced with every push).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSite } from '../src/site-build/build-site.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import type { ArchiveStore } from '../src/store/archive-store.ts';
import { DirectoryArchive, listFiles } from '../src/store/archive.ts';
import { openArchiveStore } from '../src/store/open-archive-store.ts';
import { serializeSnapshot } from '../src/store/snapshot-store.ts';
import { startGcsTestServer } from '../test/support/gcs-test-server.ts';
import { makeLargeSnapshot } from '../test/fixtures/snapshots/make-large.ts';

const PAGES_TARGET = 900e6;
const STORE_TARGET = 5e9;
const PER_DAY = 12;
const YEAR_DAYS = 365;

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '300' }, tests: { type: 'string', default: '10000' }, days: { type: 'string', default: '14' } },
});
const jobs = Number(values.jobs);
const tests = Number(values.tests);
const pagesDays = Number(values.days);

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const GB = (bytes: number): string => `${(bytes / 1e9).toFixed(2)} GB`;

/** Bytes of every file under `dir` (what GitHub Pages counts), optionally filtered. */
async function bytesUnder(dir: string, keep: (rel: string) => boolean = () => true): Promise<number> {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const rel of await listFiles(dir)) if (keep(rel)) total += (await stat(path.join(dir, rel))).size;
  return total;
}

/** A per-run provenance digest for every run the model's jobs had: what the analysis would record. */
function withProvenance(snapshot: Snapshot): Snapshot {
  const runDigests: Record<string, string> = {};
  let n = 0;
  for (const job of snapshot.jobs) {
    for (let i = 0; i < job.current.runs + job.previous.runs; i++)
      runDigests[`${job.name}/${String(1900000000000000000n + BigInt(n++))}`] = randomBytes(16).toString('hex');
  }
  return {
    ...snapshot,
    provenance: {
      ratchetVersion: snapshot.generator.version,
      configHash: randomBytes(32).toString('hex'),
      runs: n,
      objects: n * 6,
      bytes: n * 6 * 400_000,
      inputsDigest: randomBytes(16).toString('hex'),
      runDigests,
      files: [],
    },
  };
}

const root = await mkdtemp(path.join(os.tmpdir(), 'ratchet-bench-history-'));
const paths = { snapshots: path.join(root, 'snapshots'), archive: path.join(root, 'archive'), site: path.join(root, 'site'), cache: path.join(root, 'cache') };
const bucketRoot = path.join(root, 'bucket');
await mkdir(bucketRoot);
const gcsServer = await startGcsTestServer({ root: bucketRoot, bucket: 'ratchet-history' });
const gitRepo = path.join(root, 'store.git');
execFileSync('git', ['init', '--bare', '-q', gitRepo]);
const stores: Array<{ name: string; store: ArchiveStore; bytes: () => Promise<number> }> = [
  {
    name: 'GCS',
    store: await openArchiveStore('gs://ratchet-history/archive', { gcsEndpoint: gcsServer.url, workDir: root }),
    bytes: () => bytesUnder(bucketRoot, (rel) => !rel.endsWith('.gcsmeta.json')),
  },
  {
    name: 'git',
    store: await openArchiveStore(`git+file://${gitRepo}#ratchet-archive`, { workDir: root }),
    bytes: () => bytesUnder(path.join(gitRepo, 'objects')),
  },
];

try {
  console.log(`bench/history: ${jobs} jobs, ${tests} tests, a snapshot every 2 hours for a year (${YEAR_DAYS * PER_DAY}); the site holds ${pagesDays} days`);
  const sample = ['2026-11-27T00:10:00Z', '2026-11-27T02:10:00Z', '2026-11-27T04:10:00Z', '2026-11-28T00:10:00Z'];
  const archive = new DirectoryArchive(paths.archive);
  const measured: Array<{ id: string; kind: string; pages: number; files: number; store: Record<string, number>; renderS: number }> = [];
  let head: { id: string; file: string } | null = null;
  for (const [i, asOf] of sample.entries()) {
    const snapshot = withProvenance(snapshotSchema.parse(makeLargeSnapshot({ jobs, tests, seed: 20261127 + i, asOf })));
    const dir = path.join(paths.snapshots, snapshot.id);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'snapshot.json'), serializeSnapshot(snapshot));
    const t = performance.now();
    const report = await buildSite(paths, { base: '/ratchet/', site: 'https://example.github.io', quiet: true, intraDay: 'light' });
    const renderS = (performance.now() - t) / 1000;
    const id = report.rendered[0]!;
    const manifest = (await archive.manifest(id))!;
    head = { id, file: path.join(dir, 'snapshot.json') };
    const store: Record<string, number> = {};
    for (const s of stores) {
      // The entry alone: the head is replaced with every push (measured on its own below).
      const before = await s.bytes();
      await s.store.push({ archive, ids: [id], head: null });
      store[s.name] = (await s.bytes()) - before;
    }
    measured.push({
      id,
      kind: manifest.kind ?? 'full',
      pages: await bytesUnder(archive.pagesDir(id)),
      files: Object.keys(manifest.files).length,
      store,
      renderS,
    });
    const m = measured.at(-1)!;
    console.log(
      `  ${id} ${m.kind.padEnd(5)} rendered in ${renderS.toFixed(1)} s: ${MB(m.pages)} on the site in ${m.files} files; store +${MB(store.GCS!)} (GCS), +${MB(store.git!)} (git, as received)`,
    );
  }
  // The head: the newest snapshot's JSON, one at a time in the store.
  const headBytes: Record<string, number> = {};
  for (const s of stores) {
    const before = await s.bytes();
    await s.store.push({ archive, ids: [], head: head! });
    headBytes[s.name] = (await s.bytes()) - before;
  }
  const head0 = (await stat(head!.file)).size;
  const gitReceived = (await bytesUnder(path.join(gitRepo, 'objects'))) - headBytes.git!;
  execFileSync('git', ['--git-dir', gitRepo, 'gc', '-q', '--aggressive', '--prune=now']);
  const gitPacked = (await bytesUnder(path.join(gitRepo, 'objects'))) - headBytes.git!;
  const packRatio = Math.min(1, gitPacked / gitReceived);

  // Per kind: the first full one paid for the assets too, so fulls are taken from the second day's.
  const full = measured.filter((m) => m.kind === 'full').at(-1)!;
  const lights = measured.filter((m) => m.kind === 'light');
  const light = {
    pages: lights.reduce((n, m) => n + m.pages, 0) / lights.length,
    GCS: lights.reduce((n, m) => n + m.store.GCS!, 0) / lights.length,
    git: lights.reduce((n, m) => n + m.store.git!, 0) / lights.length,
  };
  const assets = await bytesUnder(archive.assetsDir);

  // Step 2: the site at the end of the year, built for real.
  console.log(`\n  the site at the end of the year: ${pagesDays} days on the site (copies of the sampled entries), the rest only in the store`);
  const yearEnd = await mkdtemp(path.join(root, 'year-end-'));
  const yearPaths = {
    snapshots: path.join(yearEnd, 'snapshots'),
    archive: path.join(yearEnd, 'archive'),
    site: path.join(yearEnd, 'site'),
    cache: path.join(yearEnd, 'cache'),
  };
  const yearArchive = new DirectoryArchive(yearPaths.archive);
  const last = Date.parse('2027-11-27T22:10:00Z');
  const ids: string[] = [];
  for (let k = YEAR_DAYS * PER_DAY - 1; k >= 0; k--) {
    const iso = new Date(last - k * 2 * 3_600_000).toISOString();
    ids.push(`${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`);
  }
  const tierFrom = last - pagesDays * 86_400_000;
  const time = (id: string): number => Date.parse(`${id.slice(0, 13)}:${id.slice(13, 15)}:00Z`);
  const tierIds = ids.filter((id) => time(id) > tierFrom);
  const storeOnly = ids.filter((id) => time(id) <= tierFrom);
  const newest = tierIds.pop()!;
  // Fabricated entries: the sampled pages under another id, with summary.json and manifest rewritten to match.
  for (const id of tierIds) {
    const from = id.slice(11, 15) === '0010' ? full.id : lights[0]!.id;
    const to = yearArchive.entryDir(id);
    await mkdir(path.dirname(to), { recursive: true });
    await cp(archive.entryDir(from), to, { recursive: true });
    const summaryFile = path.join(to, 'pages', 'summary.json');
    const summary = JSON.parse(await readFile(summaryFile, 'utf8'));
    await rm(summaryFile, { force: true });
    await writeFile(summaryFile, JSON.stringify({ ...summary, id, asOf: new Date(time(id)).toISOString() }));
    const manifestFile = path.join(to, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    manifest.id = id;
    manifest.files['summary.json'] = createHash('sha256')
      .update(await readFile(summaryFile))
      .digest('hex');
    await rm(manifestFile, { force: true });
    await writeFile(manifestFile, JSON.stringify(manifest));
    await rm(path.join(to, 'snapshot.json'), { force: true });
  }
  await cp(archive.assetsDir, yearArchive.assetsDir, { recursive: true });
  // The newest entry keeps its snapshot: the new snapshot's diff page reads it, as after any run.
  const previousId = tierIds.at(-1)!;
  const previousSnapshot = withProvenance(
    snapshotSchema.parse(makeLargeSnapshot({ jobs, tests, seed: 20271126, asOf: new Date(time(previousId)).toISOString() })),
  );
  await writeFile(yearArchive.snapshotFile(previousId), serializeSnapshot(previousSnapshot));
  const newestSnapshot = withProvenance(snapshotSchema.parse(makeLargeSnapshot({ jobs, tests, seed: 20271127, asOf: new Date(time(newest)).toISOString() })));
  await mkdir(path.join(yearPaths.snapshots, newest), { recursive: true });
  await writeFile(path.join(yearPaths.snapshots, newest, 'snapshot.json'), serializeSnapshot(newestSnapshot));
  const locations = Object.fromEntries(storeOnly.map((id) => [id, randomBytes(20).toString('hex')]));
  const t = performance.now();
  const report = await buildSite(yearPaths, {
    base: '/ratchet/',
    site: 'https://example.github.io',
    quiet: true,
    intraDay: 'light',
    store: { ids: storeOnly, locations, publicLayout: { kind: 'git', url: 'https://raw.githubusercontent.com/acme/report/' }, pagesDays },
  });
  const site = await bytesUnder(yearPaths.site);
  const snapshotsOnSite = await bytesUnder(path.join(yearPaths.site, 'snapshots'), (rel) => /^\d{4}-\d{2}-\d{2}T\d{4}Z\//.test(rel));
  const growing =
    (await stat(path.join(yearPaths.site, 'snapshots', 'archive.json'))).size +
    (await stat(path.join(yearPaths.site, 'snapshots', 'archive', 'index.html'))).size;
  const moving = site - snapshotsOnSite;
  const perStoreOnly = growing / storeOnly.length;
  console.log(
    `    built in ${((performance.now() - t) / 1000).toFixed(1)} s: ${report.reused.length + report.rendered.length} snapshots on the site, ${report.elsewhere} only in the store; ` +
      `site ${MB(site)}: snapshots ${MB(snapshotsOnSite)}, moving pages, assets and search ${MB(moving)} (of which ${MB(growing)} grow with the history: ${perStoreOnly.toFixed(0)} bytes per older snapshot)`,
  );

  // Step 3: month by month.
  const storeYear = (kind: 'GCS' | 'git', days: number): number => {
    const perDay = full.store[kind]! + (PER_DAY - 1) * light[kind];
    // One head at any time: GCS replaces it; git replaces its head branch (the old ones become garbage).
    return days * perDay + headBytes[kind]!;
  };
  const sitePerDay = full.pages + (PER_DAY - 1) * light.pages;
  const movingBase = moving - growing;
  console.log('\n  month  snapshots  on the site  site size   store: GCS   git as received   git packed (est.)');
  let worstSite = 0;
  for (let month = 1; month <= 12; month++) {
    const days = Math.round((month * YEAR_DAYS) / 12);
    const count = days * PER_DAY;
    const onSite = Math.min(days, pagesDays) * PER_DAY;
    const siteBytes = Math.min(days, pagesDays) * sitePerDay + movingBase + perStoreOnly * (count - onSite);
    worstSite = Math.max(worstSite, siteBytes);
    console.log(
      `  ${String(month).padStart(5)}  ${String(count).padStart(9)}  ${String(onSite).padStart(11)}  ${MB(siteBytes).padStart(9)}   ${GB(storeYear('GCS', days)).padStart(10)}   ${GB(storeYear('git', days)).padStart(15)}   ${GB(storeYear('git', days) * packRatio).padStart(17)}`,
    );
  }
  const yearGcs = storeYear('GCS', YEAR_DAYS);
  const yearGit = storeYear('git', YEAR_DAYS);
  console.log(
    `\n  per snapshot: full ${MB(full.pages)} on the site, ${MB(full.store.GCS!)} in GCS, ${MB(full.store.git!)} in git; light ${MB(light.pages)}, ${MB(light.GCS)}, ${MB(light.git)}`,
  );
  console.log(
    `  assets ${MB(assets)}; the head (the newest snapshot's JSON, ${MB(head0)}) takes ${MB(headBytes.GCS!)} in GCS, ${MB(headBytes.git!)} in git; git gc packed the sample's entries to ${(packRatio * 100).toFixed(0)} % of what was received`,
  );
  const ok = worstSite <= PAGES_TARGET && yearGcs <= STORE_TARGET && yearGit <= STORE_TARGET;
  console.log(
    `\nbench/history: site at most ${MB(worstSite)} (target ≤ ${MB(PAGES_TARGET)}), store after a year ${GB(yearGcs)} in GCS, ${GB(yearGit)} in git as received (target ≤ ${GB(STORE_TARGET)}): ${ok ? 'within' : 'OVER'} the targets`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  for (const s of stores) await s.store.close();
  await gcsServer.close();
  await rm(root, { recursive: true, force: true });
}
