/**
 * The 404 page's part in keeping every permalink (components/ArchiveFallback.astro, docs/site.md). For an address
 * under /snapshots/<id>/ that the site does not hold:
 *
 * 1. a snapshot only the archive store holds (older than the site's tier): the page is fetched from the store and
 *    shown in place of this one, at the same address: the bytes that were published (archive.json says where;
 *    a git store by commit, a bucket by the manifest's sha-256 of each page);
 * 2. a job or test page of a light (intra-day) snapshot: say so, and link the same page of the first snapshot of
 *    that day, which has every page;
 * 3. anything else stays "not found".
 */
interface ArchiveIndex {
  store: { kind: 'git' | 'objects'; url: string } | null;
  onSite: string[];
  elsewhere: Record<string, string>;
}

const SNAPSHOT_ID = /^\d{4}-\d{2}-\d{2}T\d{4}Z$/;

const box = document.querySelector<HTMLElement>('[data-archive-fallback]');
if (box) void recover(box);

async function recover(box: HTMLElement): Promise<void> {
  const base = box.dataset.base ?? '/';
  const prefix = `${base}snapshots/`;
  const path = decodeURIComponent(location.pathname);
  if (!path.startsWith(prefix)) return;
  const [id = '', ...rest] = path.slice(prefix.length).split('/');
  const segments = rest.filter(Boolean);
  if (!SNAPSHOT_ID.test(id) || segments.some((s) => s === '..' || s === '.')) return;
  // A directory address (…/jobs/x/) is its index.html, as the site and the archive store it.
  const directory = path.endsWith('/') || segments.length === 0;
  const file = directory ? [...segments, 'index.html'].join('/') : segments.join('/');
  let index: ArchiveIndex;
  try {
    index = (await (await fetch(box.dataset.index!)).json()) as ArchiveIndex;
  } catch {
    return;
  }
  if (index.store && id in index.elsewhere) {
    const page = await fromStore(index.store, id, index.elsewhere[id] ?? '', file);
    if (page !== undefined && file.endsWith('.html')) {
      document.open();
      document.write(page);
      document.close();
      return;
    }
  }
  const all = [...index.onSite, ...Object.keys(index.elsewhere)].sort();
  const first = all.find((other) => other.slice(0, 10) === id.slice(0, 10));
  if (all.includes(id) && first !== undefined && first !== id && /^(jobs|tests)\/./.test(file)) {
    const target = `${prefix}${first}/${segments.join('/')}${directory ? '/' : ''}`;
    show(
      box,
      `Snapshot ${id} is an intra-day snapshot: it keeps its report, regressions, diff, disruption and data quality, but job and test pages are kept for the first snapshot of each day. This page as of ${first}:`,
      target,
    );
  }
}

/** The page's text from the store, or undefined when it is not there. */
async function fromStore(store: NonNullable<ArchiveIndex['store']>, id: string, at: string, file: string): Promise<string | undefined> {
  try {
    if (store.kind === 'git') {
      const res = await fetch(`${store.url}${at}/entries/${id}/pages/${file}`);
      return res.ok ? await res.text() : undefined;
    }
    const manifest = await fetch(`${store.url}manifests/${id}.json`);
    if (!manifest.ok) return undefined;
    const hash = ((await manifest.json()) as { files?: Record<string, string> }).files?.[file];
    if (hash === undefined) return undefined;
    const res = await fetch(`${store.url}blobs/${hash}`);
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

function show(box: HTMLElement, message: string, target: string): void {
  const text = box.querySelector<HTMLElement>('[data-archive-message]');
  const link = box.querySelector<HTMLAnchorElement>('[data-archive-link]');
  if (text) text.textContent = message;
  if (link) {
    link.href = target;
    link.textContent = target;
  }
  box.hidden = false;
}
