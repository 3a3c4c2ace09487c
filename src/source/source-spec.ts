/**
 * A source as plain data, so that worker threads (src/ingest/ingest-pool.ts) can open their own copy of the source
 * the main thread reads: a BucketSource holds sockets and closures, which cannot cross threads.
 */
import type { BucketSource } from './source.ts';
import type { GcsSourceOptions } from './gcs-source.ts';

/** GCS options without callbacks: onRetry and random stay with the thread that created the source. */
export type GcsSourceSpecOptions = Omit<GcsSourceOptions, 'onRetry' | 'random'>;

export type SourceSpec = { type: 'local'; root: string; bucket: string } | { type: 'gcs'; options: GcsSourceSpecOptions };

/** Open the source a spec describes. */
export async function openSourceSpec(spec: SourceSpec): Promise<BucketSource> {
  if (spec.type === 'local') {
    const { createLocalSource } = await import('./local-source.ts');
    return createLocalSource(spec.root, { bucket: spec.bucket });
  }
  const { createGcsSource } = await import('./gcs-source.ts');
  return createGcsSource(spec.options);
}
