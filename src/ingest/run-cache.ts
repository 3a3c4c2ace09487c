/**
 * On-disk cache of normalised run records, one file per run:
 *   <cacheDir>/<sourceKey>/runs/<job>/<buildId>.json
 * A final, complete record is never fetched again. Writes go to a temporary file first and are
 * renamed into place, so a crash or kill never leaves a half-written record behind.
 *
 * Every file starts with a summary (RunSummary, plus the file's length): deciding whether a run needs fetching
 * (every run, every fetch) and retention read the file's first few hundred bytes instead of the record, which holds
 * thousands of tests. Three layouts, all still read; put() writes the newest (run-cache-layout.ts):
 * - 3: a line naming the layout, the summary's JSON line, the record's JSON line without its tests but with their
 *   columns (suite, status, byte lengths), then the tests' durations, names and messages as raw bytes. Encoding it
 *   costs about a quarter of layout 2's JSON.stringify of thousands of test objects, which was the largest cost of
 *   a fetch after parsing.
 * - 2: the record as JSON with one extra key first, `summary`.
 * - 1: the record as JSON alone.
 * A program that knows only layouts 1 and 2 finds no summary in a layout-3 file and cannot parse it as JSON: it
 * fetches the run again, as it does for a damaged file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DataProblem, RunRecord } from './run-record.ts';
import type { WindowEdge } from './window-edge.ts';
import { RUN_RECORD_VERSION } from './run-record.ts';
import { removeAbandonedTemps } from '../util/abandoned-temps.ts';
import { assertSafeSegment, resolveInside } from '../util/safe-name.ts';
import { writeAtomic } from '../util/write-atomic.ts';
import { COLUMNS_MAGIC, decodeColumns, encodeColumns, encodeJson, JSON_SUMMARY_START } from './run-cache-layout.ts';

/** What fetching needs to know about a cached run, without its tests. */
export interface RunSummary {
  recordVersion: typeof RUN_RECORD_VERSION;
  job: string;
  buildId: string;
  started: string | null;
  final: boolean;
  complete: boolean;
  fingerprint?: string;
  objectsRead: number;
  bytesRead: number;
  /** Problems of kind 'fetch' (objects that failed to download). */
  fetchProblems: number;
  /** The record's provenance digest (run-record.ts), so a snapshot's provenance is gathered from summaries alone. */
  inputsDigest: string;
}

export function summarize(record: RunRecord): RunSummary {
  const summary: RunSummary = {
    recordVersion: record.recordVersion,
    job: record.job,
    buildId: record.buildId,
    started: record.started,
    final: record.final,
    complete: record.complete,
    objectsRead: record.objectsRead,
    bytesRead: record.bytesRead,
    fetchProblems: record.problems.filter((p) => p.kind === 'fetch').length,
    inputsDigest: record.inputsDigest,
  };
  if (record.fingerprint !== undefined) summary.fingerprint = record.fingerprint;
  return summary;
}

/** The summary is far shorter than this (job names are at most 255 characters). */
const SUMMARY_READ_BYTES = 4096;

export interface FetchReport {
  source: string;
  bucket: string;
  fetchedAt: string;
  lookbackStart: string;
  runs: Array<{ job: string; buildId: string }>;
  discoveryProblems: Array<DataProblem & { job?: string; buildId?: string }>;
  stats: FetchStats;
  /**
   * Per "<area>/<job>", the newest build known to have started before the look-back window, with that start (the
   * evidence the next fetch checks before it skips the build and everything older).
   */
  edges: Record<string, WindowEdge>;
  /** The overall deadline the fetch ran under, if any (ISO 8601). */
  deadline?: string;
}

export interface FetchStats {
  jobs: number;
  runsFound: number;
  runsFromCache: number;
  runsFetched: number;
  runsPending: number;
  runsIncomplete: number;
  /** Builds left unread because the overall deadline passed (listed in discoveryProblems). */
  runsSkipped: number;
  /** Runs read that started before the window (the edge) or after the as-of instant: not counted. */
  runsOutsideWindow: number;
  /** Runs whose start time cannot be right (listed in discoveryProblems): not counted, never an edge. */
  runsImplausible: number;
  objectsRead: number;
  objectsFailed: number;
  bytesRead: number;
}

export function sourceKey(description: string, bucket: string): string {
  const safeBucket = bucket.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) || 'bucket';
  const hash = createHash('sha256').update(description).digest('hex').slice(0, 10);
  return `${safeBucket}-${hash}`;
}

export class RunCache {
  readonly dir: string;

  constructor(cacheRoot: string, key: string) {
    this.dir = resolveInside(cacheRoot, assertSafeSegment(key, 'cache key'));
    mkdirSync(this.dir, { recursive: true });
  }

