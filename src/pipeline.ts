/**
 * The stages as functions the CLI (and tests) call: fetch → analyze → build. Each takes the run plan
 * (config/run-plan.ts) and returns what it produced, so a failure in one never touches the others'
 * output. Beside them, junitStage reads local JUnit files the way ingest reads a run's (`ratchet junit`). A stage opens the source the plan names unless it is handed one (tests and embedders pass
 * their own adapter: a GCS client with test hooks, a source that injects faults).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type AlertReport, deliverAlerts } from './alerts/deliver-alerts.ts';
import { analyze } from './analysis/analyze.ts';
import type { PayloadLists } from './analysis/payloads.ts';
import { type HistoricalRecord, parseHistoricalDisruption } from './analysis/disruption-history.ts';
import type { RunPlan } from './config/run-plan.ts';
import { type FetchProgress, fetchRuns } from './ingest/fetch-runs.ts';
import { parseJunitStream } from './ingest/junit-parser.ts';
import { type JunitFileReport, reportJunitFile } from './ingest/junit-report.ts';
import { type FetchReport, RunCache, sourceKey } from './ingest/run-cache.ts';
import { type BuildOptions, type BuildReport, buildSite, dropPreviousSite, revertSite } from './site-build/build-site.ts';
import { stepSummary } from './site-build/step-summary.ts';
import type { ArchiveStore, PushReport, StoreCatalog } from './store/archive-store.ts';
import { openArchiveStore } from './store/open-archive-store.ts';
import { DirectoryArchive } from './store/archive.ts';
import { copyStore, pruneLocal, pushToStore, type RestoreReport, restoreFromStore, siteDays } from './store/store-sync.ts';
import { runProvenance } from './ingest/run-provenance.ts';
import type { Problem, Provenance, Snapshot } from './snapshot/schema.ts';
import { snapshotIdFor } from './snapshot/snapshot-id.ts';
import { openSource } from './source/open-source.ts';
import type { BucketSource } from './source/source.ts';
import { listSnapshotIds, readSnapshot, snapshotFile, writeSnapshot } from './store/snapshot-store.ts';
import { UsageError } from './util/errors.ts';
import { VERSION } from './version.ts';

export type { AlertReport, BuildReport, FetchProgress, FetchReport, JunitFileReport, PushReport, Snapshot };

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
      provenance: await provenanceOf(plan, cache),
    });
    const file = await writeSnapshot(plan.paths.snapshots, snapshot);
    return { snapshot, file };
  });
}

/**
 * How Ratchet reads the JUnit files at `paths` (files, or directories searched for *.xml), one report per file in
 * path order, handed to `onReport` as each is read. Damaged files are reported, not thrown; a path that does not
 * exist is a usage error.
 */
export async function junitStage(paths: readonly string[], onReport: (report: JunitFileReport) => void): Promise<number> {
  const files: string[] = [];
  for (const given of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(given)).isDirectory();
    } catch (error) {
      throw new UsageError(`${given}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`);
    }
    if (!isDirectory) {
      files.push(given);
      continue;
    }
    const found = (await readdir(given, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.xml'))
      .map((entry) => path.join(entry.parentPath, entry.name))
      .sort();
    files.push(...found);
  }
  for (const file of files) onReport(reportJunitFile(file, await parseJunitStream(createReadStream(file))));
  return files.length;
}

/** An open archive store and what it held when the run began (restoreStage). */
export interface ArchiveSession {
  readonly store: ArchiveStore;
  readonly catalog: StoreCatalog;
  readonly restore: RestoreReport;
}

function openPlannedStore(plan: RunPlan, url: string): Promise<ArchiveStore> {
  return openArchiveStore(url, {
    ...(plan.source.gcsEndpoint ? { gcsEndpoint: plan.source.gcsEndpoint } : {}),
    ...(plan.source.retries !== undefined ? { gcsRetries: plan.source.retries } : {}),
    ...(plan.archive.publicUrl !== undefined ? { publicUrl: plan.archive.publicUrl } : {}),
    workDir: path.dirname(plan.paths.archive),
  });
}

/**
 * Run `work` with the plan's archive store open, after bringing back from it what this run needs (store-sync.ts);
 * without a store, `work` gets null. The store is closed afterwards, whatever happens.
 */
export async function withArchiveStore<T>(plan: RunPlan, work: (session: ArchiveSession | null) => Promise<T>): Promise<T> {
  if (plan.archive.store === null) return work(null);
  const store = await openPlannedStore(plan, plan.archive.store);
  try {
    const restore = await restoreFromStore(store, localCopy(plan), {
      pagesDays: siteDays(store, plan.archive.pagesDays),
      newId: snapshotIdFor(plan.analysis.asOf),
    });
    return await work({ store, catalog: restore.catalog, restore });
  } finally {
    await store.close();
  }
}

