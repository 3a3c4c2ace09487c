/** Turn a --source value into a BucketSource: gs://bucket[/prefix] or a local directory. */
import path from 'node:path';
import type { BucketSource } from './source.ts';
import { createLocalSource } from './local-source.ts';
import { createGcsSource, parseGsUrl } from './gcs-source.ts';

export interface SourceOptions {
  gcsEndpoint?: string;
  concurrency?: number;
  requestTimeoutMs?: number;
  retries?: number;
  deadline?: number;
}

export function openSource(spec: string, baseDir: string, options: SourceOptions = {}): BucketSource {
  if (spec.startsWith('gs://')) {
    const { bucket, prefix } = parseGsUrl(spec);
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
  return createLocalSource(path.resolve(baseDir, spec));
}
