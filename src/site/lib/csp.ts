/**
 * The site's Content-Security-Policy, delivered as a <meta> tag because GitHub Pages cannot send headers.
 * Same-origin scripts and styles only: the build must therefore never inline either (see astro.config.mjs).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
].join('; ');

// Search (pagefind) needs no exception: pagefind compiles its WebAssembly inside a Web Worker loaded
// from the site itself, and a <meta> policy does not govern workers. Measured in the browser suite:
// searching works under this exact policy.
