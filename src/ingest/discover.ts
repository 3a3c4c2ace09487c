/**
 * Discovery: which jobs and which of their build folders to read. Periodic and postsubmit runs live
 * under logs/<job>/<build>/; presubmits are found through pr-logs/directory/<job>/<build>.txt, whose
 * content is the run's full path. Build ids grow with time, so builds come newest first and the
 * caller stops a job once runs fall out of the look-back window.
 *
 * The run's path under pr-logs/pull/ depends on the Prow installation's path strategy: OpenShift's
 * pr-logs/pull/<org>_<repo>/<pr>/<job>/<build>/, Kubernetes' "legacy" strategy pr-logs/pull/<pr>/... for
 * kubernetes/kubernetes, pr-logs/pull/<repo>/<pr>/... for the rest of the kubernetes org and
 * pr-logs/pull/<org>_<repo>/<pr>/... for other orgs (batches: pr-logs/pull/[<org_repo>/]batch/<job>/<build>/).
 * The pointer names the folder, so every strategy is read the same way.
 */
import type { JobSelection } from '../config/run-plan.ts';
import type { BucketSource, ListPage } from '../source/source.ts';
import { listAll, readText } from '../source/source.ts';
import type { DataProblem, RunKind } from './run-record.ts';
import { compareBuildIds } from './run-record.ts';
import { isBuildId, isSafeObjectName, isSafeSegment } from '../util/safe-name.ts';

export interface RunLocation {
  job: string;
  buildId: string;
  /** Object prefix of the run, ending with '/'. */
  path: string;
  /** Where it was found: logs/ holds periodic and postsubmit runs, pr-logs/ presubmit and batch runs. */
  kindHint: RunKind;
}

export interface DiscoveredJob {
  job: string;
  area: 'logs' | 'pr-logs';
}

/** Entries a listing refused (symlinks out of a local source) become problems. */
function noteRefused(page: ListPage, problems: DataProblem[]): void {
  for (const refused of page.refused ?? []) problems.push({ object: refused.name, kind: 'outside-source', reason: refused.reason });
}

function jobSelected(job: string, selection: JobSelection): boolean {
  if (selection.include.length > 0 && !selection.include.some((re) => re.test(job))) return false;
  return !selection.exclude.some((re) => re.test(job));
}

/**
 * Job folders under logs/ and pr-logs/directory/, filtered by the selection. Unsafe names become problems, and so
 * does a listing that fails after the source's retries: the jobs under it are then missing from this fetch.
 */
export async function discoverJobs(
  source: BucketSource,
  selection: JobSelection,
  problems: DataProblem[],
  options: { pageSize?: number } = {},
): Promise<DiscoveredJob[]> {
  const jobs: DiscoveredJob[] = [];
  const wantLogs = selection.kinds.includes('periodic') || selection.kinds.includes('postsubmit');
  const wantPr = selection.kinds.includes('presubmit') || selection.kinds.includes('batch');
  const areas: Array<{ area: 'logs' | 'pr-logs'; base: string }> = [];
  if (wantLogs) areas.push({ area: 'logs', base: 'logs/' });
  if (wantPr) areas.push({ area: 'pr-logs', base: 'pr-logs/directory/' });
  for (const { area, base } of areas) {
    const prefixes = selection.prefixes.length > 0 ? selection.prefixes.map((p) => base + p) : [base];
    const seen = new Set<string>();
    for (const prefix of prefixes) {
      try {
        const listing = { delimiter: '/', ...(options.pageSize !== undefined ? { maxResults: options.pageSize } : {}) };
        for await (const page of listAll(source, prefix, listing)) {
          noteRefused(page, problems);
          for (const sub of page.prefixes) {
            const job = sub.slice(base.length, -1);
            if (seen.has(job)) continue;
            seen.add(job);
            if (!isSafeSegment(job)) {
              problems.push({ object: sub, kind: 'unsafe-name', reason: `job folder name ${JSON.stringify(job.slice(0, 120))} is not a safe name; skipped` });
              continue;
            }
            if (jobSelected(job, selection)) jobs.push({ job, area });
          }
        }
      } catch (error) {
        problems.push({
          object: prefix,
          kind: 'fetch',
          reason: `listing jobs failed: ${(error as Error).message}; jobs under ${prefix} are missing from this fetch`,
        });
      }
    }
  }
  return jobs.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : a.area < b.area ? -1 : 1));
}

export interface BuildListOptions {
  /** Entries per listing page (GCS allows up to 1,000, its default). */
  pageSize?: number;
  /**
   * A build id known to be older than everything wanted (the previous fetch's window edge). When it lets us, the
   * listing starts at it (GCS startOffset) instead of walking every older build; see listingStart(). Builds at or
   * below it may still be returned: callers filter.
   */
  after?: string;
}