  #file(job: string, buildId: string): string {
    return resolveInside(this.dir, 'runs', assertSafeSegment(job, 'job name'), `${assertSafeSegment(buildId, 'build id')}.json`);
  }

  async get(job: string, buildId: string): Promise<RunRecord | undefined> {
    let file: Buffer;
    try {
      file = await readFile(this.#file(job, buildId));
    } catch {
      return undefined;
    }
    // A damaged cache entry is simply fetched again.
    let record: (RunRecord & { summary?: unknown }) | undefined;
    if (file[0] === COLUMNS_MAGIC.charCodeAt(0)) record = decodeColumns(file);
    else {
      try {
        record = JSON.parse(file.toString('utf8')) as RunRecord & { summary?: unknown };
      } catch {
        return undefined;
      }
      // Layout 2: the summary was spliced in by put(); the record is everything else.
      if (typeof record === 'object' && record !== null) delete record.summary;
    }
    return record?.recordVersion === RUN_RECORD_VERSION ? record : undefined;
  }

  /** The summary of a cached run, reading only the start of its file; undefined when absent or unusable. */
  async getSummary(job: string, buildId: string): Promise<RunSummary | undefined> {
    let head: string;
    let size: number;
    try {
      const handle = await open(this.#file(job, buildId), 'r');
      try {
        const buffer = Buffer.alloc(SUMMARY_READ_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        head = buffer.toString('utf8', 0, bytesRead);
        size = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    } catch {
      return undefined;
    }
    // Layout 3: the summary is the second line. Layout 2: it holds no nested object and no string with '}' (names
    // are safe segments, ids digits), so its first '}' closes it. It also says how long the file is: a file cut
    // short (damage from outside: our writes are atomic) must not pass as a complete run that is never read again.
    let json: string | undefined;
    if (head.startsWith(COLUMNS_MAGIC)) {
      const end = head.indexOf('\n', COLUMNS_MAGIC.length);
      if (end >= 0) json = head.slice(COLUMNS_MAGIC.length, end);
    } else if (head.startsWith(JSON_SUMMARY_START)) {
      const end = head.indexOf('}', JSON_SUMMARY_START.length);
      if (end >= 0) json = head.slice(JSON_SUMMARY_START.length - 1, end + 1);
    }
    if (json !== undefined) {
      try {
        const { fileBytes, ...summary } = JSON.parse(json) as RunSummary & { fileBytes?: number };
        if (fileBytes === size && summary.recordVersion === RUN_RECORD_VERSION && summary.job === job && summary.buildId === buildId) return summary;
      } catch {
        // fall through
      }
    }
    // An older file, or one that does not check out: the record itself decides.
    const record = await this.get(job, buildId);
    return record ? summarize(record) : undefined;
  }

  /** A cached record that never needs fetching again. */
  async getFinal(job: string, buildId: string): Promise<RunRecord | undefined> {
    const record = await this.get(job, buildId);
    return record?.final && record.complete ? record : undefined;
  }

  /** Store a record (atomically) in layout 3, else 2 (see run-cache-layout.ts); returns its summary. */
  async put(record: RunRecord): Promise<RunSummary> {
    const file = this.#file(record.job, record.buildId);
    const summary = summarize(record);
    await writeAtomic(file, encodeColumns(record, summary) ?? encodeJson(record, summary));
    return summary;
  }

  async writeFetchReport(report: FetchReport): Promise<void> {
    await writeAtomic(path.join(this.dir, 'last-fetch.json'), JSON.stringify(report, null, 1));
  }

  async readFetchReport(): Promise<FetchReport | undefined> {
    try {
      return JSON.parse(await readFile(path.join(this.dir, 'last-fetch.json'), 'utf8')) as FetchReport;
    } catch {
      return undefined;
    }
  }

  /** The summary of every cached run, job by job, in the order records() yields the records. */
  async *summaries(): AsyncGenerator<RunSummary> {
    for await (const { job, buildId } of this.#entries()) {
      const summary = await this.getSummary(job, buildId);
      if (summary) yield summary;
    }
  }

  /** Every cached record, job by job (for analysis). */
  async *records(): AsyncGenerator<RunRecord> {
    for await (const { job, buildId } of this.#entries()) {
      const record = await this.get(job, buildId);
      if (record) yield record;
    }
  }

  async *#entries(): AsyncGenerator<{ job: string; buildId: string }> {
    const runsDir = path.join(this.dir, 'runs');
    let jobs: string[];
    try {
      jobs = (await readdir(runsDir)).sort();
    } catch {
      return;
    }
    for (const job of jobs) {
      let files: string[];
      try {
        files = (await readdir(path.join(runsDir, job))).filter((f) => f.endsWith('.json')).sort();
      } catch {
        continue; // not a directory
      }
      for (const file of files) yield { job, buildId: file.slice(0, -5) };
    }
  }

  /**
   * Remove records of runs that started before `cutoff` (retention = the longest window), reading summaries only,
   * and the temporary files of writes a killed process never finished.
   */
  async prune(cutoff: Date): Promise<number> {
    await removeAbandonedTemps(this.dir, writeAtomicPid);
    const runsDir = path.join(this.dir, 'runs');
    for (const job of await readdir(runsDir).catch(() => [] as string[])) await removeAbandonedTemps(path.join(runsDir, job), writeAtomicPid);
    let removed = 0;
    for await (const { job, buildId } of this.#entries()) {
      const summary = await this.getSummary(job, buildId);
      const started = summary?.started ? Date.parse(summary.started) : NaN;
      if (Number.isFinite(started) && started < cutoff.getTime()) {
        await rm(this.#file(job, buildId), { force: true });
        removed++;
      }
    }
    return removed;
  }
}

/** The pid in a temporary file of writeAtomic (`<file>.<pid>.<thread>.<n>.tmp`): a write killed mid-way. */
function writeAtomicPid(name: string): number | undefined {
  const pid = /\.(\d+)\.\d+\.\d+\.tmp$/.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
}
