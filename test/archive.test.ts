import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryArchive } from '../src/store/archive.ts';
import { buildSite, type BuildOptions } from '../src/site-build/build-site.ts';
import { tempDir } from './support/prow-tree.ts';
import { addFixture, outputPathsIn } from './support/site-fixture.ts';
import { treeHashes } from './support/tree-hashes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OPTIONS: BuildOptions = { base: '/ratchet/', site: 'https://example.github.io', quiet: true };
/** Copies of the site's code inside the project (not temp directories: tempDir() removes those). */
const copies: string[] = [];

afterAll(async () => {
  for (const dir of copies) await rm(dir, { recursive: true, force: true });
});

/** sha-256 of every file under `dir`, by relative path, as a Map. */
const hashes = async (dir: string): Promise<Map<string, string>> => new Map(Object.entries(await treeHashes(dir)));

/**
 * A copy of the site's code, changed: another stylesheet (so new hashed assets) and another footer.
 * It lives inside the project so its imports (zod, chart.js, ../../snapshot) resolve as the original's do.
 */
async function changedSiteCode(mutate: (siteDir: string) => Promise<void>): Promise<string> {
  await mkdir(path.join(ROOT, '.astro'), { recursive: true });
  const copy = await mkdtemp(path.join(ROOT, '.astro', 'test-code-'));
  copies.push(copy);
  await cp(path.join(ROOT, 'src'), path.join(copy, 'src'), { recursive: true });
  await mutate(path.join(copy, 'src', 'site'));
  return path.join(copy, 'src', 'site');
}

const OLD = ['2026-11-27T0600Z', '2026-11-26T0600Z'];
const NEW = '2026-11-28T0600Z';
const FOOTER_CHANGE = 'Rendered by the changed code.';

