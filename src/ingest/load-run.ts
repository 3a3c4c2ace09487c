/**
 * One run, from the cache or the source: the unit of work of a fetch, run on the main thread or in an ingest
 * worker (ingest-pool.ts). Returns the run's summary only: records hold thousands of tests, and a fetch of
 * thousands of runs must not keep them all in memory (or copy them between threads).
 */
import { createHash } from 'node:crypto';
import type { ObjectLimits } from '../config/run-plan.ts';
import type { BucketSource } from '../source/source.ts';
import { listAll } from '../source/source.ts';
import type { RunLocation } from './discover.ts';
import { fingerprintLine, ingestRun } from './ingest-run.ts';
import type { RunCache, RunSummary } from './run-cache.ts';

export interface LoadedRun {
  summary: RunSummary;
  /** cache: final and complete, not read; rechecked: re-checked with a listing and unchanged since; fetched: read from the source. */
  how: 'cache' | 'fetched' | 'rechecked';
}

/**
 * Whether a cached run never needs reading again: final and complete, with nothing to re-check (a run with an
 * object over its size limit keeps a fingerprint, so that a new generation of that object is read).
 */
export function settledInCache(summary: RunSummary): boolean {
  return summary.final && summary.complete && summary.fingerprint === undefined;
}

export async function loadRun(source: BucketSource, cache: RunCache, location: RunLocation, limits?: ObjectLimits): Promise<LoadedRun> {
  const cached = await cache.getSummary(location.job, location.buildId);
  if (cached !== undefined && settledInCache(cached)) return { summary: cached, how: 'cache' };
  if (cached?.complete && cached.fingerprint) {
    // Unfinished last time, or holding an object over its limit: one listing tells whether anything changed since.
    const fingerprint = await fingerprintRun(source, location.path).catch(() => undefined);
    if (fingerprint === cached.fingerprint) return { summary: cached, how: 'rechecked' };
  }
  // Incomplete last time (an object failed after retries), changed, or new: read it. A record that is to be
  // re-checked carries the fingerprint of the listing it was read from.
  const record = await ingestRun(source, location, limits ? { limits } : {});
  return { summary: await cache.put(record), how: 'fetched' };
}

/** Names, sizes and generations of everything in the run folder, hashed exactly as ingestRun does with its listing. */
async function fingerprintRun(source: BucketSource, path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const page of listAll(source, path)) {
    for (const refused of page.refused ?? []) hash.update(`${refused.name}\u0000refused\n`);
    for (const o of page.objects) hash.update(fingerprintLine(o));
  }
  return hash.digest('hex').slice(0, 16);
}
