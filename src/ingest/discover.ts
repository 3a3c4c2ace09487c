/**
 * Discovery: which jobs and which of their build folders to read. Periodic and postsubmit runs live
 * under logs/<job>/<build>/; presubmits are found through pr-logs/directory/<job>/<build>.txt, whose
 * content is the run's full path. Build ids grow with time, so builds come newest first and the
 * caller stops a job once runs fall out of the look-back window.
 */
import type { BucketSource } from '../source/source.ts';
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

export interface JobSelection {
  include: RegExp[];
  exclude: RegExp[];
  kinds: RunKind[];
  prefixes: string[];
}

export interface DiscoveredJob {
  job: string;
  area: 'logs' | 'pr-logs';
}

export function jobSelected(job: string, selection: JobSelection): boolean {
  if (selection.include.length > 0 && !selection.include.some((re) => re.test(job))) return false;
  return !selection.exclude.some((re) => re.test(job));
}

/** Job folders under logs/ and pr-logs/directory/, filtered by the selection. Unsafe names become problems. */
export async function discoverJobs(source: BucketSource, selection: JobSelection, problems: DataProblem[]): Promise<DiscoveredJob[]> {
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
      for await (const page of listAll(source, prefix, { delimiter: '/' })) {
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
    }
  }
  return jobs.sort((a, b) => (a.job < b.job ? -1 : a.job > b.job ? 1 : a.area < b.area ? -1 : 1));
}

/** Build folders of a periodic/postsubmit job, newest first. Non-numeric entries are reported, not read. */
export async function listLogBuilds(source: BucketSource, job: string, problems: DataProblem[]): Promise<RunLocation[]> {
  const base = `logs/${job}/`;
  const runs: RunLocation[] = [];
  for await (const page of listAll(source, base, { delimiter: '/' })) {
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
export async function listPresubmitBuilds(source: BucketSource, job: string, problems: DataProblem[]): Promise<Array<{ buildId: string; pointer: string }>> {
  const base = `pr-logs/directory/${job}/`;
  const builds: Array<{ buildId: string; pointer: string }> = [];
  for await (const page of listAll(source, base, { delimiter: '/' })) {
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
 * it is untrusted, so it must name this job and build under pr-logs/pull/.
 */
export async function resolvePresubmitPointer(source: BucketSource, job: string, buildId: string, pointer: string): Promise<RunLocation> {
  const text = (await readText(source, pointer)).trim();
  const withoutScheme = text.replace(/^gs:\/\/[^/]+\//, '');
  const runPath = withoutScheme.endsWith('/') ? withoutScheme : withoutScheme + '/';
  if (!runPath.startsWith('pr-logs/pull/') || !isSafeObjectName(runPath) || !runPath.endsWith(`/${job}/${buildId}/`)) {
    throw new Error(`points to ${JSON.stringify(text.slice(0, 200))}, which is not pr-logs/pull/…/${job}/${buildId}`);
  }
  const kindHint: RunKind = runPath.startsWith('pr-logs/pull/batch/') ? 'batch' : 'presubmit';
  return { job, buildId, path: runPath, kindHint };
}