describe('archive', () => {
  it('keeps published snapshots byte-identical through new data and a code change, and renders only the new snapshot', async () => {
    const paths = await outputPathsIn(tempDir('ratchet-archive-'));
    for (const id of OLD) await addFixture(paths, id);

    const first = await buildSite(paths, OPTIONS);
    expect(first.rendered).toEqual(OLD);
    const published = new Map<string, Map<string, string>>();
    for (const id of OLD) published.set(id, await hashes(path.join(paths.site, 'snapshots', id)));
    const oldHome = await readFile(path.join(paths.site, 'index.html'), 'utf8');
    const oldCss = /href="\/ratchet\/(_astro\/[^"]+\.css)"/.exec(oldHome)![1]!;

    const siteSrc = await changedSiteCode(async (site) => {
      const css = path.join(site, 'styles', 'site.css');
      await writeFile(css, `${await readFile(css, 'utf8')}\n.changed-build { outline: 1px solid red; }\n`);
      const layout = path.join(site, 'layouts', 'Base.astro');
      await writeFile(layout, (await readFile(layout, 'utf8')).replace('All times are UTC.', `All times are UTC. ${FOOTER_CHANGE}`));
    });
    await addFixture(paths, NEW);
    const second = await buildSite(paths, { ...OPTIONS, siteSrc });

    // Only the new snapshot went through Astro; the others came from the archive.
    expect(second.rendered).toEqual([NEW]);
    expect(second.reused).toEqual(OLD);
    expect(Object.keys(second.staged.snapshots)).toEqual([NEW]);

    for (const id of OLD) {
      const now = await hashes(path.join(paths.site, 'snapshots', id));
      expect([...now.keys()], id).toEqual([...published.get(id)!.keys()]);
      for (const [rel, hash] of published.get(id)!) expect(now.get(rel), `${id}/${rel}`).toBe(hash);
      const page = await readFile(path.join(paths.site, 'snapshots', id, 'index.html'), 'utf8');
      expect(page).not.toContain(FOOTER_CHANGE);
      expect(page).toContain(oldCss);
    }
    // The old stylesheet is still published for the old pages; the new code's pages use a new one.
    expect(existsSync(path.join(paths.site, oldCss))).toBe(true);
    const newPage = await readFile(path.join(paths.site, 'snapshots', NEW, 'index.html'), 'utf8');
    expect(newPage).toContain(FOOTER_CHANGE);
    expect(newPage).not.toContain(oldCss);
    const newCss = /href="\/ratchet\/(_astro\/[^"]+\.css)"/.exec(newPage)![1]!;
    expect(existsSync(path.join(paths.site, newCss))).toBe(true);
    // The moving pages follow the newest data and code.
    const home = await readFile(path.join(paths.site, 'index.html'), 'utf8');
    expect(home).toContain(FOOTER_CHANGE);
    expect(home).toContain(`snapshots/${NEW}/`);

    const archive = new DirectoryArchive(paths.archive);
    expect(await archive.ids()).toEqual([NEW, ...OLD]);
    for (const id of [NEW, ...OLD]) expect(await archive.verify(id), id).toEqual([]);
  }, 120_000);

  it('leaves the published site and the archive as they were when a build fails', async () => {
    const root = tempDir('ratchet-archive-');
    const paths = await outputPathsIn(root);
    await addFixture(paths, OLD[0]!);
    await buildSite(paths, OPTIONS);
    const siteBefore = await hashes(paths.site);
    const archiveBefore = await hashes(paths.archive);

    const broken = await changedSiteCode(async (site) => {
      const page = path.join(site, 'pages', 'snapshots', '[id]', 'index.astro');
      await writeFile(page, (await readFile(page, 'utf8')).replace('---\n', '---\nthrow new Error("a page that cannot render");\n'));
    });
    await addFixture(paths, NEW);
    await expect(buildSite(paths, { ...OPTIONS, siteSrc: broken })).rejects.toThrow(/astro build failed.*the published site was left as it was/s);

    expect(await hashes(paths.site)).toEqual(siteBefore);
    expect(await hashes(paths.archive)).toEqual(archiveBefore);
    expect((await readdir(root)).filter((n) => n.includes('building'))).toEqual([]);
  }, 120_000);

  it('refuses to publish archived pages under another base path, and renders an incomplete entry again', async () => {
    const paths = await outputPathsIn(tempDir('ratchet-archive-'));
    await addFixture(paths, OLD[0]!);
    await buildSite(paths, OPTIONS);
    await expect(buildSite(paths, { ...OPTIONS, base: '/' })).rejects.toThrow(/rendered for base path "\/ratchet\/", but this build uses "\/"/);

    // An entry without its manifest (a copy cut short by hand) is not trusted: it is rendered again.
    const archive = new DirectoryArchive(paths.archive);
    await rm(path.join(archive.entryDir(OLD[0]!), 'manifest.json'));
    const again = await buildSite(paths, OPTIONS);
    expect(again.rendered).toEqual([OLD[0]]);
    expect(await archive.verify(OLD[0]!)).toEqual([]);
  }, 120_000);

  it('lets two builds run at the same time without disturbing each other', async () => {
    const [a, b] = await Promise.all([tempDir('ratchet-archive-'), tempDir('ratchet-archive-')].map(outputPathsIn));
    await addFixture(a!, NEW);
    await addFixture(b!, OLD[0]!);
    const [ra, rb] = await Promise.all([buildSite(a!, OPTIONS), buildSite(b!, OPTIONS)]);
    expect(ra.rendered).toEqual([NEW]);
    expect(rb.rendered).toEqual([OLD[0]]);
    expect(existsSync(path.join(a!.site, 'snapshots', NEW, 'index.html'))).toBe(true);
    expect(existsSync(path.join(b!.site, 'snapshots', OLD[0]!, 'index.html'))).toBe(true);
    expect(existsSync(path.join(a!.site, 'snapshots', OLD[0]!))).toBe(false);
  }, 120_000);
});