/**
 * Where a build listing may start so that no build newer than `after` is skipped, or undefined to list everything.
 * GCS lists names in byte order, which matches numeric order only among ids of equal length: a newer id with more
 * digits ("10000" after "9999") sorts before an older one. Prow's build ids are 64-bit snowflakes of 19 digits
 * (a signed 64-bit number has at most 19), so after a 19-digit id every newer id has 19 digits and sorts after
 * it. Shorter ids (sequential numbering, as old Jenkins-era jobs have) could still grow a digit: no offset.
 */
export function listingStart(base: string, after: string | undefined): string | undefined {
  return after !== undefined && /^[1-9]\d{18}$/.test(after) ? base + after : undefined;
}

function listOptions(base: string, options: BuildListOptions): { delimiter: string; maxResults?: number; startOffset?: string } {
  const startOffset = listingStart(base, options.after);
  return {
    delimiter: '/',
    ...(options.pageSize !== undefined ? { maxResults: options.pageSize } : {}),
    ...(startOffset !== undefined ? { startOffset } : {}),
  };
}

/** Build folders of a periodic/postsubmit job, newest first. Non-numeric entries are reported, not read. */
export async function listLogBuilds(source: BucketSource, job: string, problems: DataProblem[], options: BuildListOptions = {}): Promise<RunLocation[]> {
  const base = `logs/${job}/`;
  const runs: RunLocation[] = [];
  for await (const page of listAll(source, base, listOptions(base, options))) {
    noteRefused(page, problems);
    for (const sub of page.prefixes) {
      const id = sub.slice(base.length, -1);
      if (isBuildId(id)) runs.push({ job, buildId: id, path: sub, kindHint: 'periodic' });
      else problems.push({ object: sub, kind: 'unknown', reason: `"${id.slice(0, 120)}" under ${base} is not a build id; ignored` });
    }
    for (const object of page.objects) {
      const leaf = object.name.slice(base.length);
      if (leaf !== 'latest-build.txt') problems.push({ object: object.name, kind: 'unknown', reason: 'unexpected file in a job folder; ignored' });
    }
  }
  return runs.sort((a, b) => compareBuildIds(b.buildId, a.buildId));
}

/** Presubmit runs of a job through pr-logs/directory/<job>/<build>.txt pointers, newest first. */
export async function listPresubmitBuilds(
  source: BucketSource,
  job: string,
  problems: DataProblem[],
  options: BuildListOptions = {},
): Promise<Array<{ buildId: string; pointer: string }>> {
  const base = `pr-logs/directory/${job}/`;
  const builds: Array<{ buildId: string; pointer: string }> = [];
  for await (const page of listAll(source, base, listOptions(base, options))) {
    noteRefused(page, problems);
    for (const object of page.objects) {
      const leaf = object.name.slice(base.length);
      if (leaf === 'latest-build.txt') continue;
      const m = /^(\d{1,30})\.txt$/.exec(leaf);
      if (m) builds.push({ buildId: m[1]!, pointer: object.name });
      else problems.push({ object: object.name, kind: 'unknown', reason: 'unexpected file in a presubmit directory; ignored' });
    }
  }
  return builds.sort((a, b) => compareBuildIds(b.buildId, a.buildId));
}

/**
 * Resolve a pr-logs/directory pointer to the run's folder. The pointer holds "gs://<bucket>/pr-logs/pull/…/<job>/<build>";
 * it is untrusted, so it must name this job and build under pr-logs/pull/, and it is read up to `maxBytes` only
 * (SourceError 'too-large' beyond).
 */
export async function resolvePresubmitPointer(
  source: BucketSource,
  job: string,
  buildId: string,
  pointer: string,
  maxBytes: number | null = null,
): Promise<RunLocation> {
  const text = (await readText(source, pointer, { maxBytes })).trim();
  const withoutScheme = text.replace(/^gs:\/\/[^/]+\//, '');
  const runPath = withoutScheme.endsWith('/') ? withoutScheme : `${withoutScheme}/`;
  if (!runPath.startsWith('pr-logs/pull/') || !isSafeObjectName(runPath) || !runPath.endsWith(`/${job}/${buildId}/`)) {
    throw new Error(`points to ${JSON.stringify(text.slice(0, 200))}, which is not pr-logs/pull/…/${job}/${buildId}`);
  }
  // Batch runs: pr-logs/pull/batch/<job>/<build>/ for the default repository of Prow's legacy and single path
  // strategies, pr-logs/pull/<org_repo>/batch/<job>/<build>/ for any other.
  const kindHint: RunKind = runPath.endsWith(`/batch/${job}/${buildId}/`) ? 'batch' : 'presubmit';
  return { job, buildId, path: runPath, kindHint };
}
