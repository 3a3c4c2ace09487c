/**
 * One run, from the cache or the source: the unit of work of a fetch, run on the main thread or in an ingest
 * worker (ingest-pool.ts). Returns the run's summary only: records hold thousands of tests, and a fetch of
 * thousands of runs must not keep them all in memory (or copy them between threads).
 */
import { createHash } from 'node:crypto';
import type { BucketSource } from '../source/source.ts';
import { listAll } from '../source/source.ts';
import type { RunLocation } from './discover.ts';
import { ingestRun } from './ingest-run.ts';
import type { RunCache, RunSummary } from './run-cache.ts';

export interface LoadedRun {
  summary: RunSummary;
  /** cache: final and complete, not read; rechecked: unfinished and unchanged since; fetched: read from the source. */
  how: 'cache' | 'fetched' | 'rechecked';
}

export async function loadRun(source: BucketSource, cache: RunCache, location: RunLocation): Promise<LoadedRun> {
  const cached = await cache.getSummary(location.job, location.buildId);
  if (cached?.final && cached.complete) return { summary: cached, how: 'cache' };
  if (cached?.complete && cached.fingerprint) {
    // Unfinished last time: one listing tells whether anything was added since.
    const fingerprint = await fingerprintRun(source, location.path).catch(() => undefined);
    if (fingerprint === cached.fingerprint) return { summary: cached, how: 'rechecked' };
  }
  // Incomplete last time (an object failed after retries), unfinished and changed, or new: read it. An unfinished
  // record carries the fingerprint of the listing it was read from.
  const record = await ingestRun(source, location);
  return { summary: await cache.put(record), how: 'fetched' };
}

/** Names and sizes of everything in the run folder, hashed (as ingestRun does with its listing). */
async function fingerprintRun(source: BucketSource, path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const page of listAll(source, path)) for (const o of page.objects) hash.update(`${o.name}\u0000${o.size}\n`);
  return hash.digest('hex').slice(0, 16);
}
