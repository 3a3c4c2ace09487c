// The site is a pure function of the snapshots on disk; the Ratchet CLI drives the build through
// environment variables so the same config serves local previews, tests and GitHub Pages.
import { defineConfig } from 'astro/config';
// Pages project sites live under /<repo>/; Astro wants the base with both slashes (trailingSlash 'always').
import { normalizeBase } from './src/util/base-path.ts';

// Astro copies every environment variable into import.meta.env for server-rendered code, so an
// ambient BASE_URL (vitest exports one; some CI systems do too) would replace the configured base in
// every link built by src/site/lib/links.ts. The site's base comes from RATCHET_BASE only.
delete process.env.BASE_URL;

// RATCHET_SITE_SRC builds the site from another copy of its code (the archive test changes the code
// between two builds that way, without touching the working tree other builds are reading).
const srcDir = process.env.RATCHET_SITE_SRC || './src/site';

export default defineConfig({
  srcDir,
  // Kept inside the site's source so its static files (favicon) sit with the rest of the site's code.
  publicDir: `${srcDir}/public`,
  outDir: process.env.RATCHET_SITE_DIR || './dist',
  site: process.env.RATCHET_SITE || 'https://example.github.io',
  base: normalizeBase(process.env.RATCHET_BASE),
  output: 'static',
  trailingSlash: 'always',
  build: {
    format: 'directory',
    // The CSP allows only same-origin styles, so no stylesheet may be inlined into the HTML.
    inlineStylesheets: 'never',
  },
  devToolbar: { enabled: false },
  vite: {
    build: {
      // Astro inlines small import-free scripts below this limit; inline scripts would break the
      // CSP (script-src 'self'), so nothing is ever inlined.
      assetsInlineLimit: 0,
    },
  },
});
