/**
 * The search index: pagefind records for the latest snapshot's jobs and tests, written after the
 * Astro build into <site>/pagefind/. Records are built from the snapshot, not by crawling HTML, so
 * indexing costs one snapshot however many are published, and each record says exactly what it is.
 *
 * Hyphenated names: pagefind splits "e2e-aws-ovn" into words and drops tokens like "e2e", so a name
 * searched the way people paste it found nothing. Each record therefore also carries every
 * hyphen-suffix of every hyphenated word ("e2e-aws-ovn-upgrade", "aws-ovn-upgrade", …) with '-'
 * indexed as part of a word, and the name with its separators turned into spaces: a query that is
 * any hyphenated piece of a name, or any plain word of it, finds it.
 *
 * A light latest snapshot (an intra-day one, store/tiers.ts) has no job or test pages: its records then lead to
 * the pages of the first snapshot of its day (`pagesOf`), and a job or test without a page there has no record.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as pagefind from 'pagefind';
import type { JobSummary, Snapshot, TestSummary } from '../snapshot/schema.ts';
import { snapshotSchema } from '../snapshot/schema.ts';
import { makeHref } from '../site/lib/link-builders.ts';
import { testsWithPages } from '../site/lib/report.ts';
import type { DirectoryArchive } from '../store/archive.ts';

/** Tokens that make every hyphenated piece of `text` findable (see the module comment). */
export function searchTokens(text: string): string {
  const out = new Set<string>();
  for (const word of text.split(/\s+/)) {
    const clean = word.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
    if (!clean.includes('-')) continue;
    const parts = clean.split('-').filter(Boolean);
    for (let i = 0; i < parts.length; i++) out.add(parts.slice(i).join('-'));
  }
  return [...out, text.replace(/[-_./:[\]()]+/g, ' ')].join(' ');
}

const pct = (rate: number | null): string => (rate === null ? 'no finished runs' : `${(rate * 100).toFixed(1)}%`);

function jobDetail(job: JobSummary): string {
  return `${job.status}, pass rate ${pct(job.current.passRate)} over ${job.current.runs} runs · ${job.variantKey}`;
}

function testDetail(test: TestSummary): string {
  return `${test.current.failures} failures, ${test.current.flakes} flakes in ${test.current.runs} runs · ${test.suite}`;
}

/**
 * pagefind runs one service per process, and close() stops it under every index open in it: two builds in one
 * process (tests, an embedder) would break each other's. They take turns instead; a build in a process of its own
 * (the CLI) never waits.
 */
let turn: Promise<unknown> = Promise.resolve();

export function writeSearchIndex(options: Parameters<typeof writeIndex>[0]): Promise<number> {
  const mine = turn.then(
    () => writeIndex(options),
    () => writeIndex(options),
  );
  turn = mine.catch(() => undefined);
  return mine;
}

async function writeIndex(options: {
  archive: DirectoryArchive;
  latestId: string;
  base: string;
  out: string;
  /** The snapshot whose job and test pages the records lead to, and the pages it has; default: the latest, all. */
  pagesOf?: { id: string; files: ReadonlySet<string> };
}): Promise<number> {
  const file = options.archive.snapshotFile(options.latestId);
  const snapshot: Snapshot = snapshotSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  // The same builder links.ts uses, bound to this build's base (import.meta.env exists only inside Astro).
  const makeLink = makeHref(options.base);
  const pagesOf = options.pagesOf;
  /** The page of a job or test, or undefined when the snapshot the records lead to has none. */
  const href = (kind: 'jobs' | 'tests', name: string): string | undefined => {
    if (!pagesOf) return makeLink('snapshots', snapshot.id, kind, name);
    return pagesOf.files.has(`${kind}/${name}/index.html`) ? makeLink('snapshots', pagesOf.id, kind, name) : undefined;
  };
  const { index, errors } = await pagefind.createIndex({ forceLanguage: 'en', includeCharacters: '-' });
  if (!index) throw new Error(`pagefind could not start (${errors.join('; ')}); the search index for ${options.out} was not written`);
  try {
    let records = 0;
    const add = async (url: string | undefined, content: string, meta: Record<string, string>, kind: 'job' | 'test'): Promise<void> => {
      if (url === undefined) return;
      const res = await index.addCustomRecord({ url, content, language: 'en', meta: { ...meta, kind }, filters: { kind: [kind] } });
      if (res.errors.length > 0) throw new Error(`pagefind refused the record for ${url}: ${res.errors.join('; ')}`);
      records++;
    };
    for (const job of snapshot.jobs) {
      await add(
        href('jobs', job.name),
        `${job.name} ${searchTokens(job.name)} ${job.variantKey} ${job.kind}`,
        { title: job.name, detail: jobDetail(job) },
        'job',
      );
    }
    // Only tests with a page of their own: regressed, or failing or flaky now.
    for (const test of testsWithPages(snapshot)) {
      await add(href('tests', test.id), `${test.name} ${searchTokens(test.name)} ${test.suite}`, { title: test.name, detail: testDetail(test) }, 'test');
    }
    const written = await index.writeFiles({ outputPath: options.out });
    if (written.errors.length > 0) throw new Error(`pagefind could not write ${options.out}: ${written.errors.join('; ')}`);
    // The site uses its own search page; pagefind's bundled UIs (~450 KB) are never loaded.
    for (const ui of [
      'pagefind-ui.js',
      'pagefind-ui.css',
      'pagefind-component-ui.js',
      'pagefind-component-ui.css',
      'pagefind-modular-ui.js',
      'pagefind-modular-ui.css',
      'pagefind-highlight.js',
    ]) {
      await rm(path.join(options.out, ui), { force: true });
    }
    return records;
  } finally {
    await index.deleteIndex();
    await pagefind.close();
  }
}
