/**
 * The fetch stage: discover jobs and builds, read every run in the look-back window (concurrently,
 * newest first, stopping each job at the window's edge), and keep the normalised records in the run
 * cache. A final, complete run already in the cache is never read again; an unfinished run is
 * re-checked with one listing and re-read only when its folder changed; an incomplete run (an object
 * failed after retries) is read again. Past the overall deadline no new run is started, and every
 * build left unread is listed as a problem.
 *
 * A job's walk stops at the window's edge only on trustworthy evidence (window-edge.ts): a run whose start is
 * implausible is listed (kind implausible) and never moves the edge, and a saved edge without its evidence is not
 * used. Runs read but outside the window are counted, and those after the as-of instant are noted per job. A
 * disk that is full or refuses writes ends the fetch (it is no problem of the data).
 *
 * The jobs are walked concurrently and share one tally (progress, stats, problems, the runs in the window, the
 * edges), so that state lives in a FetchSession; what belongs to one job (its folder, its known edge, its
 * listing) lives in a JobWalker that reports into the session.
 */
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { BucketSource } from '../source/source.ts';
import { SourceError } from '../source/source.ts';
import { isEnvironmentError } from '../util/errors.ts';
import type { DataProblem } from './run-record.ts';
import { compareBuildIds } from './run-record.ts';
import type { FetchReport, FetchStats, RunCache, RunSummary } from './run-cache.ts';
import type { JobSelection, ObjectLimits } from '../config/run-plan.ts';
import { DEFAULT_OBJECT_LIMITS } from '../config/run-plan.ts';
import { implausibleAgainstOlder, implausibleStart, snowflakeTime, trustedEdge, type WindowEdge } from './window-edge.ts';
import {
  discoverJobs,
  listLogBuilds,
  listPresubmitBuilds,
  resolvePresubmitPointer,
  type BuildListOptions,
  type DiscoveredJob,
  type RunLocation,
} from './discover.ts';
import { loadRun, settledInCache, type LoadedRun } from './load-run.ts';
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
  /** The as-of instant: runs that started at or after it are outside every window too (noted per job). */
  windowEnd?: Date;
  /** How large each kind of object may be (default: the config's defaults). */
  limits?: ObjectLimits;
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
   * Per job, the newest build already known to have started before the look-back window, with its start (from the
   * previous fetch's report). Build ids grow with time, so it and everything older is skipped without a read. An
   * edge without a plausible start before this window (as older versions saved them) is not used.
   */
  previousEdges?: Record<string, unknown>;
}

/** Why a queued run produced no record. */
type Unread = { skipped: 'deadline' } | { skipped: 'error' };

/** A run read, with where it was found. */
interface Read {
  loaded: LoadedRun;
  location: RunLocation;
}

/**
 * Whether a build id says the run was created before `instant`; only 19-digit ids (snowflakes) tell. A hint for
 * where to look, never a verdict: the run's start time decides.
 */
export function createdBefore(buildId: string, instant: number): boolean {
  const created = snowflakeTime(buildId);
  return created !== undefined && created < instant;
}

/**
 * Parsing JUnit is CPU-bound, so a thread per core; more than 4 gains little against the network and costs a
 * source (connections, client) per thread. A source without a spec cannot be opened in a worker.
 */
export function defaultWorkers(source: BucketSource, cores: number = availableParallelism()): number {
  return source.spec !== undefined && cores >= 2 ? Math.min(cores, 4) : 0;
}

export async function fetchRuns(options: FetchOptions): Promise<FetchReport> {
  const session = new FetchSession(options);
  const jobs = await session.discover();
  const pool = session.openPool();
  try {
    await Promise.all(jobs.map((j) => new JobWalker(session, j.job, j.area).walk()));
  } finally {
    await pool?.close();
  }
  const fetchReport = session.finish();
  await options.cache.writeFetchReport(fetchReport);
  return fetchReport;
}

/** A build found by a listing, with the way to its run folder (presubmits need their pointer read first). */
interface Candidate {
  buildId: string;
  /** The object found: the run folder, or the presubmit pointer. */
  object: string;
  resolve: () => Promise<RunLocation>;
}

