/**
 * What a snapshot was computed from, as far as runs go: the provenance digest of every cached run (from the cache's
 * summaries, so no record is parsed twice), their counts, and one digest over them all. The pipeline adds the
 * Ratchet version, the config hash and the other files it read.
 */
import { createHash } from 'node:crypto';
import type { RunCache } from './run-cache.ts';

export interface RunProvenance {
  runs: number;
  objects: number;
  bytes: number;
  inputsDigest: string;
  /** "<job>/<build id>" → the run's digest, sorted by key. */
  runDigests: Record<string, string>;
}

export async function runProvenance(cache: RunCache): Promise<RunProvenance> {
  const digests: Array<[string, string]> = [];
  let objects = 0;
  let bytes = 0;
  for await (const summary of cache.summaries()) {
    digests.push([`${summary.job}/${summary.buildId}`, summary.inputsDigest]);
    objects += summary.objectsRead;
    bytes += summary.bytesRead;
  }
  digests.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const [run, digest] of digests) hash.update(`${run} ${digest}\n`);
  return { runs: digests.length, objects, bytes, inputsDigest: hash.digest('hex').slice(0, 32), runDigests: Object.fromEntries(digests) };
}
