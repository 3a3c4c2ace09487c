/**
 * The stages as functions the CLI (and tests) call: fetch → analyze → build. Each takes resolved
 * settings and returns what it produced, so a failure in one never touches the others' output.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RatchetConfig } from './config/config-schema.ts';
import { parseWindow } from './config/duration.ts';
import type { BucketSource } from './source/source.ts';
import { fetchRuns, type FetchProgress } from './ingest/fetch-runs.ts';
import { RunCache, sourceKey, type FetchReport } from './ingest/run-cache.ts';
import type { JobSelection } from './ingest/discover.ts';
import { analyze } from './analysis/analyze.ts';
import type { Problem, Snapshot } from './snapshot/schema.ts';
import { listSnapshotIds, readSnapshot, snapshotFile, writeSnapshot } from './store/snapshot-store.ts';
import { snapshotIdFor } from './snapshot/snapshot-id.ts';
import { parseHistoricalDisruption, type HistoricalRecord } from './analysis/disruption-history.ts';
import { UsageError } from './util/errors.ts';
import type { OutputPaths } from './config/output-paths.ts';
import { buildSite } from './site-build/build-site.ts';

export interface StageSettings {
  config: RatchetConfig;
  source: BucketSource;
  paths: OutputPaths;
  asOf: Date;
  /** Relative paths in the config (disruption.historicalBasis) resolve against this; default the working directory. */
  baseDir?: string;
}

function selectionFrom(config: RatchetConfig): JobSelection {
  return {
    include: config.jobs.include.map((r) => new RegExp(r)),
    exclude: config.jobs.exclude.map((r) => new RegExp(r)),
    kinds: config.jobs.kinds,
    prefixes: config.jobs.prefixes,
  };
}

export function lookbackStart(config: RatchetConfig, asOf: Date): Date {
  // The regression basis window may reach further back than the previous window.
  const back = Math.max(parseWindow(config.windows.previous), config.regressions.basis === undefined ? 0 : parseWindow(config.regressions.basis));
  return new Date(asOf.getTime() - parseWindow(config.windows.current) - back);
}

export function openCache(settings: Pick<StageSettings, 'source' | 'paths'>): RunCache {
  return new RunCache(settings.paths.cache, sourceKey(settings.source.description, settings.source.bucket));
}

export interface FetchStageOptions {
  /** Runs read at once. */
  concurrency?: number;
  /** Worker threads that parse runs (0: the calling thread only). Default: see defaultWorkers(). */
  workers?: number;
  onProgress?: (p: FetchProgress) => void;
  /** Epoch ms: no new run is started after it; runs not reached are listed in data quality. */
  deadline?: number;
}

export async function fetchStage(settings: StageSettings, options: FetchStageOptions = {}): Promise<FetchReport> {
  const cache = openCache(settings);
  const start = lookbackStart(settings.config, settings.asOf);
  const previous = await cache.readFetchReport();
  const report = await fetchRuns({
    // Edges hold only while the window does not reach further back than it did last time.
    ...(previous?.edges && previous.source === settings.source.description && Date.parse(previous.lookbackStart) <= start.getTime()
      ? { previousEdges: previous.edges }
      : {}),
    source: settings.source,
    cache,
    selection: selectionFrom(settings.config),
    lookbackStart: start,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.deadline ? { deadline: options.deadline } : {}),
  });
  // Retention: nothing older than the longest look-back is kept.
  await cache.prune(start);
  return report;
}

export async function analyzeStage(settings: StageSettings): Promise<{ snapshot: Snapshot; file: string }> {
  const cache = openCache(settings);
  const report = await cache.readFetchReport();
  const { config } = settings;
  const problems: Problem[] = [...(report?.discoveryProblems ?? [])];
  const previous = await previousSnapshot(settings.paths.snapshots, settings.asOf, problems);
  const historyFile = config.disruption.historicalBasis;
  const snapshot = await analyze({
    runs: cache.records(),
    asOf: settings.asOf,
    windows: {
      currentMs: parseWindow(config.windows.current),
      previousMs: parseWindow(config.windows.previous),
      ...(config.regressions.basis === undefined ? {} : { basisMs: parseWindow(config.regressions.basis) }),
    },
    thresholds: config.thresholds,
    regressions: config.regressions,
    disruption: config.disruption,
    ...(historyFile
      ? { disruptionHistory: { records: await readDisruptionHistory(path.resolve(settings.baseDir ?? process.cwd(), historyFile)), file: historyFile } }
      : {}),
    previous,
    source: settings.source.description.startsWith('gs://') ? settings.source.description : path.basename(settings.source.description),
    bucket: settings.source.bucket,
    discoveryProblems: problems,
    runsFromCache: report?.stats.runsFromCache ?? 0,
  });
  const file = await writeSnapshot(settings.paths.snapshots, snapshot);
  return { snapshot, file };
}

/**
 * The newest snapshot before `asOf`: its open regressions get hysteresis and keep their firstSeen.
 * One that cannot be read is reported as a data problem and the next older one is tried.
 */
async function previousSnapshot(dir: string, asOf: Date, problems: Problem[]): Promise<Snapshot | null> {
  const id = snapshotIdFor(asOf);
  const older = (await listSnapshotIds(dir)).filter((other) => other < id).reverse();
  for (const other of older) {
    try {
      return await readSnapshot(snapshotFile(dir, other));
    } catch (error) {
      problems.push({
        object: `snapshots/${other}/snapshot.json`,
        kind: 'parse',
        reason: `could not be read: ${(error as Error).message}; regressions are compared with an older snapshot instead`,
      });
    }
  }
  return null;
}

async function readDisruptionHistory(file: string): Promise<HistoricalRecord[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `disruption.historicalBasis ${file} could not be read: ${(error as Error).message}; point it at origin's query_results.json or remove the setting`,
    );
  }
  try {
    return parseHistoricalDisruption(json, file);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Build the static site from the snapshots (see src/site-build/build-site.ts). */
export async function buildStage(
  paths: OutputPaths,
  options: import('./site-build/build-site.ts').BuildOptions = {},
): Promise<import('./site-build/build-site.ts').BuildReport> {
  return buildSite(paths, options);
}
