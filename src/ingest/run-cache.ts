/**
 * On-disk cache of normalised run records, one JSON file per run:
 *   <cacheDir>/<sourceKey>/runs/<job>/<buildId>.json
 * A final, complete record is never fetched again. Writes go to a temporary file first and are
 * renamed into place, so a crash or kill never leaves a half-written record behind.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataProblem, RunRecord } from './run-record.ts';
import { RUN_RECORD_VERSION } from './run-record.ts';
import { assertSafeSegment, resolveInside } from '../util/safe-name.ts';

export interface FetchReport {
  source: string;
  bucket: string;
  fetchedAt: string;
  lookbackStart: string;
  runs: Array<{ job: string; buildId: string }>;
  discoveryProblems: Array<DataProblem & { job?: string }>;
  stats: FetchStats;
  /** Per "<area>/<job>", the newest build id known to be older than the look-back window. */
  edges: Record<string, string>;
}

export interface FetchStats {
  jobs: number;
  runsFound: number;
  runsFromCache: number;
  runsFetched: number;
  runsPending: number;
  runsIncomplete: number;
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
    let text: string;
    try {
      text = await readFile(this.#file(job, buildId), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const record = JSON.parse(text) as RunRecord;
      return record.recordVersion === RUN_RECORD_VERSION ? record : undefined;
    } catch {
      return undefined; // a damaged cache entry is simply fetched again
    }
  }

  /** A cached record that never needs fetching again. */
  async getFinal(job: string, buildId: string): Promise<RunRecord | undefined> {
    const record = await this.get(job, buildId);
    return record && record.final && record.complete ? record : undefined;
  }

  async put(record: RunRecord): Promise<void> {
    const file = this.#file(record.job, record.buildId);
    await writeAtomic(file, JSON.stringify(record));
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

  /** Every cached record, job by job (for analysis). */
  async *records(): AsyncGenerator<RunRecord> {
    const runsDir = path.join(this.dir, 'runs');
    let jobs: string[];
    try {
      jobs = (await readdir(runsDir)).sort();
    } catch {
      return;
    }
    for (const job of jobs) {
      const files = (await readdir(path.join(runsDir, job))).filter((f) => f.endsWith('.json')).sort();
      for (const file of files) {
        const record = await this.get(job, file.slice(0, -5));
        if (record) yield record;
      }
    }
  }

  /** Remove records of runs that started before `cutoff` (retention = the longest window). */
  async prune(cutoff: Date): Promise<number> {
    let removed = 0;
    for await (const record of this.records()) {
      const started = record.started ? Date.parse(record.started) : NaN;
      if (Number.isFinite(started) && started < cutoff.getTime()) {
        await rm(this.#file(record.job, record.buildId), { force: true });
        removed++;
      }
    }
    return removed;
  }
}

let tempCounter = 0;

export async function writeAtomic(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${++tempCounter}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
