/**
 * The normalised record of one Prow run: what ingest produces, what the run cache stores and what
 * analysis consumes. Bump RUN_RECORD_VERSION when the shape changes: cached records of another
 * version are re-read from the source.
 */

/** 2: tests are named by testName() (classname-qualified where it tells tests apart), skips by attribute, flaky reruns. */
/** 3: inputsDigest, a digest of every object the run was read from (provenance). */
export const RUN_RECORD_VERSION = 3;

export type RunKind = 'periodic' | 'postsubmit' | 'presubmit' | 'batch';

/** Final states plus 'pending' (no finished.json and prowjob.json not final). */
export type RunResult = 'success' | 'failure' | 'aborted' | 'error' | 'pending';

/** One test's outcome in one run, after combining every JUnit file of the run. */
export type TestStatus = 'pass' | 'fail' | 'flake' | 'skip';

export interface TestResult {
  /** JUnit suite name ("openshift-tests", "step graph", ...). */
  suite: string;
  /**
   * The test's name within its suite: the case name as written in the JUnit file, qualified as
   * "<classname>.<name>" where the classname tells tests apart (test-outcomes.ts testName()). With the suite, the
   * test's identity; OpenShift's tests have no classname and keep their names.
   */
  name: string;
  status: TestStatus;
  /** Summed duration of the test's cases in this run, seconds. */
  durationSec: number;
  /** First failure message (trimmed, at most a few KB) when status is fail or flake. */
  message?: string;
}

/** Seconds of disruption for one backend in one run (sum over files, each file rounded up). */
export interface DisruptionResult {
  backend: string;
  seconds: number;
}

/**
 * fetch: could not be downloaded (read again next time). parse: read, but not usable. partial: usable in part.
 * missing: expected and absent. unknown: not recognised. unsafe-name: a name refused as unsafe. too-large: over its
 * size limit or nested too deep (limits.* in the config). implausible: a start time the run cannot have had.
 * outside-source: a symbolic link leading out of a local source. outside-window: runs read but outside every window.
 */
type ProblemKind = 'fetch' | 'parse' | 'partial' | 'missing' | 'unknown' | 'unsafe-name' | 'too-large' | 'implausible' | 'outside-source' | 'outside-window';

/** An object that could not be fetched or parsed, or was only partly usable. Never dropped silently. */
export interface DataProblem {
  /** Object name relative to the bucket root. */
  object: string;
  kind: ProblemKind;
  /** What went wrong, in words a reader can act on. */
  reason: string;
}

export interface Variants {
  platform?: string;
  network?: string;
  architecture?: string;
  topology?: string;
  installer?: string;
  upgrade?: string;
  release?: string;
  fromRelease?: string;
  suite?: string;
  aggregated?: boolean;
}

export interface RunRecord {
  recordVersion: typeof RUN_RECORD_VERSION;
  job: string;
  /** Decimal build id as a string (ids exceed 2^53). */
  buildId: string;
  kind: RunKind;
  /** Object prefix of the run in the bucket, ending with '/'. */
  path: string;
  /** Start time, ISO 8601 (started.json timestamp, else prowjob status.startTime). */
  started: string | null;
  /** End time, ISO 8601 (finished.json timestamp, else prowjob completionTime); null while pending. */
  finished: string | null;
  result: RunResult;
  /** true when the run reached a final state: its record never changes again. */
  final: boolean;
  /** true when every object the run needs was fetched and parsed in full. */
  complete: boolean;
  /** release.openshift.io/tag annotation, when present. */
  payloadTag?: string;
  /** release.openshift.io/from-tag annotation, when present. */
  fromPayloadTag?: string;
  /** Pull request number for presubmits. */
  pull?: number;
  variants: Variants;
  tests: TestResult[];
  disruption: DisruptionResult[];
  problems: DataProblem[];
  /** Objects read and their decoded size, for coverage figures. */
  objectsRead: number;
  bytesRead: number;
  /**
   * Provenance: one digest over every object the record was made from (name, generation or update time, size,
   * sha-256 of the bytes read); see object-digest.ts. Version 2 added it.
   */
  inputsDigest: string;
  /** Hash of the run folder's listing (names, sizes); lets an unfinished run be re-checked with one listing. */
  fingerprint?: string;
}

/** Compare decimal build ids numerically (newest = largest). */
export function compareBuildIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
