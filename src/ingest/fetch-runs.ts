/**
 * The fetch stage: discover jobs and builds, read every run in the look-back window (concurrently,
 * newest first, stopping each job at the window's edge), and keep the normalised records in the run
 * cache. A final, complete run already in the cache is never read again; an unfinished run is
 * re-checked with one listing and re-read only when its folder changed.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { BucketSource } from '../source/source.ts';
import { listAll } from '../source/source.ts';
import type { DataProblem, RunRecord } from './run-record.ts';
import { compareBuildIds } from './run-record.ts';
import type { FetchReport, FetchStats, RunCache } from './run-cache.ts';
import { discoverJobs, listLogBuilds, listPresubmitBuilds, resolvePresubmitPointer, type JobSelection, type RunLocation } from './discover.ts';
import { ingestRun } from './ingest-run.ts';

export interface FetchProgress {
  phase: 'discover' | 'fetch' | 'done';
  jobs: number;
  runsFound: number;
  runsDone: number;
  runsFromCache: number;
  runsFetched: number;
  runsFailed: number;
  bytesRead: number;
}

export interface FetchOptions {
  source: BucketSource;
  cache: RunCache;
  selection: JobSelection;
  /** Runs that started before this are outside every window. */
  lookbackStart: Date;
  concurrency?: number;
  onProgress?: (progress: FetchProgress) => void;
  /** Give up starting new work after this instant (epoch ms); what was read is kept. */
  deadline?: number;
  /**
   * Per job, the newest build id already known to have started before the look-back window (from the
   * previous fetch). Build ids grow with time, so it and everything older is skipped without a read.
   */
  previousEdges?: Record<string, string>;
}

interface Loaded {
  record: RunRecord;
  how: 'cache' | 'fetched' | 'rechecked';
}

