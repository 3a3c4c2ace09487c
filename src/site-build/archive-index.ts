/**
 * What the site's 404 page needs to keep every permalink working (store/tiers.ts): which snapshots the site holds,
 * which only the archive store holds, and how a browser reads those from the store. Written with every build as
 * /snapshots/archive.json (it moves), read by src/site/scripts/archive-fallback.ts:
 *
 *   { "documentVersion": 1,
 *     "store": { "kind": "git" | "objects", "url": "https://…/" } | null,
 *     "onSite": [ids, oldest first],
 *     "elsewhere": { id: where (git: the commit that holds it; objects: "") } }
 *
 * A page that only the store holds is shown by the 404 page from the store, the same bytes; its connect-src must
 * then allow the store's origin, so the 404 page's Content-Security-Policy gains it (no other page's does).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PublicLayout } from '../store/archive-store.ts';

const ARCHIVE_INDEX = 'snapshots/archive.json';
const DOCUMENT_VERSION = 1;

export interface ArchiveIndex {
  documentVersion: typeof DOCUMENT_VERSION;
  store: PublicLayout | null;
  onSite: string[];
  elsewhere: Record<string, string>;
}

export function archiveIndex(options: {
  onSite: readonly string[];
  elsewhere: readonly string[];
  locations: Readonly<Record<string, string>>;
  store: PublicLayout | null;
}): ArchiveIndex {
  return {
    documentVersion: DOCUMENT_VERSION,
    store: options.store,
    onSite: [...options.onSite].sort(),
    elsewhere: Object.fromEntries([...options.elsewhere].sort().map((id) => [id, options.locations[id] ?? ''])),
  };
}

export async function writeArchiveIndex(site: string, index: ArchiveIndex): Promise<void> {
  await writeFile(path.join(site, ARCHIVE_INDEX), `${JSON.stringify(index)}\n`);
}

/** Let the 404 page (only it) fetch from the store's origin. */
export async function allowStoreOn404(site: string, store: PublicLayout): Promise<void> {
  const file = path.join(site, '404.html');
  const html = await readFile(file, 'utf8');
  const origin = new URL(store.url).origin;
  const patched = html.replace(/(<meta http-equiv="Content-Security-Policy" content="default-src 'self')/, `$1; connect-src 'self' ${origin}`);
  if (patched === html) throw new Error(`${file} has no Content-Security-Policy meta tag to extend with connect-src ${origin}`);
  await writeFile(file, patched);
}
