/**
 * The fetch stage: discover jobs and builds, read every run in the look-back window (concurrently,
 * newest first, stopping each job at the window's edge), and keep the normalised records in the run
 * cache. A final, complete run already in the cache is never read again; an unfinished run is
 * re-checked with one listing and re-read only when its folder changed; an incomplete run (an object
 * failed after retries) is read again. Past the overall deadline no new run is started, and every
 * build left unread is listed as a problem.
 */
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { BucketSource } from '../source/source.ts';
import type { DataProblem } from './run-record.ts';
import { compareBuildIds } from './run-record.ts';
import type { FetchReport, FetchStats, RunCache, RunSummary } from './run-cache.ts';
import { discoverJobs, listLogBuilds, listPresubmitBuilds, resolvePresubmitPointer, type JobSelection, type RunLocation } from './discover.ts';
import { loadRun, type LoadedRun } from './load-run.ts';
import { IngestPool } from './ingest-pool.ts';

/**
 * Runs read at once. Each run waits on two round trips (its listing, then its files in parallel), so against a
 * remote GCS more runs in flight hide the latency: with 50 ms per response (bench/ingest.ts --latency 50,
 * 300 runs) 8 and 16 reached 25 runs/s, 32 reached 47 and 64 no more. On loopback the parse is the limit and
 * the setting hardly matters. The GCS source separately caps requests in flight (32 per thread).
 */
export const DEFAULT_FETCH_CONCURRENCY = 32;

export interface FetchProgress {
  phase: 'discover' | 'fetch' | 'done';
  jobs: number;
  /** Jobs whose build listing finished (or failed). */
  jobsListed: number;
  /** Runs queued for reading so far (grows while jobs are listed and walked). */
  runsFound: number;
  runsDone: number;
  runsFromCache: number;
  runsFetched: number;
  /** Runs read with an object that still failed after retries (stored incomplete, read again next time). */
  runsFailed: number;
  /** Runs not read because the overall deadline passed. */
  runsSkipped: number;
  bytesRead: number;
  /** Epoch ms when the fetch started, for rates and ETA. */
  startedAt: number;
}

export interface FetchOptions {
  source: BucketSource;
  cache: RunCache;
  selection: JobSelection;
  /** Runs that started before this are outside every window. */
  lookbackStart: Date;
  /** Runs read at once (default DEFAULT_FETCH_CONCURRENCY). */
  concurrency?: number;
  /**
   * Worker threads that load runs; 0 loads them on this thread. Default: one per core (at most 4) when the source
   * has a spec and there are two cores or more, else 0. See defaultWorkers().
   */
  workers?: number;
  /** Entries per listing page (default: the source's, 1,000 on GCS). */
  listPageSize?: number;
  onProgress?: (progress: FetchProgress) => void;
  /** Start no new run after this instant (epoch ms); what was read is kept, what was not is listed. */
  deadline?: number;
  /**
   * Per job, the newest build id already known to have started before the look-back window (from the
   * previous fetch). Build ids grow with time, so it and everything older is skipped without a read.
   */
  previousEdges?: Record<string, string>;
}

/** Why a queued run produced no record. */
type Unread = { skipped: 'deadline' } | { skipped: 'error' };

/** Prow's build ids are snowflakes: milliseconds since this epoch, shifted left by 22 bits. */
const SNOWFLAKE_EPOCH_MS = 1288834974657;

/**
 * Whether a build id says the run was created before `instant`; only 19-digit ids (snowflakes) tell. A hint for
 * where to look, never a verdict: the run's start time decides.
 */
export function createdBefore(buildId: string, instant: number): boolean {
  if (!/^[1-9]\d{18}$/.test(buildId)) return false;
  return Number(BigInt(buildId) >> 22n) + SNOWFLAKE_EPOCH_MS < instant;
}

/**
 * Parsing JUnit is CPU-bound, so a thread per core; more than 4 gains little against the network and costs a
 * source (connections, client) per thread. A source without a spec cannot be opened in a worker.
 */
export function defaultWorkers(source: BucketSource, cores: number = availableParallelism()): number {
  return source.spec !== undefined && cores >= 2 ? Math.min(cores, 4) : 0;
}