export async function fetchRuns(options: FetchOptions): Promise<FetchReport> {
  const { source, cache, selection } = options;
  const concurrency = options.concurrency ?? 16;
  const limit = pLimit(concurrency);
  const listLimit = pLimit(Math.max(2, Math.min(8, concurrency)));
  const cutoff = options.lookbackStart.getTime();
  const discoveryProblems: FetchReport['discoveryProblems'] = [];
  const progress: FetchProgress = { phase: 'discover', jobs: 0, runsFound: 0, runsDone: 0, runsFromCache: 0, runsFetched: 0, runsFailed: 0, bytesRead: 0 };
  const report = (): void => options.onProgress?.({ ...progress });
  const stats: FetchStats = { jobs: 0, runsFound: 0, runsFromCache: 0, runsFetched: 0, runsPending: 0, runsIncomplete: 0, objectsRead: 0, objectsFailed: 0, bytesRead: 0 };
  const inWindow: RunRecord[] = [];
  const edges: Record<string, string> = {};

  const problems: DataProblem[] = [];
  const jobs = await discoverJobs(source, selection, problems);
  discoveryProblems.push(...problems);
  progress.jobs = stats.jobs = new Set(jobs.map((j) => j.job)).size;
  report();
  progress.phase = 'fetch';

  const loadRun = async (location: RunLocation): Promise<Loaded> => {
    const cached = await cache.get(location.job, location.buildId);
    if (cached && cached.final && cached.complete) return { record: cached, how: 'cache' };
    if (cached && cached.complete && cached.fingerprint) {
      // Unfinished last time: one listing tells whether anything was added since.
      const fingerprint = await fingerprintRun(source, location.path).catch(() => undefined);
      if (fingerprint === cached.fingerprint) return { record: cached, how: 'rechecked' };
    }
    const record = await ingestRun(source, location);
    if (!record.final && record.complete) record.fingerprint = await fingerprintRun(source, location.path).catch(() => undefined);
    await cache.put(record);
    return { record, how: 'fetched' };
  };

  const account = (loaded: Loaded): void => {
    const { record } = loaded;
    progress.runsDone++;
    if (loaded.how === 'fetched') {
      progress.runsFetched++;
      stats.runsFetched++;
      progress.bytesRead += record.bytesRead;
      stats.bytesRead += record.bytesRead;
      stats.objectsRead += record.objectsRead;
    } else {
      progress.runsFromCache++;
      stats.runsFromCache++;
    }
    if (!record.complete) progress.runsFailed++;
    report();
  };

  const walkJob = async (job: string, area: 'logs' | 'pr-logs'): Promise<void> => {
    const jobProblems: DataProblem[] = [];
    let candidates: Array<() => Promise<RunLocation>>;
    const edgeKey = `${area}/${job}`;
    const knownEdge = options.previousEdges?.[edgeKey];
    const insideEdge = (buildId: string): boolean => knownEdge === undefined || compareBuildIds(buildId, knownEdge) > 0;
    const noteEdge = (buildId: string): void => {
      if (edges[edgeKey] === undefined || compareBuildIds(buildId, edges[edgeKey]!) > 0) edges[edgeKey] = buildId;
    };
    if (knownEdge !== undefined) noteEdge(knownEdge);
    try {
      if (area === 'logs') {
        const builds = await listLimit(() => listLogBuilds(source, job, jobProblems));
        candidates = builds.filter((b) => insideEdge(b.buildId)).map((b) => async () => b);
      } else {
        const pointers = await listLimit(() => listPresubmitBuilds(source, job, jobProblems));
        candidates = pointers.filter((p) => insideEdge(p.buildId)).map((p) => () => resolvePresubmitPointer(source, job, p.buildId, p.pointer));
      }
    } catch (error) {
      discoveryProblems.push({ job, object: area === 'logs' ? `logs/${job}/` : `pr-logs/directory/${job}/`, kind: 'fetch', reason: `listing failed: ${(error as Error).message}` });
      return;
    }
    for (const p of jobProblems) discoveryProblems.push({ ...p, job });
    // Newest first, a batch at a time: once a batch reaches back past the window, older builds are not read.
    const batch = Math.max(2, Math.min(concurrency, 32));
    for (let i = 0; i < candidates.length; i += batch) {
      if (options.deadline !== undefined && Date.now() > options.deadline) {
        discoveryProblems.push({ job, object: `${area}/${job}/`, kind: 'fetch', reason: `overall deadline reached: ${candidates.length - i} older build(s) not checked` });
        return;
      }
      progress.runsFound += Math.min(batch, candidates.length - i);
      const results = await Promise.all(
        candidates.slice(i, i + batch).map((resolve) =>
          limit(async (): Promise<Loaded | undefined> => {
            let location: RunLocation;
            try {
              location = await resolve();
            } catch (error) {
              discoveryProblems.push({ job, object: `pr-logs/directory/${job}/`, kind: 'parse', reason: `presubmit pointer ${(error as Error).message}` });
              return undefined;
            }
            const loaded = await loadRun(location);
            account(loaded);
            return loaded;
          }),
        ),
      );
      let reachedEdge = false;
      for (const loaded of results) {
        if (!loaded) continue;
        const started = loaded.record.started ? Date.parse(loaded.record.started) : NaN;
        if (Number.isFinite(started) && started < cutoff) {
          reachedEdge = true;
          noteEdge(loaded.record.buildId);
          continue;
        }
        inWindow.push(loaded.record);
      }
      if (reachedEdge) return;
    }
  };

  await Promise.all(jobs.map((j) => walkJob(j.job, j.area)));

  inWindow.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : a.buildId.length - b.buildId.length || (a.buildId < b.buildId ? -1 : 1)));
  stats.runsFound = inWindow.length;
  for (const record of inWindow) {
    if (!record.final) stats.runsPending++;
    if (!record.complete) stats.runsIncomplete++;
    stats.objectsFailed += record.problems.filter((p) => p.kind === 'fetch').length;
  }
  progress.phase = 'done';
  report();
  const fetchReport: FetchReport = {
    source: source.description,
    bucket: source.bucket,
    fetchedAt: new Date().toISOString(),
    lookbackStart: options.lookbackStart.toISOString(),
    runs: inWindow.map((r) => ({ job: r.job, buildId: r.buildId })),
    discoveryProblems,
    stats,
    edges,
  };
  await cache.writeFetchReport(fetchReport);
  return fetchReport;
}

/** Names and sizes of everything in the run folder, hashed. */
export async function fingerprintRun(source: BucketSource, path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const page of listAll(source, path)) for (const o of page.objects) hash.update(`${o.name}\u0000${o.size}\n`);
  return hash.digest('hex').slice(0, 16);
}
