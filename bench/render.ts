/**
 * Render benchmark: what publishing one OpenShift-sized snapshot costs, through the same buildSite
 * the CLI uses (Astro, archive, assembly, search index).
 *
 *   npx node bench/render.ts [--jobs 300] [--tests 10000] [--listed 0.3]
 *
 * Two builds: the first publishes one snapshot into an empty site; the second adds the next day's
 * snapshot to that history, which is what every daily build does. Targets (issue #5): a snapshot
 * renders in under 60 s and adds under 20 MB to the site. The snapshot model is described in
 * test/fixtures/snapshots/make-large.ts.
 */
import { maxTestPages } from '../src/site/lib/report.ts';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildSite, type BuildReport } from '../src/site-build/build-site.ts';
import { listFiles } from '../src/store/archive.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import { serializeSnapshot } from '../src/store/snapshot-store.ts';
import { makeLargeSnapshot } from '../test/fixtures/snapshots/make-large.ts';

const TARGET_SECONDS = 60;
const TARGET_MB = 20;

const { values } = parseArgs({
  options: { jobs: { type: 'string', default: '300' }, tests: { type: 'string', default: '10000' }, listed: { type: 'string', default: '0.3' } },
});
const jobs = Number(values.jobs);
const tests = Number(values.tests);
const listed = Number(values.listed);

const MB = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function bytesUnder(dir: string, filter: (rel: string) => boolean = () => true): Promise<{ bytes: number; gzip: number; files: number }> {
  let bytes = 0;
  let gzip = 0;
  let files = 0;
  for (const rel of await listFiles(dir)) {
    if (!filter(rel)) continue;
    const body = await readFile(path.join(dir, rel));
    bytes += body.length;
    gzip += gzipSync(body, { level: 6 }).length;
    files++;
  }
  return { bytes, gzip, files };
}

const root = await mkdtemp(path.join(os.tmpdir(), 'ratchet-bench-'));
const paths = { snapshots: path.join(root, 'snapshots'), archive: path.join(root, 'archive'), site: path.join(root, 'site'), cache: path.join(root, 'cache') };
try {
  console.log(
    `bench/render: ${jobs} jobs, ${tests} tests (${Math.round(listed * 100)}% failed or flaked and are listed; regressed tests and the worst of the rest get a page, up to ${maxTestPages()})`,
  );
  const ids: string[] = [];
  for (const [i, asOf] of ['2026-11-27T06:00:00Z', '2026-11-28T06:00:00Z'].entries()) {
    const t = performance.now();
    const snapshot = snapshotSchema.parse(makeLargeSnapshot({ jobs, tests, listedFraction: listed, seed: 20261127 + i, asOf }));
    const dir = path.join(paths.snapshots, snapshot.id);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'snapshot.json'), serializeSnapshot(snapshot));
    ids.push(snapshot.id);
    const size = (await stat(path.join(dir, 'snapshot.json'))).size;
    console.log(
      `  snapshot ${snapshot.id}: ${snapshot.jobs.length} jobs, ${snapshot.tests.length} listed tests, ${snapshot.regressions?.tests.length ?? 0} test regressions, ${snapshot.disruption?.length ?? 0} disruption cells; ${MB(size)} of JSON, made in ${s(performance.now() - t)}`,
    );
  }

  // First build: only the older snapshot exists yet.
  const newer = ids.pop()!;
  const newerDir = path.join(root, 'held-back');
  await mkdir(newerDir);
  await import('node:fs/promises').then((fs) => fs.rename(path.join(paths.snapshots, newer), path.join(newerDir, newer)));
  const results: { label: string; report: BuildReport; added: number; tree: { bytes: number; gzip: number; files: number } }[] = [];
  let before = 0;
  for (const label of ['first snapshot into an empty site', "next day's snapshot added to the history"]) {
    if (results.length === 1) await import('node:fs/promises').then((fs) => fs.rename(path.join(newerDir, newer), path.join(paths.snapshots, newer)));
    const report = await buildSite(paths, { base: '/ratchet/', site: 'https://example.github.io', quiet: true });
    const after = (await bytesUnder(paths.site)).bytes;
    const id = report.rendered[0]!;
    const tree = await bytesUnder(path.join(paths.site, 'snapshots', id));
    results.push({ label, report, added: after - before, tree });
    before = after;
  }

  let ok = true;
  for (const { label, report, added, tree } of results) {
    const id = report.rendered.join(', ');
    const over = report.ms.total / 1000 > TARGET_SECONDS || added / 1e6 > TARGET_MB;
    ok &&= !over;
    console.log(`\n  ${label} (${id}):`);
    console.log(
      `    render time   ${s(report.ms.total)}  (astro ${s(report.ms.astro)}, archive ${s(report.ms.archive)}, assemble ${s(report.ms.assemble)}, search index ${s(report.ms.search)})   target < ${TARGET_SECONDS} s`,
    );
    console.log(`    added to site ${MB(added)}   target < ${TARGET_MB} MB`);
    console.log(`    snapshot tree ${MB(tree.bytes)} in ${tree.files} files (${MB(tree.gzip)} gzipped, as served), search records ${report.searchRecords}`);
    console.log(
      `    site total    ${MB(report.bytes)} in ${report.files} files; staged by Astro: ${Object.entries(report.staged.snapshots)
        .map(([k, v]) => `${v} files for ${k}`)
        .join(', ')}, ${report.staged.moving} moving`,
    );
  }
  const latest = path.join(paths.site, 'snapshots', results[1]!.report.rendered[0]!);
  const byKind = new Map<string, number>();
  for (const rel of await listFiles(latest)) {
    const parts = rel.split('/');
    const kind = parts.length > 2 ? `${parts[0]}/*/${parts.slice(2).join('/')}` : rel;
    byKind.set(kind, (byKind.get(kind) ?? 0) + (await stat(path.join(latest, rel))).size);
  }
  console.log('\n  where the bytes of one snapshot go:');
  for (const [kind, bytes] of [...byKind].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${MB(bytes).padStart(9)}  ${kind}`);
  // Size grows with the tests that get a page: say how many fit the target, so the model's share can be judged.
  const testPages = (await listFiles(path.join(latest, 'tests'))).filter((f) => f.endsWith('/index.html')).length;
  const perTest = [...byKind].filter(([k]) => k.startsWith('tests/*/')).reduce((n, [, b]) => n + b, 0) / Math.max(1, testPages);
  const rest = [...byKind].filter(([k]) => !k.startsWith('tests/*/')).reduce((n, [, b]) => n + b, 0);
  const fits = Math.max(0, Math.floor((TARGET_MB * 1e6 - rest) / perTest));
  console.log(`\n  per test page ${(perTest / 1000).toFixed(1)} kB (page and its test.json.gz), everything else ${MB(rest)}:`);
  console.log(
    `  the ${TARGET_MB} MB target holds with up to ${fits} test pages (${((fits / tests) * 100).toFixed(1)}% of ${tests} tests); this model has ${testPages}`,
  );
  console.log(`\nbench/render: ${ok ? 'within' : 'OVER'} the targets (< ${TARGET_SECONDS} s, < ${TARGET_MB} MB per snapshot)`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await rm(root, { recursive: true, force: true });
}
