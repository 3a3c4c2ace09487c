/**
 * The stages as functions the CLI (and tests) call: fetch → analyze → build. Each takes resolved
 * settings and returns what it produced, so a failure in one never touches the others' output.
 */
import path from 'node:path';
import type { RatchetConfig } from './config/config-schema.ts';
import { parseWindow } from './config/duration.ts';
import type { BucketSource } from './source/source.ts';
import { fetchRuns, type FetchProgress } from './ingest/fetch-runs.ts';
import { RunCache, sourceKey, type FetchReport } from './ingest/run-cache.ts';
import type { JobSelection } from './ingest/discover.ts';
import { analyze } from './analysis/analyze.ts';
import type { Snapshot } from './snapshot/schema.ts';
import { writeSnapshot } from './snapshot/snapshot-store.ts';
import type { OutputPaths } from './cli/paths.ts';
import { buildSite } from './site-build/build-site.ts';

export interface StageSettings {
  config: RatchetConfig;
  source: BucketSource;
  paths: OutputPaths;
  asOf: Date;
}

export function selectionFrom(config: RatchetConfig): JobSelection {
  return {
    include: config.jobs.include.map((r) => new RegExp(r)),
    exclude: config.jobs.exclude.map((r) => new RegExp(r)),
    kinds: config.jobs.kinds,
    prefixes: config.jobs.prefixes,
  };
}

export function lookbackStart(config: RatchetConfig, asOf: Date): Date {
  return new Date(asOf.getTime() - parseWindow(config.windows.current) - parseWindow(config.windows.previous));
}

export function openCache(settings: Pick<StageSettings, 'source' | 'paths'>): RunCache {
  return new RunCache(settings.paths.cache, sourceKey(settings.source.description, settings.source.bucket));
}

export async function fetchStage(settings: StageSettings, options: { concurrency?: number; onProgress?: (p: FetchProgress) => void; deadline?: number } = {}): Promise<FetchReport> {
  const cache = openCache(settings);
  const start = lookbackStart(settings.config, settings.asOf);
  const previous = await cache.readFetchReport();
  const report = await fetchRuns({
    // Edges hold only while the window does not reach further back than it did last time.
    ...(previous?.edges && previous.source === settings.source.description && Date.parse(previous.lookbackStart) <= start.getTime() ? { previousEdges: previous.edges } : {}),
    source: settings.source,
    cache,
    selection: selectionFrom(settings.config),
    lookbackStart: start,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
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
  const snapshot = await analyze({
    runs: cache.records(),
    asOf: settings.asOf,
    windows: { currentMs: parseWindow(settings.config.windows.current), previousMs: parseWindow(settings.config.windows.previous) },
    thresholds: settings.config.thresholds,
    source: settings.source.description.startsWith('gs://') ? settings.source.description : path.basename(settings.source.description),
    bucket: settings.source.bucket,
    discoveryProblems: report?.discoveryProblems ?? [],
    runsFromCache: report?.stats.runsFromCache ?? 0,
  });
  const file = await writeSnapshot(settings.paths.snapshots, snapshot);
  return { snapshot, file };
}

export type { BuildOptions } from './site-build/build-site.ts';

/** Build the static site from the snapshots (see src/site-build/build-site.ts). */
export async function buildStage(paths: OutputPaths, options: import('./site-build/build-site.ts').BuildOptions = {}): Promise<void> {
  await buildSite(paths, options);
}
