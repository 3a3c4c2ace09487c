/**
 * The stages as functions the CLI (and tests) call: fetch → analyze → build. Each takes the run plan
 * (config/run-plan.ts) and returns what it produced, so a failure in one never touches the others'
 * output. A stage opens the source the plan names unless it is handed one (tests and embedders pass
 * their own adapter: a GCS client with test hooks, a source that injects faults).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AlertReport, deliverAlerts } from './alerts/deliver-alerts.ts';
import { analyze } from './analysis/analyze.ts';
import type { PayloadLists } from './analysis/payloads.ts';
import { type HistoricalRecord, parseHistoricalDisruption } from './analysis/disruption-history.ts';
import type { RunPlan } from './config/run-plan.ts';
import { type FetchProgress, fetchRuns } from './ingest/fetch-runs.ts';
import { type FetchReport, RunCache, sourceKey } from './ingest/run-cache.ts';
import { type BuildReport, buildSite } from './site-build/build-site.ts';
import type { Problem, Snapshot } from './snapshot/schema.ts';
import { snapshotIdFor } from './snapshot/snapshot-id.ts';
import { openSource } from './source/open-source.ts';
import type { BucketSource } from './source/source.ts';
import { listSnapshotIds, readSnapshot, snapshotFile, writeSnapshot } from './store/snapshot-store.ts';
import { UsageError } from './util/errors.ts';

export type { AlertReport, BuildReport, FetchProgress, FetchReport, Snapshot };

export interface StageIO {
  /** Read from this source instead of opening the plan's (the caller closes it). */
  source?: BucketSource;
  onProgress?: (p: FetchProgress) => void;
}

/** Open the plan's source; `deadline` (epoch ms) also stops the GCS client's own retries. */
async function openPlannedSource(plan: RunPlan, deadline?: number): Promise<BucketSource> {
  const { location, gcsEndpoint, requestTimeoutMs, retries } = plan.source;
  if (location === null) throw new UsageError('no source: pass --source <dir | gs://bucket[/prefix]> or set "source" in the config');
  return openSource(location, {
    ...(gcsEndpoint ? { gcsEndpoint } : {}),
    ...(plan.fetch.concurrency ? { concurrency: plan.fetch.concurrency } : {}),
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
    ...(retries !== undefined ? { retries } : {}),
    ...(deadline ? { deadline } : {}),
  });
}

/** Run `work` with the given source, or with the plan's, opened and closed around it. */
async function withSource<T>(plan: RunPlan, io: StageIO, deadline: number | undefined, work: (source: BucketSource) => Promise<T>): Promise<T> {
  if (io.source) return work(io.source);
  const source = await openPlannedSource(plan, deadline);
  try {
    return await work(source);
  } finally {
    await source.close?.();
  }
}

export function openCache(plan: RunPlan, source: Pick<BucketSource, 'description' | 'bucket'>): RunCache {
  return new RunCache(plan.paths.cache, sourceKey(source.description, source.bucket));
}

export async function fetchStage(plan: RunPlan, io: StageIO = {}): Promise<FetchReport> {
  // The deadline counts from here, so a scheduled job can size it against its own timeout.
  const minutes = plan.fetch.deadlineMinutes;
  const deadline = minutes === undefined ? undefined : Date.now() + minutes * 60_000;
  return withSource(plan, io, deadline, async (source) => {
    const cache = openCache(plan, source);
    const start = new Date(plan.analysis.windows.lookbackStart);
    const previous = await cache.readFetchReport();
    const report = await fetchRuns({
      // Edges hold only while the window does not reach further back than it did last time (fetchRuns also checks
      // each edge's evidence).
      ...(previous?.edges && previous.source === source.description && Date.parse(previous.lookbackStart) <= start.getTime()
        ? { previousEdges: previous.edges }
        : {}),
      source,
      cache,
      selection: plan.jobs,
      lookbackStart: start,
      windowEnd: plan.analysis.asOf,
      limits: plan.fetch.limits,
      ...(plan.fetch.concurrency ? { concurrency: plan.fetch.concurrency } : {}),
      ...(plan.fetch.workers !== undefined ? { workers: plan.fetch.workers } : {}),
      ...(io.onProgress ? { onProgress: io.onProgress } : {}),
      ...(deadline ? { deadline } : {}),
    });
    // Retention: nothing older than the longest look-back is kept.
    await cache.prune(start);
    return report;
  });
}

export async function analyzeStage(plan: RunPlan, io: StageIO = {}): Promise<{ snapshot: Snapshot; file: string }> {
  return withSource(plan, io, undefined, async (source) => {
    const cache = openCache(plan, source);
    const report = await cache.readFetchReport();
    const problems: Problem[] = [...(report?.discoveryProblems ?? [])];
    const previous = await previousSnapshot(plan.paths.snapshots, plan.analysis.asOf, problems);
    const history = plan.disruptionHistory;
    const snapshot = await analyze({
      runs: cache.records(),
      plan: plan.analysis,
      payloadLists: await readPayloadLists(plan.payloadLists),
      ...(history ? { disruptionHistory: { records: await readDisruptionHistory(history.file), file: history.name } } : {}),
      previous,
      source: source.description.startsWith('gs://') ? source.description : path.basename(source.description),
      bucket: source.bucket,
      discoveryProblems: problems,
      runsFromCache: report?.stats.runsFromCache ?? 0,
    });
    const file = await writeSnapshot(plan.paths.snapshots, snapshot);
    return { snapshot, file };
  });
}

/** Build the static site from the snapshots (see src/site-build/build-site.ts). */
export async function buildStage(plan: RunPlan): Promise<BuildReport> {
  return buildSite(plan.paths, { base: plan.site.base, site: plan.site.url, quiet: true });
}

/**
 * Tell the owners (src/alerts/): GitHub issues and Slack messages for the snapshot's regressions, per
 * component. Runs after the build, so a destination that fails never holds up the report; what failed
 * is kept in the alert state and retried by the next run.
 */
export async function alertStage(plan: RunPlan, snapshot: Snapshot, warn?: (line: string) => void): Promise<AlertReport> {
  return deliverAlerts(snapshot, {
    plan: plan.alerts,
    stateFile: plan.paths.alerts,
    site: { url: plan.site.url, base: plan.site.base },
    ...(warn ? { warn } : {}),
  });
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

/** The payloads page's job lists: the config's regexes, plus every name in the list files (exact matches). */
async function readPayloadLists(lists: RunPlan['payloadLists']): Promise<PayloadLists> {
  const names = async (file: string | null, setting: string): Promise<RegExp[]> => {
    if (file === null) return [];
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `${setting} ${file} could not be read: ${(error as Error).message}; point it at a file of job names, one a line, or remove the setting`,
      );
    }
    return text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((name) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  };
  return {
    blocking: [...lists.blocking.map((r) => new RegExp(r)), ...(await names(lists.blockingFile, 'payloads.blockingFile'))],
    informing: [...lists.informing.map((r) => new RegExp(r)), ...(await names(lists.informingFile, 'payloads.informingFile'))],
  };
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