/** What one fetch has seen so far, shared by every job being walked. */
class FetchSession {
  readonly options: FetchOptions;
  readonly source: BucketSource;
  readonly concurrency: number;
  /** Runs read at once, across all jobs. */
  readonly limit: ReturnType<typeof pLimit>;
  /** Job listings at once. */
  readonly listLimit: ReturnType<typeof pLimit>;
  /** Epoch ms of the look-back start. */
  readonly cutoff: number;
  readonly listOptions: BuildListOptions;
  readonly discoveryProblems: FetchReport['discoveryProblems'] = [];
  readonly inWindow: RunSummary[] = [];
  readonly edges: Record<string, WindowEdge> = {};
  readonly limits: ObjectLimits;
  /** Epoch ms of the as-of instant, when known. */
  readonly windowEnd: number | undefined;
  /** Runs that could not be read at all (a pointer or the run's loading failed): incomplete, read next time. */
  unread = 0;
  readonly progress: FetchProgress = {
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
  readonly stats: FetchStats = {
    jobs: 0,
    runsFound: 0,
    runsFromCache: 0,
    runsFetched: 0,
    runsPending: 0,
    runsIncomplete: 0,
    runsSkipped: 0,
    runsOutsideWindow: 0,
    runsImplausible: 0,
    objectsRead: 0,
    objectsFailed: 0,
    bytesRead: 0,
  };
  private pool: IngestPool | undefined;

  constructor(options: FetchOptions) {
    this.options = options;
    this.source = options.source;
    this.concurrency = options.concurrency ?? DEFAULT_FETCH_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new RangeError(`fetchRuns: concurrency must be a whole number >= 1, got ${this.concurrency}`);
    this.limit = pLimit(this.concurrency);
    this.listLimit = pLimit(Math.max(2, Math.min(8, this.concurrency)));
    this.cutoff = options.lookbackStart.getTime();
    this.windowEnd = options.windowEnd?.getTime();
    this.limits = options.limits ?? DEFAULT_OBJECT_LIMITS;
    this.listOptions = options.listPageSize !== undefined ? { pageSize: options.listPageSize } : {};
  }

  pastDeadline(): boolean {
    return this.options.deadline !== undefined && Date.now() > this.options.deadline;
  }

  report(): void {
    this.options.onProgress?.({ ...this.progress });
  }

  /** Lists the selected jobs, counts them, and moves the progress on to fetching. */
  async discover(): Promise<DiscoveredJob[]> {
    const problems: DataProblem[] = [];
    const jobs = await discoverJobs(this.source, this.options.selection, problems, this.listOptions);
    this.discoveryProblems.push(...problems);
    this.progress.jobs = this.stats.jobs = new Set(jobs.map((j) => j.job)).size;
    this.report();
    this.progress.phase = 'fetch';
    return jobs;
  }

  /** Starts the worker threads that load runs, if any; the caller closes the pool. */
  openPool(): IngestPool | undefined {
    const { source, cache } = this.options;
    const workers = this.options.workers ?? defaultWorkers(source);
    if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`fetchRuns: workers must be a whole number >= 0, got ${workers}`);
    if (workers > 0 && source.spec === undefined)
      throw new RangeError(`fetchRuns: ${source.description} cannot be opened in a worker thread (it has no spec); pass workers: 0`);
    this.pool = workers > 0 ? new IngestPool({ spec: source.spec!, cacheDir: cache.dir, limits: this.limits }, workers) : undefined;
    return this.pool;
  }

  async load(location: RunLocation): Promise<LoadedRun> {
    const { source, cache } = this.options;
    if (!this.pool) return loadRun(source, cache, location, this.limits);
    // The cheap common case stays here: a fetch that finds everything cached never starts a worker.
    const cached = await cache.getSummary(location.job, location.buildId);
    if (cached !== undefined && settledInCache(cached)) return { summary: cached, how: 'cache' };
    return this.pool.load(location);
  }

  /** Counts a run that was loaded, from the cache or the bucket. */
  account(loaded: LoadedRun): void {
    const { progress, stats } = this;
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
    this.report();
  }

