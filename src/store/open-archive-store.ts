/**
 * Opening an archive store from its URL (--archive-store, archive.store): the one module that knows every kind of
 * store (archive-store.ts has the interface they share). Each kind is loaded on demand: the GCS client is large,
 * and a run with a directory store never needs it.
 */
import type { ArchiveStore } from './archive-store.ts';

export interface StoreOptions {
  /** A GCS JSON API endpoint (an emulator, the test server); the plan's gcs.endpoint. */
  gcsEndpoint?: string;
  /** Retries of a failed GCS request (the plan's gcs.retries; default 5). */
  gcsRetries?: number;
  /** archive.publicUrl: undefined derives it from the store URL, null turns it off. */
  publicUrl?: string | null;
  /** Where a git store keeps its working repository (a temporary directory is made inside). */
  workDir: string;
}

/** The public URL a store kind implies: raw.githubusercontent.com for github.com repositories, storage.googleapis.com for GCS. */
export function derivedPublicUrl(url: string): string | null {
  if (url.startsWith('gs://')) {
    const rest = url.slice('gs://'.length).replace(/\/+$/, '');
    return `https://storage.googleapis.com/${rest}/`;
  }
  if (url.startsWith('git+')) {
    const repo = url.slice('git+'.length).split('#')[0]!;
    const m = /^(?:https:\/\/(?:[^@/]+@)?github\.com\/|git@github\.com:|ssh:\/\/git@github\.com\/)([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(repo);
    return m ? `https://raw.githubusercontent.com/${m[1]}/${m[2]}/` : null;
  }
  return null;
}

export async function openArchiveStore(url: string, options: StoreOptions): Promise<ArchiveStore> {
  const publicUrl = options.publicUrl === undefined ? derivedPublicUrl(url) : options.publicUrl;
  const withSlash = publicUrl === null ? null : publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`;
  if (url.startsWith('git+')) {
    const { openGitStore } = await import('./git-store.ts');
    return openGitStore(url, { workDir: options.workDir, publicUrl: withSlash });
  }
  const { ObjectStore } = await import('./object-store.ts');
  if (url.startsWith('gs://')) {
    const { openGcsBucket } = await import('./gcs-bucket.ts');
    return new ObjectStore(await openGcsBucket(url, { endpoint: options.gcsEndpoint, retries: options.gcsRetries }), withSlash);
  }
  const { DirectoryBucket } = await import('./object-store.ts');
  return new ObjectStore(new DirectoryBucket(url), withSlash);
}
