/**
 * The snapshot: the one contract between analysis and site. Every page of the site renders from a
 * document of this shape, and published snapshots are immutable, so changes here must be additive
 * or bump SNAPSHOT_SCHEMA_VERSION (and teach the loader to read the older version).
 * docs/snapshot-schema.md is generated from this file (`npm run docs:schema`).
 */
import { z } from 'zod';

export const SNAPSHOT_SCHEMA_VERSION = 1;

const d = <T extends z.ZodType>(schema: T, text: string): T => schema.describe(text);

export const intervalSchema = d(z.tuple([z.number(), z.number()]), '95 % Wilson score interval [low, high] of a rate, 0..1.');

export const variantsSchema = z.object({
  platform: z.string().optional(),
  network: z.string().optional(),
  architecture: z.string().optional(),
  topology: z.string().optional(),
  installer: z.string().optional(),
  upgrade: z.string().optional(),
  release: z.string().optional(),
  fromRelease: z.string().optional(),
  suite: z.string().optional(),
  aggregated: z.boolean().optional(),
}).describe('Variant values derived from the job name, overridden by cluster-data where the reference says so.');

export const windowSchema = z.object({
  start: d(z.string(), 'Window start, ISO 8601, inclusive.'),
  end: d(z.string(), 'Window end, ISO 8601, exclusive.'),
});

export const jobCountsSchema = z.object({
  runs: d(z.number().int(), 'Runs that started in the window (all states).'),
  success: z.number().int(),
  failure: z.number().int(),
  aborted: z.number().int(),
  error: z.number().int(),
  pending: z.number().int(),
  passRate: d(z.number().nullable(), 'success / (success + failure + error); aborted and pending runs are not counted. null without finished runs.'),
  interval: intervalSchema.nullable(),
});

export const runRefSchema = z.object({
  job: z.string(),
  buildId: d(z.string(), 'Decimal build id (can exceed 2^53, so a string).'),
  result: z.enum(['success', 'failure', 'aborted', 'error', 'pending']),
  started: z.string().nullable(),
  finished: z.string().nullable(),
  url: d(z.string(), 'Link to the run in Prow (Spyglass).'),
  complete: d(z.boolean(), 'false when some object of the run could not be read: see dataQuality.'),
  failedTests: z.number().int(),
  flakedTests: z.number().int(),
  payloadTag: z.string().optional(),
});

export const jobDaySchema = z.object({
  date: d(z.string(), 'UTC day, YYYY-MM-DD.'),
  runs: z.number().int(),
  success: z.number().int(),
  failure: z.number().int(),
  passRate: z.number().nullable(),
});

export const jobStatusSchema = d(z.enum(['passing', 'degraded', 'failing', 'stale']),
  'stale: no finished run in the current window (never shown as passing); failing: pass rate below the failing threshold; degraded: below the passing threshold.');

export const jobSummarySchema = z.object({
  name: z.string(),
  kind: z.enum(['periodic', 'postsubmit', 'presubmit', 'batch']),
  variants: variantsSchema,
  variantKey: d(z.string(), 'Stable, readable key of the variant group.'),
  status: jobStatusSchema,
  current: jobCountsSchema,
  previous: jobCountsSchema,
  delta: d(z.number().nullable(), 'current − previous pass rate in percentage points; null when either is unknown.'),
  trend: d(z.enum(['up', 'down', 'flat', 'unknown']), 'flat when |delta| ≤ 2 points, as sippy shows it.'),
  byDay: z.array(jobDaySchema),
  recentRuns: d(z.array(runRefSchema), 'Newest first, at most 50.'),
});

export const testCountsSchema = z.object({
  runs: d(z.number().int(), 'Runs in which the test passed, failed or flaked (skips are not runs).'),
  passes: z.number().int(),
  failures: z.number().int(),
  flakes: z.number().int(),
  passRate: d(z.number().nullable(), 'passes / runs.'),
  workingRate: d(z.number().nullable(), '(passes + flakes) / runs.'),
  flakeRate: d(z.number().nullable(), 'flakes / runs.'),
  interval: d(intervalSchema.nullable(), 'Wilson interval of the working rate.'),
});

export const testDaySchema = z.object({
  date: z.string(),
  runs: z.number().int(),
  passes: z.number().int(),
  failures: z.number().int(),
  flakes: z.number().int(),
});