  /** Sorts the runs in the window, completes the stats and builds the report (the caller stores it). */
  finish(): FetchReport {
    const { inWindow, stats, options } = this;
    inWindow.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : compareBuildIds(a.buildId, b.buildId)));
    stats.runsFound = inWindow.length;
    stats.runsIncomplete = this.unread;
    for (const record of inWindow) {
      if (!record.final) stats.runsPending++;
      if (!record.complete) stats.runsIncomplete++;
      stats.objectsFailed += record.fetchProblems;
    }
    this.progress.phase = 'done';
    this.report();
    const fetchReport: FetchReport = {
      source: this.source.description,
      bucket: this.source.bucket,
      fetchedAt: new Date().toISOString(),
      lookbackStart: options.lookbackStart.toISOString(),
      runs: inWindow.map((r) => ({ job: r.job, buildId: r.buildId })),
      discoveryProblems: this.discoveryProblems,
      stats,
      edges: this.edges,
    };
    if (options.deadline !== undefined) fetchReport.deadline = new Date(options.deadline).toISOString();
    return fetchReport;
  }
}

/** Reads one job's builds, newest first, until the window's edge, the deadline or the end of the listing. */
class JobWalker {
  private readonly session: FetchSession;
  private readonly job: string;
  private readonly area: 'logs' | 'pr-logs';
  private readonly edgeKey: string;
  private readonly folder: string;
  /** The edge the previous fetch found: it and every older build are skipped unread. */
  private readonly knownEdge: WindowEdge | undefined;
  /** Problems the listing found, recorded once the listing has finished. */
  private readonly jobProblems: DataProblem[] = [];
  /** Whether the deadline had passed when the listing's turn came. */
  private late = false;
  /**
   * A run that started before the window whose start can only be judged against the next older build (its id tells
   * no time): the edge once that build is read and agrees, implausible if it does not.
   */
  private unconfirmed: { read: Read; startMs: number } | undefined;
  /** Runs read that started at or after the as-of instant (in the cache, but counted by no window). */
  private readonly afterAsOf: RunSummary[] = [];

  constructor(session: FetchSession, job: string, area: 'logs' | 'pr-logs') {
    this.session = session;
    this.job = job;
    this.area = area;
    this.edgeKey = `${area}/${job}`;
    this.folder = area === 'logs' ? `logs/${job}/` : `pr-logs/directory/${job}/`;
    const saved = session.options.previousEdges?.[this.edgeKey];
    this.knownEdge = trustedEdge(saved, session.cutoff) ? saved : undefined;
    if (this.knownEdge !== undefined) this.noteEdge(this.knownEdge);
  }

  async walk(): Promise<void> {
    const { session, job, folder } = this;
    let candidates: Candidate[];
    try {
      candidates = await session.listLimit(() => this.list());
    } catch (error) {
      session.discoveryProblems.push({ job, object: folder, kind: 'fetch', reason: `listing failed: ${(error as Error).message}` });
      return;
    } finally {
      session.progress.jobsListed++;
    }
    if (this.late) {
      session.discoveryProblems.push({
        job,
        object: folder,
        kind: 'fetch',
        reason: 'overall deadline reached before the job was listed: its builds were not read; the next fetch reads them',
      });
      return;
    }
    for (const p of this.jobProblems) session.discoveryProblems.push({ ...p, job });
    await this.readBatches(candidates);
    // The oldest build read: nothing older can contradict its start, and nothing older is left to hide.
    if (this.unconfirmed) this.takeEdge(this.unconfirmed.read.loaded.summary);
    this.noteAfterAsOf();
  }

