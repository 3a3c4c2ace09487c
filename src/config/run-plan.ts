/**
 * The run plan: every setting of a run, resolved once from the command line, the config file and the
 * defaults, then frozen. The CLI builds it; each stage of the pipeline takes it and reads no setting
 * anywhere else, so a value cannot be derived twice and drift (the look-back once lived in two places).
 *
 *   flags (strings from commander)  ┐
 *   config file (validated)         ├─ resolvePlan() ─► RunPlan (frozen)
 *   defaults (config-schema.ts)     ┘
 *
 * Precedence: a flag beats the config file, which beats the default. Relative paths in the config
 * resolve against the config file's folder; relative paths in flags against the working directory.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { normalizeBase } from '../util/base-path.ts';
import { UsageError } from '../util/errors.ts';
import type { RatchetConfig } from './config-schema.ts';
import {
  type ArchiveConfig,
  type ComponentsConfig,
  configSchema,
  DEFAULT_LIMITS,
  type DisruptionConfig,
  type KnownIssueConfig,
  type LimitsConfig,
  type RegressionsConfig,
} from './config-schema.ts';
import { parseWindow } from './duration.ts';
import type { LoadedConfig } from './load-config.ts';
import { type OutputPaths, outputPaths } from './output-paths.ts';

/** A half-open span of time [start, end), epoch ms. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** A scan window of ratchet mode: ends at as-of; `label` as the config wrote it ("6h", "3d"). */
export interface ScanWindow extends TimeWindow {
  readonly label: string;
}

/**
 * Every window of the analysis, from one rule (resolveWindows):
 *
 *   current   [asOf − windows.current, asOf)                        the sample of summaries
 *   previous  [current.start − windows.previous, current.start)     what summaries compare with
 *   basis     [current.start − regressions.basis, current.start)    what regressions are judged
 *             against, or the fixed range regressions.basis gives
 *   scan      [asOf − w, asOf) for each w of regressions.windows     ratchet mode's samples, shortest
 *                                                                   first; the longest is usually
 *                                                                   the current window
 *   lookbackStart = the earliest instant any window reaches: what fetch reads and the cache keeps
 */
export interface AnalysisWindows {
  readonly current: TimeWindow;
  readonly previous: TimeWindow;
  readonly basis: TimeWindow;
  readonly scan: readonly ScanWindow[];
  readonly lookbackStart: number;
}

export function resolveWindows(config: Pick<RatchetConfig, 'windows' | 'regressions'>, asOf: Date): AnalysisWindows {
  const end = asOf.getTime();
  const currentMs = parseWindow(config.windows.current);
  const previousMs = parseWindow(config.windows.previous);
  const start = end - currentMs;
  const basis = basisWindow(config.regressions.basis, start);
  const scan = new Map<number, ScanWindow>();
  for (const w of config.regressions.windows) {
    const ms = parseWindow(w);
    if (ms > currentMs)
      throw new UsageError(
        `regressions.windows: "${w}" is longer than windows.current (${config.windows.current}); scan windows lie inside the current window`,
      );
    if (!scan.has(ms)) scan.set(ms, { start: end - ms, end, label: typeof w === 'number' ? `${w}d` : w.trim() });
  }
  return {
    current: { start, end },
    previous: { start: start - previousMs, end: start },
    basis,
    scan: [...scan.entries()].sort(([a], [b]) => a - b).map(([, w]) => w),
    lookbackStart: Math.min(start - previousMs, basis.start),
  };
}

function basisWindow(basis: RatchetConfig['regressions']['basis'], sampleStart: number): TimeWindow {
  if (typeof basis !== 'object') return { start: sampleStart - parseWindow(basis), end: sampleStart };
  const from = Date.parse(basis.from);
  const to = Date.parse(basis.to);
  if (!(from < to)) throw new UsageError(`regressions.basis: from (${basis.from}) must be before to (${basis.to})`);
  if (to > sampleStart)
    throw new UsageError(
      `regressions.basis: to (${basis.to}) is after the current window starts (${new Date(sampleStart).toISOString()}); a fixed basis must lie before the sample`,
    );
  return { start: from, end: to };
}

/** Which jobs to read: regexes compiled once. */
export interface JobSelection {
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
  readonly kinds: ReadonlyArray<RatchetConfig['jobs']['kinds'][number]>;
  readonly prefixes: readonly string[];
}