function localCopy(plan: RunPlan): { archive: DirectoryArchive; snapshots: string } {
  return { archive: new DirectoryArchive(plan.paths.archive), snapshots: plan.paths.snapshots };
}

/** Build the static site from the snapshots (see src/site-build/build-site.ts); with a store, as it says. */
export async function buildStage(plan: RunPlan, session: ArchiveSession | null = null, hooks: Pick<BuildOptions, 'onStep'> = {}): Promise<BuildReport> {
  return buildSite(plan.paths, {
    ...hooks,
    base: plan.site.base,
    site: plan.site.url,
    quiet: true,
    intraDay: plan.archive.intraDay,
    // With a store the replaced site is kept until the push: a push that fails puts it back (publishStage).
    keepPrevious: session !== null,
    ...(session
      ? {
          store: {
            ids: session.catalog.ids,
            locations: session.catalog.locations,
            publicLayout: session.store.publicLayout,
            pagesDays: plan.archive.pagesDays,
          },
        }
      : {}),
  });
}

export interface PublishReport {
  /** What the push did; null when it was staged instead. */
  push: PushReport | null;
  /** The directory store the entries were staged in (--stage-push), or null. */
  staged: string | null;
  /** Entries and snapshot JSON dropped from the local copy because the store holds them. */
  pruned: { entries: string[]; snapshots: string[] };
}

/**
 * After the build: add what the store lacks (this run's snapshot, and any an earlier run could not push), or stage
 * it for a later push; then drop from the local copy what the store now holds. When the push fails, the site the
 * build replaced is put back, so the published site and the store stay as they were; the new entry stays in the
 * local archive and goes with the next push.
 */
export async function publishStage(plan: RunPlan, session: ArchiveSession, build: BuildReport): Promise<PublishReport> {
  const local = localCopy(plan);
  let push: PushReport;
  let staged: string | null = null;
  try {
    if (plan.archive.stagePush !== null) {
      const stage = await openPlannedStore(plan, plan.archive.stagePush);
      try {
        push = await pushToStore(stage, local, session.catalog);
      } finally {
        await stage.close();
      }
      staged = plan.archive.stagePush;
    } else {
      push = await pushToStore(session.store, local, session.catalog);
    }
  } catch (error) {
    await revertSite(plan.paths.site, build.previous);
    throw error;
  }
  await dropPreviousSite(build.previous);
  // Staged entries are not in the store yet: only what it held before counts.
  const held = new Set([...session.catalog.ids, ...(staged === null ? [...push.added, ...push.present] : [])]);
  const pruned = await pruneLocal(local, held, siteDays(session.store, plan.archive.pagesDays));
  return { push: staged === null ? push : null, staged, pruned };
}

/** The step summary of the published site's newest snapshot, as Markdown (site-build/step-summary.ts). */
export function summaryStage(plan: RunPlan): Promise<string> {
  return stepSummary(plan.paths.site, plan.site.url, plan.site.base);
}

/** `ratchet archive push <from>`: copy every entry of the store at `from` (a staged directory) that the plan's store lacks. */
export async function archivePushStage(plan: RunPlan, from: string): Promise<PushReport> {
  if (plan.archive.store === null) throw new UsageError('ratchet archive push: no archive store; pass --archive-store <url> or set archive.store');
  const source = await openPlannedStore(plan, from);
  try {
    const target = await openPlannedStore(plan, plan.archive.store);
    try {
      return await copyStore(source, target, path.dirname(plan.paths.archive));
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** What the snapshot is computed from: every run's object digest, the Ratchet version, the settings' hash, other files. */
async function provenanceOf(plan: RunPlan, cache: RunCache): Promise<Provenance> {
  // Named as the snapshot names them (the config's path for the disruption basis, the file name for payload lists).
  const inputs = [
    ...(plan.disruptionHistory ? [{ name: plan.disruptionHistory.name, file: plan.disruptionHistory.file }] : []),
    ...[plan.payloadLists.blockingFile, plan.payloadLists.informingFile].flatMap((file) => (file === null ? [] : [{ name: path.basename(file), file }])),
  ];
  const files: Provenance['files'] = [];
  // Read again (they are small); one that cannot be read has already stopped the analysis with a clear message.
  for (const { name, file } of inputs)
    files.push({
      name,
      sha256: createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    });
  return { ratchetVersion: VERSION, configHash: plan.configHash, ...(await runProvenance(cache)), files };
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
