/**
 * started.json, finished.json and prowjob.json at the root of a Prow run, and the run's result
 * and times derived from them. Lenient with fields we don't use (Prow adds fields over time),
 * strict with the types of those we do: a wrong type is an error naming the file and field.
 */
import { z } from 'zod';
import type { RunKind, RunResult } from './run-record.ts';

export interface StartedJson {
  /** Epoch seconds. */
  timestamp: number;
  pull?: string;
  repos?: Record<string, string>;
  metadata?: Record<string, unknown>;
  node?: string;
  'repo-commit'?: string;
}

export interface FinishedJson {
  /** Epoch seconds; crier's finished.json may lack it. */
  timestamp?: number;
  passed?: boolean | null;
  /** SUCCESS/FAILURE/ABORTED (sidecar) or success/failure/aborted/error (crier). */
  result?: string;
  metadata?: Record<string, unknown>;
}

export interface ProwJobInfo {
  type?: RunKind;
  job?: string;
  state?: string;
  startTime?: string;
  completionTime?: string;
  buildId?: string;
  url?: string;
  /** release.openshift.io/tag annotation. */
  payloadTag?: string;
  /** release.openshift.io/from-tag annotation. */
  fromPayloadTag?: string;
  /** Number of the first pull request in spec.refs.pulls (presubmits). */
  pull?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RunOutcome {
  result: RunResult;
  /** true once the run reached a final state. */
  final: boolean;
  /** ISO 8601. */
  started: string | null;
  /** ISO 8601; null while pending or when no end time is known. */
  finished: string | null;
}

/** Render a zod issue path as it would be written in JavaScript: spec.refs.pulls[0].number. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** zod's wording, except that a missing field says so plainly. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `missing (expected ${issue.expected === 'record' ? 'object' : issue.expected})`;
  }
  return issue.message;
}

/**
 * Parse JSON text and validate it, shared by the ingest's JSON parsers. Throws an Error naming
 * `what` (the kind of file) and, for each problem, the field and what was expected.
 */
export function parseJsonDocument<T>(text: string, schema: z.ZodType<T>, what: string): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const hint = text.trim() === '' ? 'the file is empty' : `not valid JSON (${why})`;
    throw new Error(`${what}: ${hint}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
    const more = parsed.error.issues.length > 5 ? `; and ${parsed.error.issues.length - 5} more` : '';
    throw new Error(`${what}: unexpected content: ${problems.join('; ')}${more}`);
  }
  return parsed.data;
}

/** Epoch seconds that a Date can represent (rejects e.g. milliseconds mistaken for seconds far in the future). */
const epochSeconds = z
  .number()
  .refine((s) => Number.isFinite(s) && s >= 0 && s < 1e11, { message: 'expected epoch seconds (a non-negative number below 1e11)' });

/** An RFC 3339 time as Kubernetes writes it. */
const timeString = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an RFC 3339 time such as "2024-05-01T10:00:00Z"' });

const stringMap = z.record(z.string(), z.string());

const StartedSchema = z.looseObject({
  timestamp: epochSeconds,
  pull: z.string().optional(),
  repos: stringMap.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  node: z.string().optional(),
  'repo-commit': z.string().optional(),
});

const FinishedSchema = z.looseObject({
  timestamp: epochSeconds.optional(),
  passed: z.boolean().nullable().optional(),
  result: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const RUN_KINDS = ['periodic', 'postsubmit', 'presubmit', 'batch'] as const satisfies readonly RunKind[];

const ProwJobSchema = z.looseObject({
  metadata: z
    .looseObject({
      labels: stringMap.optional(),
      annotations: stringMap.optional(),
    })
    .optional(),
  spec: z
    .looseObject({
      type: z.enum(RUN_KINDS).optional(),
      job: z.string().optional(),
      refs: z
        .looseObject({
          pulls: z.array(z.looseObject({ number: z.number().int().nonnegative() })).optional(),
        })
        .optional(),
    })
    .optional(),
  status: z
    .looseObject({
      state: z.string().optional(),
      startTime: timeString.optional(),
      completionTime: timeString.optional(),
      url: z.string().optional(),
      build_id: z.string().optional(),
    })
    .optional(),
});

/** Drop keys whose value is undefined, so results compare and serialise cleanly. */
function compact<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

export function parseStartedJson(text: string): StartedJson {
  const d = parseJsonDocument(text, StartedSchema, 'started.json');
  return compact({
    timestamp: d.timestamp,
    pull: d.pull,
    repos: d.repos,
    metadata: d.metadata,
    node: d.node,
    'repo-commit': d['repo-commit'],
  });
}

export function parseFinishedJson(text: string): FinishedJson {
  const d = parseJsonDocument(text, FinishedSchema, 'finished.json');
  return compact({ timestamp: d.timestamp, passed: d.passed, result: d.result, metadata: d.metadata });
}

export function parseProwJob(text: string): ProwJobInfo {
  const d = parseJsonDocument(text, ProwJobSchema, 'prowjob.json');
  const labels = d.metadata?.labels;
  const annotations = d.metadata?.annotations;
  return compact({
    type: d.spec?.type,
    job: d.spec?.job,
    state: d.status?.state,
    startTime: d.status?.startTime,
    completionTime: d.status?.completionTime,
    // Older ProwJobs carry the build id only as a label.
    buildId: d.status?.build_id ?? labels?.['prow.k8s.io/build-id'],
    url: d.status?.url,
    payloadTag: annotations?.['release.openshift.io/tag'],
    fromPayloadTag: annotations?.['release.openshift.io/from-tag'],
    pull: d.spec?.refs?.pulls?.[0]?.number,
    labels,
    annotations,
  });
}

const FINAL_RESULTS: ReadonlySet<string> = new Set(['success', 'failure', 'aborted', 'error']);

/** A final result from either casing (SUCCESS from the sidecar, success from crier), else undefined. */
function finalResult(value: string | undefined): RunResult | undefined {
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  return FINAL_RESULTS.has(lower) ? (lower as RunResult) : undefined;
}

function isoFromEpoch(seconds: number | undefined): string | null {
  return seconds === undefined ? null : new Date(seconds * 1000).toISOString();
}

function isoFromTime(time: string | undefined): string | null {
  if (time === undefined) return null;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/**
 * The run's result, whether it is final, and its start and end times.
 * finished.json decides when present (its result, else its passed flag). Without it, a final
 * prowjob.json state decides (the pod died before the sidecar wrote finished.json); otherwise the
 * run is still pending.
 */
export function resolveRunOutcome(input: { started?: StartedJson; finished?: FinishedJson; prowjob?: ProwJobInfo }): RunOutcome {
  const { started, finished, prowjob } = input;
  const startedAt = isoFromEpoch(started?.timestamp) ?? isoFromTime(prowjob?.startTime);
  const prowjobResult = finalResult(prowjob?.state);
  if (finished !== undefined) {
    let result = finalResult(finished.result);
    if (result === undefined && typeof finished.passed === 'boolean') result = finished.passed ? 'success' : 'failure';
    // finished.json exists but says nothing usable: the run ended without a verdict.
    result ??= prowjobResult ?? 'error';
    return {
      result,
      final: true,
      started: startedAt,
      finished: isoFromEpoch(finished.timestamp) ?? isoFromTime(prowjob?.completionTime),
    };
  }
  if (prowjobResult !== undefined) {
    return { result: prowjobResult, final: true, started: startedAt, finished: isoFromTime(prowjob?.completionTime) };
  }
  return { result: 'pending', final: false, started: startedAt, finished: null };
}