function resolveJobSelection(jobs: RatchetConfig['jobs']): JobSelection {
  return {
    include: jobs.include.map((r) => new RegExp(r)),
    exclude: jobs.exclude.map((r) => new RegExp(r)),
    kinds: jobs.kinds,
    prefixes: jobs.prefixes,
  };
}

/** What the analysis needs: pure data, so the same plan, records and previous snapshot give the same snapshot. */
export interface AnalysisPlan {
  readonly asOf: Date;
  readonly windows: AnalysisWindows;
  readonly thresholds: RatchetConfig['thresholds'];
  readonly regressions: RegressionsConfig;
  readonly disruption: DisruptionConfig;
  /** Rules from tests to components, and each component's owner, bug project and alert switches. */
  readonly components: ComponentsConfig;
  readonly knownIssues: readonly KnownIssueConfig[];
}

export function resolveAnalysisPlan(config: RatchetConfig, asOf: Date): AnalysisPlan {
  return {
    asOf,
    windows: resolveWindows(config, asOf),
    thresholds: config.thresholds,
    regressions: config.regressions,
    disruption: config.disruption,
    components: config.components,
    knownIssues: config.knownIssues,
  };
}

/**
 * Where alerts go, with their secrets read from the environment once, here. A destination whose secret
 * is not set stays in the plan with null, so the alert stage can say what is missing instead of
 * silently sending nothing.
 */
export interface AlertsPlan {
  readonly github: {
    readonly repo: string;
    readonly api: string;
    readonly labels: readonly string[];
    readonly tokenEnv: string;
    readonly token: string | null;
  } | null;
  readonly slack: { readonly webhookEnv: string; readonly webhook: string | null } | null;
  readonly timeoutMs: number;
}

function resolveAlerts(alerts: RatchetConfig['alerts'], env: NodeJS.ProcessEnv): AlertsPlan {
  const secret = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  return {
    github: alerts.github
      ? {
          repo: alerts.github.repo,
          api: alerts.github.api,
          labels: alerts.github.labels,
          tokenEnv: alerts.github.tokenEnv,
          token: secret(alerts.github.tokenEnv),
        }
      : null,
    slack: alerts.slack ? { webhookEnv: alerts.slack.webhookEnv, webhook: secret(alerts.slack.webhookEnv) } : null,
    timeoutMs: alerts.timeoutMs,
  };
}

/** Where to read from and how; null location when neither --source nor the config names one. */
interface SourcePlan {
  /** gs://bucket[/prefix], or an absolute directory path. */
  readonly location: string | null;
  readonly gcsEndpoint?: string;
  readonly requestTimeoutMs?: number;
  readonly retries?: number;
}

/** Size limits per kind of object, in bytes (null: none), and the deepest JSON nesting parsed. See config-schema.ts. */
export interface ObjectLimits {
  readonly metadataBytes: number | null;
  readonly disruptionBytes: number | null;
  readonly clusterDataBytes: number | null;
  readonly junitBytes: number | null;
  readonly jsonDepth: number;
}

const MB = 1024 * 1024;

function resolveLimits(limits: LimitsConfig): ObjectLimits {
  const bytes = (mb: number | null): number | null => (mb === null ? null : Math.round(mb * MB));
  return {
    metadataBytes: bytes(limits.metadataMB),
    disruptionBytes: bytes(limits.disruptionMB),
    clusterDataBytes: bytes(limits.clusterDataMB),
    junitBytes: bytes(limits.junitMB),
    jsonDepth: limits.jsonDepth,
  };
}

/** The limits of a config that sets none. */
export const DEFAULT_OBJECT_LIMITS: ObjectLimits = Object.freeze(resolveLimits(DEFAULT_LIMITS));

interface FetchPlan {
  /** Runs read at once, and GCS requests in flight (one setting: --concurrency or gcs.concurrency). */
  readonly concurrency?: number;
  /** Worker threads that parse runs (0: the calling thread). */
  readonly workers?: number;
  /** Stop starting new work this many minutes into the fetch; the clock starts when the fetch does. */
  readonly deadlineMinutes?: number;
  /** How large each kind of object may be (limits.* in the config). */
  readonly limits: ObjectLimits;
}

export const DEFAULT_SITE_URL = 'https://example.github.io';

