/**
 * The URL builders behind links.ts, free of Astro's import.meta.env so that code running outside
 * Astro (src/site-build/search-index.ts) builds the same URLs from the base it is given.
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

/** Build a file-URL function (no trailing slash) for a base path. Exported for tests; pages use `fileHref`. */
export function makeFileHref(base: string): (...segments: string[]) => string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return (...segments: string[]): string => {
    if (segments.length === 0 || segments.some((s) => s === '')) {
      throw new Error(`fileHref: empty path segment in ${JSON.stringify(segments)}`);
    }
    return `${root}${segments.map(encodeURIComponent).join('/')}`;
  };
}
