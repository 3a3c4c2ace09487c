/**
 * Every internal URL of the site is built here. Astro does not prefix hand-written links with the
 * base path, so a link that bypasses this module works locally and 404s on a GitHub Pages project site.
 * The builders themselves are in link-builders.ts, which code outside Astro (the search index) uses
 * with the base it is given.
 */

import { makeFileHref, makeHref } from './link-builders.ts';
import { payloadAnchor } from './payloads.ts';

export { makeFileHref, makeHref };

/** `href('snapshots', id, 'jobs', job)` → '/ratchet/snapshots/<id>/jobs/<job>/' under base '/ratchet/'. */
export const href = makeHref(import.meta.env.BASE_URL);

/** The site's own static files (favicon): no trailing slash. */
export function assetHref(file: string): string {
  const base = import.meta.env.BASE_URL;
  return `${base.endsWith('/') ? base : `${base}/`}${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** A file the build writes (JSON, the feed): `fileHref('feed.xml')` → '/ratchet/feed.xml'. */
const fileHref = makeFileHref(import.meta.env.BASE_URL);

export const snapshotHref = (id: string): string => href('snapshots', id);
export const jobsHref = (id: string): string => href('snapshots', id, 'jobs');
export const jobHref = (id: string, job: string): string => href('snapshots', id, 'jobs', job);
export const testHref = (id: string, testId: string): string => href('snapshots', id, 'tests', testId);
export const dataQualityHref = (id: string): string => href('snapshots', id, 'data-quality');
export const testsHref = (id: string): string => href('snapshots', id, 'tests');
export const diffHref = (id: string): string => href('snapshots', id, 'diff');
export const snapshotsHref = (): string => href('snapshots');
export const latestHref = (): string => href('latest');
export const searchHref = (): string => href('search');
/** The compare page; `from`/`to` preselect two snapshots (query string, read by the page's script). */
export function compareHref(from?: string, to?: string): string {
  const params = new URLSearchParams();
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  const query = params.toString();
  return `${href('compare')}${query ? `?${query}` : ''}`;
}
export const feedHref = (): string => fileHref('feed.xml');
export const disruptionHref = (id: string): string => href('snapshots', id, 'disruption');
export const componentsHref = (id: string): string => href('snapshots', id, 'components');
export const componentHref = (id: string, slug: string): string => href('snapshots', id, 'components', slug);
export const clustersHref = (id: string): string => href('snapshots', id, 'clusters');
export const clusterHref = (id: string, clusterId: string): string => href('snapshots', id, 'clusters', clusterId);
/** A component's Atom feed: moves with every build, like /feed.xml. */
export const componentFeedHref = (slug: string): string => fileHref('components', slug, 'feed.xml');
export const payloadsHref = (id: string): string => href('snapshots', id, 'payloads');
/** One payload's section on the payloads page (only the current window's payloads have one). */
export const payloadHref = (id: string, tag: string): string => `${payloadsHref(id)}#${encodeURIComponent(payloadAnchor(tag))}`;

/**
 * A mode's regressions page: the snapshot's default mode at /regressions/, any other mode at
 * /regressions/<mode>/ (one page per mode keeps each page to one set of rules).
 */
export function regressionsHref(id: string, mode: string, defaultMode: string): string {
  return mode === defaultMode ? href('snapshots', id, 'regressions') : href('snapshots', id, 'regressions', mode);
}

/** One regression on its mode's page (fragment `r-<id>`, see regressions.ts). */
export function regressionHref(id: string, regression: { id: string; mode: string }, defaultMode: string): string {
  return `${regressionsHref(id, regression.mode, defaultMode)}#r-${encodeURIComponent(regression.id)}`;
}

/** A path from this module made absolute with the site's URL (RATCHET_SITE): for feeds and bug reports. */
export function absoluteUrl(path: string, site: string | undefined = import.meta.env.SITE): string {
  return new URL(path, site ?? 'https://example.github.io').href;
}

// JSON beside the pages: the same facts for scripts and other tools (see lib/documents.ts, docs/site.md).
export const snapshotJsonHref = (id: string): string => fileHref('snapshots', id, 'snapshot.json.gz');
export const summaryJsonHref = (id: string): string => fileHref('snapshots', id, 'summary.json');
export const compareJsonHref = (id: string): string => fileHref('snapshots', id, 'compare.json');
export const jobJsonHref = (id: string, job: string): string => fileHref('snapshots', id, 'jobs', job, 'job.json.gz');
export const testJsonHref = (id: string, testId: string): string => fileHref('snapshots', id, 'tests', testId, 'test.json.gz');
export const snapshotIndexJsonHref = (): string => fileHref('snapshots', 'index.json');
/** The search index pagefind writes after the Astro build (src/site-build/search-index.ts). */
export const pagefindHref = (): string => fileHref('pagefind', 'pagefind.js');

/**
 * Run links come from the data (Prow URLs). Only http(s) URLs become links: a `javascript:` URL in a
 * snapshot must never reach an href. Returns undefined for anything else, and the caller shows plain text.
 */
export function externalUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