  /**
   * Newest first, a batch at a time: once a batch reaches back past the window, older builds are not read. A batch
   * also ends at the first build whose id says it was created before the window (snowflake ids hold their creation
   * time): its started.json confirms the edge, so a first fetch reads one run past it, not a batch.
   */
  private async readBatches(candidates: Candidate[]): Promise<void> {
    const { session } = this;
    const batch = Math.max(2, Math.min(session.concurrency, 32));
    const idEdge = candidates.findIndex((c) => createdBefore(c.buildId, session.cutoff));
    for (let i = 0, end = 0; i < candidates.length; i = end) {
      end = Math.min(candidates.length, i + batch);
      if (idEdge >= i && idEdge < end) end = idEdge + 1;
      if (session.pastDeadline()) {
        this.notRead(candidates.length - i, 'overall deadline reached');
        return;
      }
      const slice = candidates.slice(i, end);
      session.progress.runsFound += slice.length;
      session.report();
      const results = await Promise.all(slice.map((candidate) => session.limit(() => this.read(candidate))));
      const { reachedEdge, skipped } = this.keep(results);
      if (skipped > 0) {
        // Older builds count as left only while the window's edge has not shown up yet.
        this.notRead(skipped + (reachedEdge ? 0 : candidates.length - end), 'overall deadline reached');
        return;
      }
      if (reachedEdge) return;
    }
  }

  /** The job's builds newer than the known edge, newest first; none once the deadline has passed. */
  private async list(): Promise<Candidate[]> {
    const { session, job } = this;
    const { source } = session;
    if ((this.late = session.pastDeadline())) return [];
    const listing = { ...session.listOptions, ...(this.knownEdge !== undefined ? { after: this.knownEdge.buildId } : {}) };
    if (this.area === 'logs') {
      const builds = await listLogBuilds(source, job, this.jobProblems, listing);
      return builds.filter((b) => this.insideEdge(b.buildId)).map((b) => ({ buildId: b.buildId, object: b.path, resolve: async () => b }));
    }
    const pointers = await listPresubmitBuilds(source, job, this.jobProblems, listing);
    const maxBytes = session.limits.metadataBytes;
    return pointers
      .filter((p) => this.insideEdge(p.buildId))
      .map((p) => ({ buildId: p.buildId, object: p.pointer, resolve: () => resolvePresubmitPointer(source, job, p.buildId, p.pointer, maxBytes) }));
  }

  /**
   * Loads one build's run; a failure around it is listed and the walk goes on, except a disk that is full or refuses
   * writes, which ends the fetch.
   */
  private async read(candidate: Candidate): Promise<Read | Unread> {
    const { session, job } = this;
    // Queued before the deadline but not started by then: leave it for the next fetch.
    if (session.pastDeadline()) return { skipped: 'deadline' };
    let location: RunLocation;
    try {
      location = await candidate.resolve();
    } catch (error) {
      session.discoveryProblems.push({ job, buildId: candidate.buildId, object: candidate.object, ...pointerProblem(error) });
      session.progress.runsDone++;
      if (error instanceof SourceError && (error.kind === 'fetch' || error.kind === 'timeout')) {
        // Not read, and read again next time: an incomplete run.
        session.unread++;
        session.progress.runsFailed++;
      }
      session.report();
      return { skipped: 'error' };
    }
    try {
      const loaded = await session.load(location);
      session.account(loaded);
      return { loaded, location };
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
      // Not a bad object (those become problems on the record) but a failure around it, such as the cache
      // refusing a write: the run is listed and the fetch goes on.
      session.discoveryProblems.push({
        job,
        buildId: candidate.buildId,
        object: location.path,
        kind: 'fetch',
        reason: `run not read: ${(error as Error).message}`,
      });
      session.unread++;
      session.progress.runsDone++;
      session.progress.runsFailed++;
      session.report();
      return { skipped: 'error' };
    }
  }

