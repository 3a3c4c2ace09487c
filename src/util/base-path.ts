/**
 * The site's base path in the one form Astro (trailingSlash 'always'), the build and the preview
 * server all use: '' or '/' → '/', 'ratchet' or '/ratchet' → '/ratchet/'.
 */
export function normalizeBase(raw: string | undefined): string {
  const trimmed = (raw ?? '')
    .trim()
    .replace(/\/{2,}/g, '/')
    .replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}