/** Publishing: the durable archive store and how a year of snapshots fits the site (config-schema.ts, archive). */
interface ArchivePlan {
  /** The store's URL (a directory as an absolute path, git+…#branch, gs://…), or null for none. */
  readonly store: string | null;
  /** Where browsers read the store: undefined derives it from the URL (archive-store.ts), null means nowhere. */
  readonly publicUrl?: string | null;
  readonly pagesDays: number;
  readonly intraDay: 'light' | 'full';
  /** Instead of pushing, write the entries the store lacks as a directory store here (--stage-push). */
  readonly stagePush: string | null;
}

interface SitePlan {
  /** Base path in the one form the build, Astro and the preview server use ('/' or '/x/'). */
  readonly base: string;
  /** The site's public origin, for absolute links (canonical, feed, bug snippets). */
  readonly url: string;
}

export interface RunPlan {
  readonly configFile: string | null;
  /** sha-256 of the effective settings (effectiveSettingsHash): what a snapshot's provenance records. */
  readonly configHash: string;
  readonly paths: OutputPaths;
  readonly analysis: AnalysisPlan;
  readonly jobs: JobSelection;
  readonly source: SourcePlan;
  readonly fetch: FetchPlan;
  /** origin's historical disruption file: absolute path to read, and the name the snapshot records. */
  readonly disruptionHistory: { readonly file: string; readonly name: string } | null;
  /** Blocking and informing jobs for the payloads page: regexes, and files of names (absolute paths) to add. */
  readonly payloadLists: {
    readonly blocking: readonly string[];
    readonly informing: readonly string[];
    readonly blockingFile: string | null;
    readonly informingFile: string | null;
  };
  readonly site: SitePlan;
  readonly archive: ArchivePlan;
  readonly alerts: AlertsPlan;
  readonly quiet: boolean;
}

/** Command-line values as commander gives them (strings), all optional. */
export interface PlanFlags {
  source?: string;
  cache?: string;
  out?: string;
  asOf?: string;
  gcsEndpoint?: string;
  concurrency?: string;
  deadline?: string;
  workers?: string;
  quiet?: boolean;
  base?: string;
  site?: string;
  archiveStore?: string;
  stagePush?: string;
  /** A job-name regex that replaces jobs.include (--jobs). */
  jobs?: string;
}

export function resolvePlan(loaded: LoadedConfig, flags: PlanFlags = {}, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): RunPlan {
  const { baseDir } = loaded;
  const config =
    flags.jobs === undefined ? loaded.config : { ...loaded.config, jobs: { ...loaded.config.jobs, include: [checkedRegex('--jobs', flags.jobs)] } };
  const fromConfig = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(baseDir, p));
  const fromFlag = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(cwd, p));
  const asOf = resolveAsOf(flags.asOf ?? config.asOf);
  const sourceSpec = flags.source !== undefined ? { spec: flags.source, dir: cwd } : config.source !== undefined ? { spec: config.source, dir: baseDir } : null;
  const concurrency = wholeNumber('--concurrency', flags.concurrency, 1, 512) ?? config.gcs.concurrency;
  const workers = wholeNumber('--workers', flags.workers, 0, 64) ?? config.gcs.workers;
  const deadlineMinutes = positiveMinutes(flags.deadline) ?? config.gcs.deadlineMinutes;
  const gcsEndpoint = flags.gcsEndpoint ?? config.gcs.endpoint;
  const history = config.disruption.historicalBasis;
  return deepFreeze({
    configFile: loaded.file,
    configHash: effectiveSettingsHash(config, sourceSpec === null ? null : sourceSpec.spec),
    paths: outputPaths(fromFlag(flags.out) ?? fromConfig(config.out), fromFlag(flags.cache) ?? fromConfig(config.cache)),
    analysis: resolveAnalysisPlan(config, asOf),
    jobs: resolveJobSelection(config.jobs),
    source: {
      location: sourceSpec === null ? null : sourceSpec.spec.startsWith('gs://') ? sourceSpec.spec : path.resolve(sourceSpec.dir, sourceSpec.spec),
      ...(gcsEndpoint ? { gcsEndpoint } : {}),
      ...(config.gcs.requestTimeoutMs ? { requestTimeoutMs: config.gcs.requestTimeoutMs } : {}),
      ...(config.gcs.retries !== undefined ? { retries: config.gcs.retries } : {}),
    },
    fetch: {
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(deadlineMinutes !== undefined ? { deadlineMinutes } : {}),
      limits: resolveLimits(config.limits),
    },
    disruptionHistory: history === undefined ? null : { file: path.resolve(baseDir, history), name: history },
    payloadLists: {
      blocking: config.payloads.blocking,
      informing: config.payloads.informing,
      blockingFile: fromConfig(config.payloads.blockingFile) ?? null,
      informingFile: fromConfig(config.payloads.informingFile) ?? null,
    },
    site: { base: normalizeBase(flags.base), url: flags.site ?? DEFAULT_SITE_URL },
    archive: resolveArchive(config.archive, flags, { baseDir, cwd }),
    alerts: resolveAlerts(config.alerts, env),
    quiet: flags.quiet ?? false,
  });
}