export async function fetchRuns(options: FetchOptions): Promise<FetchReport> {
  const { source, cache, selection } = options;
  const concurrency = options.concurrency ?? DEFAULT_FETCH_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`fetchRuns: concurrency must be a whole number >= 1, got ${concurrency}`);
  const limit = pLimit(concurrency);
  const listLimit = pLimit(Math.max(2, Math.min(8, concurrency)));
  const cutoff = options.lookbackStart.getTime();
  const deadline = options.deadline;
  const pastDeadline = (): boolean => deadline !== undefined && Date.now() > deadline;
  const listOptions = options.listPageSize !== undefined ? { pageSize: options.listPageSize } : {};
  const discoveryProblems: FetchReport['discoveryProblems'] = [];
  const progress: FetchProgress = {
    phase: 'discover',
    jobs: 0,
    jobsListed: 0,
    runsFound: 0,
    runsDone: 0,
    runsFromCache: 0,
    runsFetched: 0,
    runsFailed: 0,
    runsSkipped: 0,
    bytesRead: 0,
    startedAt: Date.now(),
  };
  const report = (): void => options.onProgress?.({ ...progress });
  const stats: FetchStats = {
    jobs: 0,
    runsFound: 0,
    runsFromCache: 0,
    runsFetched: 0,
    runsPending: 0,
    runsIncomplete: 0,
    runsSkipped: 0,
    objectsRead: 0,
    objectsFailed: 0,
    bytesRead: 0,
  };
  const inWindow: RunSummary[] = [];
  const edges: Record<string, string> = {};

  const problems: DataProblem[] = [];
  const jobs = await discoverJobs(source, selection, problems, listOptions);
  discoveryProblems.push(...problems);
  progress.jobs = stats.jobs = new Set(jobs.map((j) => j.job)).size;
  report();
  progress.phase = 'fetch';

  const workers = options.workers ?? defaultWorkers(source);
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`fetchRuns: workers must be a whole number >= 0, got ${workers}`);
  if (workers > 0 && source.spec === undefined)
    throw new RangeError(`fetchRuns: ${source.description} cannot be opened in a worker thread (it has no spec); pass workers: 0`);
  const pool = workers > 0 ? new IngestPool({ spec: source.spec!, cacheDir: cache.dir }, workers) : undefined;
  const load = async (location: RunLocation): Promise<LoadedRun> => {
    if (!pool) return loadRun(source, cache, location);
    // The cheap common case stays here: a fetch that finds everything cached never starts a worker.
    const cached = await cache.getSummary(location.job, location.buildId);
    if (cached?.final && cached.complete) return { summary: cached, how: 'cache' };
    return pool.load(location);
  };

  const account = (loaded: LoadedRun): void => {
    const record = loaded.summary;
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
    let candidates: Array<{ buildId: string; resolve: () => Promise<RunLocation> }>;
    const edgeKey = `${area}/${job}`;
    const folder = area === 'logs' ? `logs/${job}/` : `pr-logs/directory/${job}/`;
    const knownEdge = options.previousEdges?.[edgeKey];
    const insideEdge = (buildId: string): boolean => knownEdge === undefined || compareBuildIds(buildId, knownEdge) > 0;
    const noteEdge = (buildId: string): void => {
      if (edges[edgeKey] === undefined || compareBuildIds(buildId, edges[edgeKey]!) > 0) edges[edgeKey] = buildId;
    };
    if (knownEdge !== undefined) noteEdge(knownEdge);
    const listing = { ...listOptions, ...(knownEdge !== undefined ? { after: knownEdge } : {}) };
    let late = false;
    try {
      candidates = await listLimit(async () => {
        if ((late = pastDeadline())) return [];
        if (area === 'logs') {
          const builds = await listLogBuilds(source, job, jobProblems, listing);
          return builds.filter((b) => insideEdge(b.buildId)).map((b) => ({ buildId: b.buildId, resolve: async () => b }));
        }
        const pointers = await listPresubmitBuilds(source, job, jobProblems, listing);
        return pointers
          .filter((p) => insideEdge(p.buildId))
          .map((p) => ({ buildId: p.buildId, resolve: () => resolvePresubmitPointer(source, job, p.buildId, p.pointer) }));
      });
    } catch (error) {
      discoveryProblems.push({ job, object: folder, kind: 'fetch', reason: `listing failed: ${(error as Error).message}` });
      return;
    } finally {
      progress.jobsListed++;
    }
    if (late) {
      discoveryProblems.push({
        job,
        object: folder,
        kind: 'fetch',
        reason: 'overall deadline reached before the job was listed: its builds were not read; the next fetch reads them',
      });
      return;
    }
    for (const p of jobProblems) discoveryProblems.push({ ...p, job });

    const notRead = (count: number, why: string): void => {
      progress.runsSkipped += count;
      stats.runsSkipped += count;
      discoveryProblems.push({ job, object: folder, kind: 'fetch', reason: `${why}: ${count} build(s) not read; the next fetch reads them` });
    };

    // Newest first, a batch at a time: once a batch reaches back past the window, older builds are not read. A
    // batch also ends at the first build whose id says it was created before the window (snowflake ids hold their
    // creation time): its started.json confirms the edge, so a first fetch reads one run past it, not a batch.
    const batch = Math.max(2, Math.min(concurrency, 32));
    const idEdge = candidates.findIndex((c) => createdBefore(c.buildId, cutoff));
    for (let i = 0, end = 0; i < candidates.length; i = end) {
      end = Math.min(candidates.length, i + batch);
      if (idEdge >= i && idEdge < end) end = idEdge + 1;
      if (pastDeadline()) {
        notRead(candidates.length - i, 'overall deadline reached');
        return;
      }
      const slice = candidates.slice(i, end);
      progress.runsFound += slice.length;
      report();
      const results = await Promise.all(
        slice.map((candidate) =>
          limit(async (): Promise<LoadedRun | Unread> => {
            // Queued before the deadline but not started by then: leave it for the next fetch.
            if (pastDeadline()) return { skipped: 'deadline' };
            let location: RunLocation;
            try {
              location = await candidate.resolve();
            } catch (error) {
              discoveryProblems.push({ job, object: folder, kind: 'parse', reason: `presubmit pointer ${(error as Error).message}` });
              progress.runsDone++;
              return { skipped: 'error' };
            }
            try {
              const loaded = await load(location);
              account(loaded);
              return loaded;
            } catch (error) {
              // Not a bad object (those become problems on the record) but a failure around it, such as the cache
              // refusing a write: the run is listed and the fetch goes on.
              discoveryProblems.push({ job, object: location.path, kind: 'fetch', reason: `run not read: ${(error as Error).message}` });
              progress.runsDone++;
              progress.runsFailed++;
              report();
              return { skipped: 'error' };
            }
          }),
        ),
      );
      let reachedEdge = false;
      let skipped = 0;
      for (const loaded of results) {
        if ('skipped' in loaded) {
          if (loaded.skipped === 'deadline') skipped++;
          continue;
        }
        const started = loaded.summary.started ? Date.parse(loaded.summary.started) : NaN;
        if (Number.isFinite(started) && started < cutoff) {
          reachedEdge = true;
          noteEdge(loaded.summary.buildId);
          continue;
        }
        inWindow.push(loaded.summary);
      }
      if (skipped > 0) {
        // Older builds count as left only while the window's edge has not shown up yet.
        notRead(skipped + (reachedEdge ? 0 : candidates.length - end), 'overall deadline reached');
        return;
      }
      if (reachedEdge) return;
    }
  };

  try {
    await Promise.all(jobs.map((j) => walkJob(j.job, j.area)));
  } finally {
    await pool?.close();
  }

  inWindow.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : compareBuildIds(a.buildId, b.buildId)));
  stats.runsFound = inWindow.length;
  for (const record of inWindow) {
    if (!record.final) stats.runsPending++;
    if (!record.complete) stats.runsIncomplete++;
    stats.objectsFailed += record.fetchProblems;
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
  if (deadline !== undefined) fetchReport.deadline = new Date(deadline).toISOString();
  await cache.writeFetchReport(fetchReport);
  return fetchReport;
}
