/**
 * Every internal URL of the site is built here. Astro does not prefix hand-written links with the
 * base path, so a link that bypasses this module works locally and 404s on a GitHub Pages project site.
 */

/** Build an `href` function for a base path ('/' or '/repo/'). Exported for tests; pages use `href`. */
export function makeHref(base: string): (...segments: string[]) => string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return (...segments: string[]): string => {
    if (segments.length === 0) return root;
    for (const s of segments) {
      // An empty segment would yield '//' and silently point somewhere else.
      if (s === '') throw new Error(`href: empty path segment in ${JSON.stringify(segments)}`);
    }
    // trailingSlash is 'always', and format 'directory' writes <path>/index.html.
    return `${root}${segments.map(encodeURIComponent).join('/')}/`;
  };
}

/** `href('snapshots', id, 'jobs', job)` → '/ratchet/snapshots/<id>/jobs/<job>/' under base '/ratchet/'. */
export const href = makeHref(import.meta.env.BASE_URL);

/** The site's own static files (favicon): no trailing slash. */
export function assetHref(file: string): string {
  const base = import.meta.env.BASE_URL;
  return `${base.endsWith('/') ? base : `${base}/`}${file.split('/').map(encodeURIComponent).join('/')}`;
}

export const snapshotHref = (id: string): string => href('snapshots', id);
export const jobsHref = (id: string): string => href('snapshots', id, 'jobs');
export const jobHref = (id: string, job: string): string => href('snapshots', id, 'jobs', job);
export const testHref = (id: string, testId: string): string => href('snapshots', id, 'tests', testId);
export const dataQualityHref = (id: string): string => href('snapshots', id, 'data-quality');

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