/**
 * A hash of the settings that decide what a snapshot says: the validated config (defaults filled in) with the
 * command line's source, as canonical JSON (keys sorted). Left out, because they change where or how fast things
 * happen but not the result: paths (out, cache), the as-of instant (the snapshot records it), GCS transport settings
 * and publishing (archive). A local source counts by its folder name, as the snapshot names it, so the same settings
 * hash the same on every machine.
 */
function effectiveSettingsHash(config: RatchetConfig, source: string | null): string {
  const { $schema: _schema, cache: _cache, out: _out, asOf: _asOf, gcs: _gcs, archive: _archive, source: _source, ...settings } = config;
  const where = source === null ? null : source.startsWith('gs://') ? source : path.basename(path.resolve(source));
  return createHash('sha256')
    .update(canonicalJson({ ...settings, source: where }))
    .digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A plan from a config object (defaults for what it leaves out), for tests and embedding. */
export function planFromConfig(config: unknown, flags: PlanFlags = {}, baseDir: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): RunPlan {
  return resolvePlan({ config: configSchema.parse(config), file: null, baseDir }, flags, baseDir, env);
}

function resolveArchive(archive: ArchiveConfig, flags: PlanFlags, dirs: { baseDir: string; cwd: string }): ArchivePlan {
  const store =
    flags.archiveStore !== undefined
      ? normalizeStoreSpec(flags.archiveStore, dirs.cwd)
      : archive.store !== undefined
        ? normalizeStoreSpec(archive.store, dirs.baseDir)
        : null;
  if (flags.stagePush !== undefined && store === null)
    throw new UsageError('--stage-push needs an archive store (--archive-store or archive.store): it stages what that store lacks');
  return {
    store,
    ...(archive.publicUrl !== undefined ? { publicUrl: archive.publicUrl } : {}),
    pagesDays: archive.pagesDays,
    intraDay: archive.intraDay,
    stagePush: flags.stagePush === undefined ? null : path.resolve(dirs.cwd, flags.stagePush),
  };
}

/** A store URL as the plan keeps it: a directory absolute (against `dir`), git+… and gs://… as given. */
export function normalizeStoreSpec(spec: string, dir: string): string {
  const trimmed = spec.trim();
  if (trimmed.startsWith('git+') || trimmed.startsWith('gs://')) return trimmed;
  if (trimmed === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed))
    throw new UsageError(`archive store "${spec}": expected a directory, git+<repository url>#<branch> or gs://bucket[/prefix]`);
  return path.resolve(dir, trimmed);
}

function checkedRegex(flag: string, value: string): string {
  try {
    new RegExp(value);
  } catch (error) {
    throw new UsageError(`${flag} "${value}" is not a valid regular expression: ${(error as Error).message}`);
  }
  return value;
}

function resolveAsOf(text: string | undefined): Date {
  const asOf = text ? new Date(text) : new Date();
  if (Number.isNaN(asOf.getTime())) throw new UsageError(`--as-of "${text}" is not a valid ISO 8601 time (e.g. 2026-11-28T06:00:00Z)`);
  return asOf;
}

function wholeNumber(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} ${value}: expected a whole number from ${min} to ${max}`);
  return n;
}

function positiveMinutes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const minutes = Number(value);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new UsageError(`--deadline ${value}: expected a number of minutes greater than 0, e.g. --deadline 45`);
  return minutes;
}

/** Freeze a plan all the way down, so no stage can change a setting another stage reads. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value) && !(value instanceof RegExp) && !(value instanceof Date)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