  /**
   * Keeps a batch's runs that started inside the window, newest first; notes whether it reached a trustworthy edge,
   * and how many it skipped. A start the run cannot have had is listed and moves nothing.
   */
  private keep(results: Array<Read | Unread>): { reachedEdge: boolean; skipped: number } {
    const { session } = this;
    let reachedEdge = false;
    let skipped = 0;
    for (const result of results) {
      if ('skipped' in result) {
        if (result.skipped === 'deadline') skipped++;
        continue;
      }
      const summary = result.loaded.summary;
      const startMs = summary.started ? Date.parse(summary.started) : NaN;
      // Without a start the run never moves the edge; the analysis lists it as missing its times.
      if (!Number.isFinite(startMs)) {
        session.inWindow.push(summary);
        continue;
      }
      if (this.unconfirmed) {
        // This is the build before the unconfirmed one: its start tells whether the other's is believable.
        const pending = this.unconfirmed;
        this.unconfirmed = undefined;
        const why = implausibleAgainstOlder(pending.startMs, { buildId: summary.buildId, startMs });
        if (why) this.implausible(pending.read, why);
        else reachedEdge = this.takeEdge(pending.read.loaded.summary);
      }
      if (startMs >= session.cutoff) {
        if (session.windowEnd !== undefined && startMs >= session.windowEnd) this.afterAsOf.push(summary);
        session.inWindow.push(summary);
        continue;
      }
      const why = implausibleStart(summary.buildId, startMs);
      if (why) this.implausible(result, why);
      else if (reachedEdge || snowflakeTime(summary.buildId) !== undefined) reachedEdge = this.takeEdge(summary);
      else this.unconfirmed = { read: result, startMs };
    }
    return { reachedEdge, skipped };
  }

  /** A run that started before the window, trustworthily: it is an edge, and it is not counted. */
  private takeEdge(summary: RunSummary): true {
    this.session.stats.runsOutsideWindow++;
    this.noteEdge({ buildId: summary.buildId, started: summary.started! });
    return true;
  }

  /** Lists a run whose start cannot be right; it is not counted, and it moves no edge. */
  private implausible(read: Read, reason: string): void {
    const { session } = this;
    session.stats.runsImplausible++;
    session.discoveryProblems.push({ job: this.job, buildId: read.location.buildId, object: `${read.location.path}started.json`, kind: 'implausible', reason });
  }

  /** One note per job for the runs read that started after the as-of instant. */
  private noteAfterAsOf(): void {
    const { afterAsOf, session } = this;
    if (afterAsOf.length === 0 || session.windowEnd === undefined) return;
    session.stats.runsOutsideWindow += afterAsOf.length;
    const newest = afterAsOf.reduce((a, b) => (compareBuildIds(b.buildId, a.buildId) > 0 ? b : a));
    const n = afterAsOf.length;
    session.discoveryProblems.push({
      job: this.job,
      object: this.folder,
      kind: 'outside-window',
      reason:
        `${n} run${n === 1 ? '' : 's'} started after the as-of instant (${new Date(session.windowEnd).toISOString()}) and ${n === 1 ? 'is' : 'are'} not counted: ` +
        `the newest is ${newest.buildId}, started ${newest.started}. Analyse with a later --as-of to count ${n === 1 ? 'it' : 'them'}.`,
    });
  }

  private insideEdge(buildId: string): boolean {
    return this.knownEdge === undefined || compareBuildIds(buildId, this.knownEdge.buildId) > 0;
  }

  /** Keeps the newest build known to have started before the window, with its start. */
  private noteEdge(edge: WindowEdge): void {
    const { edges } = this.session;
    const known = edges[this.edgeKey];
    if (known === undefined || compareBuildIds(edge.buildId, known.buildId) > 0) edges[this.edgeKey] = edge;
  }

  /** Lists builds left unread (the deadline passed) so the next fetch reads them. */
  private notRead(count: number, why: string): void {
    const { session } = this;
    session.progress.runsSkipped += count;
    session.stats.runsSkipped += count;
    session.discoveryProblems.push({
      job: this.job,
      object: this.folder,
      kind: 'fetch',
      reason: `${why}: ${count} build(s) not read; the next fetch reads them`,
    });
  }
}

/** What a presubmit pointer that could not be followed was: the kind of problem, and why. */
function pointerProblem(error: unknown): Pick<DataProblem, 'kind' | 'reason'> {
  if (!(error instanceof SourceError)) return { kind: 'parse', reason: `presubmit pointer ${(error as Error).message}` };
  const message = error.message.startsWith(`${error.object}: `) ? error.message.slice(error.object.length + 2) : error.message;
  const kinds: Record<string, DataProblem['kind']> = {
    'not-found': 'missing',
    'too-large': 'too-large',
    'outside-source': 'outside-source',
    'invalid-name': 'unsafe-name',
  };
  return { kind: kinds[error.kind] ?? 'fetch', reason: `presubmit pointer could not be read: ${message}` };
}
