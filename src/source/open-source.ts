/**
 * Opening sources: a --source value (gs://bucket[/prefix] or a local directory) or a SourceSpec (what a worker
 * thread receives) becomes a BucketSource. The one module that knows every implementation, so that the
 * implementations only know the interface (source.ts) and the spec types (source-spec.ts).
 */
import path from 'node:path';
import type { BucketSource } from './source.ts';
import type { SourceSpec } from './source-spec.ts';
import { createLocalSource } from './local-source.ts';
import { UsageError } from '../util/errors.ts';

export interface SourceOptions {
  gcsEndpoint?: string;
  concurrency?: number;
  requestTimeoutMs?: number;
  retries?: number;
  deadline?: number;
}

/** `spec`: gs://bucket[/prefix], or a directory (relative paths resolve against the working directory). */
export async function openSource(spec: string, options: SourceOptions = {}): Promise<BucketSource> {
  if (spec.startsWith('gs://')) {
    // Loaded on demand: the GCS client is large, and local runs never need it.
    const { createGcsSource, parseGsUrl } = await import('./gcs-source.ts');
    let parsed: { bucket: string; prefix: string };
    try {
      parsed = parseGsUrl(spec);
    } catch (error) {
      throw new UsageError(`--source ${(error as Error).message}`);
    }
    const { bucket, prefix } = parsed;
    return createGcsSource({
      bucket,
      ...(prefix ? { prefix } : {}),
      ...(options.gcsEndpoint ? { endpoint: options.gcsEndpoint } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.deadline ? { deadline: options.deadline } : {}),
    });
  }
  return createLocalSource(path.resolve(spec));
}

/** Open the source a spec describes (in a worker thread). */
export async function openSourceSpec(spec: SourceSpec): Promise<BucketSource> {
  if (spec.type === 'local') return createLocalSource(spec.root, { bucket: spec.bucket });
  const { createGcsSource } = await import('./gcs-source.ts');
  return createGcsSource(spec.options);
}