export const testBreakdownSchema = z.object({
  key: d(z.string(), 'Job name or variant key.'),
  current: testCountsSchema,
  previous: testCountsSchema,
  delta: z.number().nullable(),
});

export const failureGroupSchema = z.object({
  text: d(z.string(), 'Normalised failure text (timestamps, ids, addresses replaced), shared by every member.'),
  example: d(z.string(), 'One original message, cut to a few KB.'),
  count: z.number().int(),
  runs: d(z.array(z.object({ job: z.string(), buildId: z.string(), url: z.string() })), 'Newest first, at most 20.'),
});

export const testSummarySchema = z.object({
  id: d(z.string(), 'Stable id: a hash of suite and name. Used in URLs.'),
  suite: z.string(),
  name: z.string(),
  current: testCountsSchema,
  previous: testCountsSchema,
  delta: d(z.number().nullable(), 'current − previous working rate, percentage points.'),
  byJob: z.array(testBreakdownSchema),
  byVariant: z.array(testBreakdownSchema),
  byDay: z.array(testDaySchema),
  failureGroups: z.array(failureGroupSchema),
  failedRuns: d(z.array(z.object({ job: z.string(), buildId: z.string(), url: z.string(), status: z.enum(['fail', 'flake']) })), 'Newest first, at most 50.'),
});

export const problemSchema = z.object({
  job: z.string().optional(),
  buildId: z.string().optional(),
  object: d(z.string(), 'Object name relative to the bucket root, or a listing prefix.'),
  kind: z.enum(['fetch', 'parse', 'partial', 'missing', 'unknown', 'unsafe-name']),
  reason: z.string(),
});

export const coverageSchema = z.object({
  runsRead: d(z.number().int(), 'Runs in the look-back window that were read (from the source or the cache).'),
  runsFromCache: z.number().int(),
  runsFetched: z.number().int(),
  runsPending: d(z.number().int(), 'Runs without a final state yet.'),
  runsIncomplete: d(z.number().int(), 'Runs with at least one object that failed to fetch or parse.'),
  objectsFailed: z.number().int(),
  jobs: z.number().int(),
  newestRunEnd: z.string().nullable(),
  oldestRunStart: z.string().nullable(),
});

export const dataQualitySchema = z.object({
  problemCount: z.number().int(),
  byKind: z.record(z.string(), z.number().int()),
  problems: d(z.array(problemSchema), 'Every object that failed to fetch or parse, with its reason.'),
});

export const snapshotSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  id: d(z.string(), 'Snapshot id derived from asOf, e.g. 2026-11-28T0600Z. Also its URL segment.'),
  asOf: d(z.string(), 'The analysis instant (ISO 8601). Same data and asOf give the same snapshot.'),
  generator: d(z.object({ name: z.literal('ratchet'), version: z.string() }), 'What produced the snapshot.'),
  source: d(z.string(), 'Where runs were read from (gs://bucket/prefix or a directory name).'),
  bucket: z.string(),
  windows: z.object({ current: windowSchema, previous: windowSchema }),
  coverage: coverageSchema,
  headline: z.object({
    jobs: z.number().int(),
    jobsPassing: z.number().int(),
    jobsDegraded: z.number().int(),
    jobsFailing: z.number().int(),
    jobsStale: z.number().int(),
    runs: z.number().int(),
    passRate: z.number().nullable(),
    tests: z.number().int(),
    failingTests: z.number().int(),
    flakyTests: z.number().int(),
  }),
  jobs: z.array(jobSummarySchema),
  tests: d(z.array(testSummarySchema), 'Every test that failed or flaked in either window (tests that always passed are only counted).'),
  dataQuality: dataQualitySchema,
});

export type Snapshot = z.infer<typeof snapshotSchema>;
export type JobSummary = z.infer<typeof jobSummarySchema>;
export type JobCounts = z.infer<typeof jobCountsSchema>;
export type JobDay = z.infer<typeof jobDaySchema>;
export type RunRef = z.infer<typeof runRefSchema>;
export type TestSummary = z.infer<typeof testSummarySchema>;
export type TestCounts = z.infer<typeof testCountsSchema>;
export type TestDay = z.infer<typeof testDaySchema>;
export type TestBreakdown = z.infer<typeof testBreakdownSchema>;
export type FailureGroup = z.infer<typeof failureGroupSchema>;
export type Problem = z.infer<typeof problemSchema>;
export type Coverage = z.infer<typeof coverageSchema>;
export type DataQuality = z.infer<typeof dataQualitySchema>;
