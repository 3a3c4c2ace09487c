/**
 * The snapshot: the one contract between analysis and site. Every page of the site renders from a
 * document of this shape, and published snapshots are immutable, so changes here must be additive
 * or bump SNAPSHOT_SCHEMA_VERSION (and teach the loader to read the older version).
 * docs/snapshot-schema.md is generated from this file (`npm run docs:schema`).
 */
import { z } from 'zod';
import { REGRESSION_MODES } from '../config/config-schema.ts';

/**
 * 2: scan windows, the ratchet line (frozen basis), onset, design effects, runs kept out of test
 * verdicts, payloads. Version 1 snapshots still load: every field version 2 added is optional.
 */
export const SNAPSHOT_SCHEMA_VERSION = 2;

const d = <T extends z.ZodType>(schema: T, text: string): T => schema.describe(text);

const intervalSchema = d(z.tuple([z.number(), z.number()]), '95 % Wilson score interval [low, high] of a rate, 0..1.');

const variantsSchema = z
  .object({
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
  })
  .describe('Variant values derived from the job name, overridden by cluster-data where the reference says so.');

export const windowSchema = z.object({
  start: d(z.string(), 'Window start, ISO 8601, inclusive.'),
  end: d(z.string(), 'Window end, ISO 8601, exclusive.'),
});

const jobCountsSchema = z.object({
  runs: d(z.number().int(), 'Runs that started in the window (all states).'),
  success: z.number().int(),
  failure: z.number().int(),
  aborted: z.number().int(),
  error: z.number().int(),
  pending: z.number().int(),
  passRate: d(z.number().nullable(), 'success / (success + failure + error); aborted and pending runs are not counted. null without finished runs.'),
  interval: intervalSchema.nullable(),
});

const runRefSchema = z.object({
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

const jobDaySchema = z.object({
  date: d(z.string(), 'UTC day, YYYY-MM-DD.'),
  runs: z.number().int(),
  success: z.number().int(),
  failure: z.number().int(),
  passRate: z.number().nullable(),
});

const jobStatusSchema = d(
  z.enum(['passing', 'degraded', 'failing', 'stale']),
  'stale: no finished run in the current window (never shown as passing); failing: pass rate below the failing threshold; degraded: below the passing threshold.',
);

const jobSummarySchema = z.object({
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
  excludedRuns: d(
    z.object({ massFailure: z.number().int(), infrastructure: z.number().int(), badDay: z.number().int().optional() }).optional(),
    'Runs of the current window kept out of test verdicts: mass failures, infrastructure failures and runs of bad days (dataQuality.excludedRuns lists them; badDay is absent before bad days were recognised). Absent in version 1.',
  ),
});

const testCountsSchema = z.object({
  runs: d(z.number().int(), 'Runs in which the test passed, failed or flaked (skips are not runs).'),
  passes: z.number().int(),
  failures: z.number().int(),
  flakes: z.number().int(),
  passRate: d(z.number().nullable(), 'passes / runs.'),
  workingRate: d(z.number().nullable(), '(passes + flakes) / runs.'),
  flakeRate: d(z.number().nullable(), 'flakes / runs.'),
  interval: d(intervalSchema.nullable(), 'Wilson interval of the working rate.'),
  passInterval: d(intervalSchema.nullable().optional(), 'Wilson interval of the pass rate.'),
  flakeInterval: d(intervalSchema.nullable().optional(), 'Wilson interval of the flake rate.'),
});

const testDaySchema = z.object({
  date: z.string(),
  runs: z.number().int(),
  passes: z.number().int(),
  failures: z.number().int(),
  flakes: z.number().int(),
});

const testBreakdownSchema = z.object({
  key: d(z.string(), 'Job name or variant key.'),
  current: testCountsSchema,
  previous: testCountsSchema,
  delta: z.number().nullable(),
});

const failureGroupSchema = z.object({
  text: d(z.string(), 'Normalised failure text (timestamps, ids, addresses replaced), shared by every member.'),
  example: d(z.string(), 'One original message, cut to a few KB.'),
  count: z.number().int(),
  runs: d(z.array(z.object({ job: z.string(), buildId: z.string(), url: z.string() })), 'Newest first, at most 20.'),
  cluster: d(z.string().optional(), 'failureClusters[].id of the cluster this text belongs to, when the snapshot lists that cluster.'),
});

const testSummarySchema = z.object({
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
  component: d(z.string().optional(), 'The component the test belongs to (components.list[].name); absent in older snapshots.'),
});

const problemSchema = z.object({
  job: z.string().optional(),
  buildId: z.string().optional(),
  object: d(z.string(), 'Object name relative to the bucket root, or a listing prefix.'),
  kind: z.enum(['fetch', 'parse', 'partial', 'missing', 'unknown', 'unsafe-name', 'too-large', 'implausible', 'outside-source', 'outside-window']),
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

const dataQualitySchema = z.object({
  problemCount: z.number().int(),
  byKind: z.record(z.string(), z.number().int()),
  problems: d(z.array(problemSchema), 'Every object that failed to fetch or parse, with its reason.'),
  excludedRuns: d(
    z
      .array(
        z.object({
          job: z.string(),
          buildId: z.string(),
          url: z.string(),
          started: z.string().nullable(),
          class: d(
            z.enum(['mass-failure', 'infrastructure', 'bad-day']),
            'Why: a mass failure, an infrastructure failure, or a run of a bad day (regressions.badDays).',
          ),
          failed: d(z.number().int(), 'Tests that failed in the run.'),
          tests: d(z.number().int(), 'Tests with a result other than skipped.'),
          reason: z.string(),
        }),
      )
      .optional(),
    'Runs of the scan and basis windows kept out of test verdicts (regressions.massFailure, regressions.badDays): their failures say nothing about single tests. Newest first. Absent in version 1.',
  ),
});

// ---- Variant groups -----------------------------------------------------------------------------

const variantGroupSchema = z.object({
  variantKey: d(
    z.string(),
    'The group: runs whose variants give this key (see jobs[].variantKey). Runs are grouped by their own variants, so one job can feed two groups.',
  ),
  variants: variantsSchema,
  jobs: d(z.array(z.string()), 'Jobs with runs in the group, sorted.'),
  status: jobStatusSchema,
  current: jobCountsSchema,
  previous: jobCountsSchema,
  delta: d(z.number().nullable(), 'current − previous pass rate in percentage points; null when either is unknown.'),
  trend: d(z.enum(['up', 'down', 'flat', 'unknown']), 'flat when |delta| ≤ thresholds.flatDelta points.'),
});

// ---- Regressions ---------------------------------------------------------------------------------

const isoTime = (text: string) => d(z.string(), text);

const regressionModeSchema = d(
  z.enum(REGRESSION_MODES),
  'ratchet: every scan window tested against the basis (Fisher exact, or the predictive beta-binomial test when runs cluster), with weighted discrete Benjamini–Hochberg control of the false discovery rate across the report, and open regressions held to their frozen line; compatible: sippy Component Readiness rules (p < 0.05 per cell). See docs/statistics.md.',
);

const regressionStatusSchema = d(
  z.enum(['new', 'open', 'resolved']),
  'new: first regressed in this snapshot; open: regressed here and in the previous snapshot; resolved: regressed before, not any more (listed for regressions.settings.keepResolvedDays days after resolvedAt).',
);

const regressionSeveritySchema = z.enum(['extreme', 'significant']);

const sampleWindowSchema = d(
  z.string(),
  'The window the verdict and the counts rest on: a scan window label such as 6h, 24h or 7d (regressions.settings.windows), or current (compatible mode). Version 1: current or recent.',
);

const judgedSideSchema = z.object({
  runs: z.number().int(),
  working: z.number().int(),
  design: d(
    z.number(),
    'Design effect of the side: 1 + (m̄ − 1)·ρ for runs clustering in days and payloads (docs/statistics.md, "Clustered failures"); 1 for independent runs.',
  ),
});

const ratchetLineSchema = d(
  z.object({
    basis: d(
      judgedSideSchema.extend({ start: z.string(), end: z.string() }),
      'The basis the regression was found against, frozen when it opened: its window and counts.',
    ),
    fellTo: d(
      z.number(),
      'The working (or pass) rate it fell to, at most: the smallest upper confidence bound (Wilson 95 %, on counts divided by their design effect) of its rate since the onset seen so far.',
    ),
    required: d(
      z.number().optional(),
      "A new test's line: the required working rate in percent (regressions.settings.newTestPassRate), which stands for the basis it never had; basis.runs is 0.",
    ),
    frozenAt: d(z.string(), 'asOf of the snapshot that froze it.'),
  }),
  'Ratchet mode: the line an open regression is held to. It is judged against this frozen basis, never a basis that absorbed the drop, and resolves only when a window rises significantly above the halfway line between basis and fellTo.',
);

const onsetSchema = d(
  z.object({
    run: d(evidenceRunRefSchema().nullable(), "The first bad run: the first failure after the most likely change point of the cell's runs."),
    payloadTag: d(z.string().nullable(), 'release.openshift.io/tag of the first bad run.'),
    lastGoodPayloadTag: d(z.string().nullable(), "The newest payload before it among the cell's runs: the change to revert is between the two."),
  }),
  "When the regression started, estimated when it opened (a single change point, maximum likelihood under two binomial segments); null when the cell's runs place no change point (for example a regression carried over from a version 1 snapshot).",
);

function evidenceRunRefSchema() {
  return z.object({ job: z.string(), buildId: z.string(), url: d(z.string(), 'Link to the run in Prow (Spyglass).'), started: z.string().nullable() });
}

const lifecycleFields = {
  id: d(
    z.string(),
    'Stable id: a hash of mode, kind, subject (test id, job or backend) and group. The same regression keeps its id from snapshot to snapshot. Used in URLs.',
  ),
  mode: regressionModeSchema,
  status: regressionStatusSchema,
  severity: d(
    regressionSeveritySchema,
    'extreme: a drop of more than regressions.settings.extremeDrop points (sippy: 15), a new test far below the required rate, or disruption whose sample median is above the basis P95.',
  ),
  firstSeen: isoTime('asOf of the first snapshot of this episode that flagged it.'),
  lastSeen: isoTime('asOf of the latest snapshot that flagged it (this one unless resolved).'),
  resolvedAt: d(z.string().nullable(), 'asOf of the first snapshot that no longer flagged it; null while new or open.'),
  heldByHysteresis: d(
    z.boolean(),
    "Open only because it was open before: in ratchet mode, not significant now but not recovered against its frozen basis either (line); in compatible mode, flagged by sippy's looser thresholds for open regressions.",
  ),
  evidenceAsOf: isoTime(
    'asOf of the analysis the numbers below come from: this snapshot, or for a resolved regression whose cell has no sample runs any more, the last one that had them.',
  ),
  reason: d(z.string(), 'One or two sentences a reader can show as is: the rates, the test, the thresholds and the decision.'),
};

const evidenceRunSchema = z.object({
  job: z.string(),
  buildId: z.string(),
  url: d(z.string(), 'Link to the run in Prow (Spyglass).'),
  status: z.enum(['fail', 'flake']),
  started: z.string().nullable(),
});

const testRegressionSchema = z.object({
  ...lifecycleFields,
  kind: z.literal('test'),
  rule: d(z.enum(['drop', 'new-test']), 'drop: sample against basis; new-test: no basis runs, sample against regressions.settings.newTestPassRate.'),
  testId: d(z.string(), 'tests[].id of the test (the test is listed in tests only if it failed or flaked in either window).'),
  suite: z.string(),
  name: z.string(),
  groupBy: d(
    z.enum(['variant', 'job']),
    'What group is. With regressions.settings.groupBy variant, ratchet mode also tests test × job cells inside variant groups of several jobs (settings.ratchet.jobCells); those entries say job.',
  ),
  group: d(z.string(), 'The cell: a variant key (groupBy variant) or a job name (groupBy job).'),
  window: sampleWindowSchema.optional(),
  variants: d(variantsSchema, 'Variants of the group (of its newest sample run).'),
  jobs: d(z.array(z.string()), 'Jobs whose sample runs ran the test in this cell, sorted.'),
  sample: d(testCountsSchema, 'Counts in the sample: the window named by window.'),
  basis: d(
    testCountsSchema.nullable(),
    'Counts in the basis: the basis window, or the frozen basis of line while open; null when the test never ran there (rule new-test).',
  ),
  design: d(z.object({ sample: z.number(), basis: z.number() }).optional(), 'Design effects the exact test divided the counts by (ratchet mode).'),
  line: ratchetLineSchema.optional(),
  onset: onsetSchema.nullable().optional(),
  p: d(
    z.number().nullable(),
    'One-sided p-value: for a drop, Fisher exact on [[sample failures, sample working], [basis failures, basis working]], or with clustered runs (regressions.settings.clustering cv² > 0) the predictive beta-binomial P(X ≥ sample failures) of docs/statistics.md; exact binomial against the required rate for a new test in ratchet mode. null when no test was needed (compatible mode stops earlier: too few failures, within pity).',
  ),
  q: d(
    z.number().nullable(),
    'Adjusted p-value of the discrete Benjamini–Hochberg procedure (step-down, Döhler, Durand & Roquain 2018) across every hypothesis in the tested family of the report, every scan window of every cell (ratchet mode only); null in compatible mode, when the cell could not reach significance with its counts, or when its counts miss the minimum failures or drop.',
  ),
  drop: d(z.number(), 'Basis working rate − sample working rate, in percentage points (for new-test: required rate − sample rate).'),
  dropInterval: d(
    z.tuple([z.number(), z.number()]),
    '95 % interval of drop in points: Newcombe hybrid score interval (Wilson-based) for a drop, Wilson interval against the required rate for a new test.',
  ),
  failedRuns: d(
    z.array(evidenceRunSchema),
    'Newest failed (and, with flakeAsFailure, flaked) runs of this cell in the window, at most regressions.settings.maxFailedRuns.',
  ),
});

const jobRegressionSchema = z.object({
  ...lifecycleFields,
  kind: z.literal('job'),
  job: z.string(),
  variantKey: z.string(),
  window: sampleWindowSchema.optional(),
  sample: d(jobCountsSchema, 'The job in the sample: the window named by window.'),
  basis: d(jobCountsSchema, 'The job in the basis: the basis window, or the frozen basis of line while open.'),
  design: d(z.object({ sample: z.number(), basis: z.number() }).optional(), 'Design effects the exact test divided the counts by.'),
  line: ratchetLineSchema.optional(),
  onset: onsetSchema.nullable().optional(),
  p: d(z.number().nullable(), 'One-sided Fisher p on [[sample failed, sample succeeded], [basis failed, basis succeeded]] (failed = failure + error).'),
  q: d(
    z.number().nullable(),
    'Discrete Benjamini–Hochberg q across every scan window of the jobs of the report; null when the job could not reach significance with its counts.',
  ),
  drop: d(z.number(), 'Basis pass rate − sample pass rate, in percentage points.'),
  dropInterval: d(z.tuple([z.number(), z.number()]), '95 % Newcombe interval of drop, in points.'),
});

const disruptionStatsSchema = z.object({
  runs: d(z.number().int(), 'Runs that measured the backend.'),
  mean: d(z.number(), 'Mean seconds per run.'),
  sd: d(z.number().nullable(), 'Sample standard deviation (n − 1); null below two runs.'),
  p50: z.number(),
  p75: z.number(),
  p95: z.number(),
  p99: d(z.number(), 'Type-7 percentiles of seconds per run (linear interpolation, as BigQuery PERCENTILE_CONT).'),
  max: z.number(),
  shareAboveZero: d(z.number(), 'Share of runs with any disruption (0..1).'),
});

const historicalDisruptionSchema = z
  .object({
    file: d(z.string(), 'The file the record came from (disruption.historicalBasis).'),
    jobRuns: z.number().int(),
    p50: z.number(),
    p75: z.number(),
    p95: z.number(),
    p99: z.number(),
    release: z.string(),
    fromRelease: z.string(),
    masterNodesUpdated: z.string().nullable(),
  })
  .describe("A record of origin's historical disruption percentiles used as the basis.");

const disruptionCheckSchema = z.object({
  name: d(
    z.string(),
    'mean (mean + 5σ with the single-run mulligan), P70 / P85 (the aggregator\'s "should not be worse" checks with 3 s / 7 s grace), or P75 / P95 against a historical record.',
  ),
  verdict: z.enum(['pass', 'fail']),
  reason: z.string(),
  threshold: d(z.number(), 'Seconds: the most the sample mean may reach (mean check) or the historical percentile value.'),
});

const disruptionTestSchema = z.object({
  method: d(
    z.enum(['mann-whitney', 'exceedance']),
    "mann-whitney: one-sided Mann–Whitney U of the window's seconds against the basis window's (independent runs: exact permutation p-value with ties when p < 0.25 and the samples are small, else the tie-corrected normal approximation; clustered runs: the normal approximation with each side's variance times its design effect); exceedance: runs above the historical P75 and P95 against the beta-binomial predictive distribution of a percentile estimated from the record's JobRuns (Bonferroni, ×2).",
  ),
  p: z.number(),
  u: d(z.number().nullable(), 'Mann–Whitney U of the sample (pairs sample > basis, ties ½).'),
  window: d(
    z.string().optional(),
    'The scan window the test is of (the one that flagged the cell, else the one with the smallest p). Absent in version 1: the current window.',
  ),
});

const disruptionCellSchema = z.object({
  backend: z.string(),
  variantKey: z.string(),
  variants: variantsSchema,
  jobs: d(z.array(z.string()), 'Jobs with runs in this cell, sorted.'),
  current: d(
    disruptionStatsSchema.nullable(),
    'Seconds per run in the current window (the sample). Both windows leave out runs kept out of test verdicts (mass and infrastructure failures).',
  ),
  basis: d(disruptionStatsSchema.nullable(), 'Seconds per run in the basis window (null without runs there).'),
  basisKind: d(
    z.enum(['window', 'historical', 'none']),
    'Where the basis of the checks came from: the basis window, a historical record, or none (too few runs: not checked).',
  ),
  historical: historicalDisruptionSchema.nullable(),
  excluded: d(z.boolean(), "Backend matched disruption.exclude (by default the aggregator's own exclusions): summarised, never checked."),
  checks: d(z.array(disruptionCheckSchema), "The job-run-aggregator's checks on the sample; empty when not checked."),
  test: d(disruptionTestSchema.nullable(), 'The significance test of ratchet mode.'),
  q: d(z.number().nullable(), 'Benjamini–Hochberg q across every tested backend × variant.'),
  increase: d(z.object({ p75: z.number(), p95: z.number() }).nullable(), 'Sample − basis P75 and P95, seconds.'),
  ratchet: d(z.enum(['regressed', 'ok', 'not-checked']), 'Ratchet verdict: q ≤ disruption.fdr and P75 or P95 up by at least disruption.minIncreaseSeconds.'),
  compatible: d(z.enum(['regressed', 'ok', 'not-checked']), 'Aggregator verdict: regressed when any of its checks fails.'),
  set: d(
    z.object({ payloadTag: z.string().nullable(), runs: z.number().int() }).nullable().optional(),
    "The runs the aggregator's checks judged: the newest payload with at least disruption.minSetRuns runs in the current window, or without payload tags the newest disruption.setRuns runs; null when there were too few. Absent in version 1 (the whole current window).",
  ),
});

const disruptionLineSchema = d(
  z.object({
    basis: z.object({
      start: z.string(),
      end: z.string(),
      runs: d(z.number().int(), "Basis runs (or the historical record's JobRuns)."),
      p75: d(z.number(), 'The basis P75 in seconds, frozen.'),
      shareAbove: d(z.number(), 'Share of basis runs above that P75 (0.25 for a historical record).'),
      historical: z.boolean(),
    }),
    roseTo: d(
      z.number(),
      'Share of runs above the frozen P75 it rose to, at least: the largest Wilson 95 % lower bound of that share since the onset seen so far.',
    ),
    frozenAt: z.string(),
  }),
  'Ratchet mode: the frozen basis an open disruption regression is held to; it resolves only when a window since its onset has significantly fewer runs above the frozen P75 than halfway between shareAbove and roseTo.',
);

const disruptionRegressionSchema = z.object({
  ...lifecycleFields,
  kind: z.literal('disruption'),
  backend: z.string(),
  variantKey: z.string(),
  current: disruptionStatsSchema.nullable(),
  basis: disruptionStatsSchema.nullable(),
  historical: historicalDisruptionSchema.nullable(),
  p: z.number().nullable(),
  q: z.number().nullable(),
  failedChecks: d(z.array(z.string()), 'Names of the aggregator checks that failed.'),
  window: sampleWindowSchema.optional(),
  sample: d(disruptionStatsSchema.nullable().optional(), 'Seconds per run in the window the verdict rests on (ratchet mode).'),
  design: d(z.object({ sample: z.number(), basis: z.number() }).optional(), 'Design effects of the window and the basis (ratchet mode).'),
  line: disruptionLineSchema.optional(),
  onset: onsetSchema.nullable().optional(),
});

const modeCounts = z.object({
  new: z.number().int(),
  open: z.number().int(),
  resolved: z.number().int(),
  extreme: d(z.number().int(), 'New or open regressions that are extreme.'),
});

const regressionSettingsSchema = z
  .object({
    defaultMode: d(regressionModeSchema, 'The mode the site shows first (config regressions.mode).'),
    groupBy: z.enum(['variant', 'job']),
    sampleWindow: windowSchema,
    basisWindow: d(windowSchema, 'The basis window of regressions and disruption (config regressions.basis).'),
    recentWindow: d(windowSchema.nullable().optional(), "Version 1 only: ratchet mode's recent window."),
    windows: d(
      z.array(windowSchema.extend({ label: z.string() })).optional(),
      "Ratchet mode's scan windows, shortest first (config regressions.windows). Absent in version 1.",
    ),
    clustering: d(
      z
        .object({
          enabled: z.boolean(),
          dayCv2: d(z.number(), "Relative variance of a cell's failure rate between days, pooled over every cell's basis window."),
          payloadCv2: d(z.number(), 'The same between payloads.'),
          cells: d(z.number().int(), 'Cells the estimates rest on.'),
        })
        .optional(),
      'How much failures cluster, and whether verdicts accounted for it (config regressions.clustering). Absent in version 1.',
    ),
    massFailure: d(
      z.object({ share: z.number(), minFailed: z.number().int(), infraTests: z.array(z.string()) }).optional(),
      'Which runs were kept out of test verdicts (config regressions.massFailure).',
    ),
    badDays: d(
      z.object({ enabled: z.boolean(), factor: z.number(), minTests: z.number().int(), maxDays: z.number().int() }).optional(),
      'Which job-days were bad days, their runs kept out of test verdicts (config regressions.badDays). Absent before bad days were recognised.',
    ),
    flakeAsFailure: z.boolean(),
    minFailures: z.number().int(),
    extremeDrop: z.number(),
    newTestPassRate: z.number(),
    newTestMinRuns: z.number().int(),
    compatible: z.object({ confidence: z.number(), pityFactor: z.number(), openConfidence: z.number(), openPityFactor: z.number() }),
    ratchet: z.object({
      fdr: z.number(),
      minDrop: z.number(),
      stableMinDrop: d(z.number().optional(), 'Smallest drop against a basis that almost never failed (absent in older snapshots).'),
      openFdr: d(z.number().optional(), 'Version 1 hysteresis.'),
      openP: d(z.number().optional(), 'Version 1 hysteresis.'),
      openMinDrop: d(z.number().optional(), 'Version 1 hysteresis.'),
      recoverAlpha: d(z.number().optional(), 'Level of the recovery test of open regressions (absent in version 1).'),
      jobCells: d(z.boolean().optional(), 'Whether test × job cells inside variant groups were tested too (absent in older snapshots).'),
    }),
    keepResolvedDays: z.number(),
    previousSnapshot: d(
      z.string().nullable(),
      'id of the snapshot whose open regressions were carried over (hysteresis, firstSeen); null for the first snapshot.',
    ),
  })
  .describe('The settings every verdict below was made with.');

const regressionsSchema = z.object({
  settings: regressionSettingsSchema,
  summary: z.object({
    testCells: d(
      z.number().int(),
      "Test × group cells with sample runs: one per test × variant group (or job), plus ratchet mode's test × job cells inside variant groups of several jobs.",
    ),
    testCellsTested: d(z.number().int(), 'Hypotheses in the ratchet family (m): cell × scan window pairs whose counts could reach significance.'),
    jobsTested: z.number().int(),
    disruptionCellsTested: z.number().int(),
    ratchet: modeCounts,
    compatible: modeCounts,
  }),
  tests: d(
    z.array(testRegressionSchema),
    'Test regressions of both modes (filter on mode), sorted: ratchet first, then new, open, resolved; extreme first; smallest q or p first.',
  ),
  jobs: d(z.array(jobRegressionSchema), 'Job pass-rate regressions (ratchet mode).'),
  disruption: d(z.array(disruptionRegressionSchema), 'Disruption regressions of both modes.'),
});

const aggregatedTestSchema = z.object({
  testId: z.string(),
  suite: z.string(),
  name: z.string(),
  attempts: d(z.number().int(), 'Runs of the set with a pass or a failure of the test.'),
  passes: d(z.number().int(), 'Runs with a pass (a flake is a pass).'),
  failures: z.number().int(),
  skips: z.number().int(),
  history: d(
    z.object({ runs: z.number().int(), working: z.number().int(), workingPercent: z.number() }).nullable(),
    "The same job's other runs in the look-back window (sample and basis), excluding this payload; null without history (the aggregator then assumes 70 %).",
  ),
  aggregator: z.object({
    verdict: z.enum(['pass', 'fail']),
    rule: z.enum(['did-not-run', 'probably-intended-skip', 'not-enough-runs', 'no-passes', 'too-few-passes', 'enough-passes']),
    reason: z.string(),
    required: d(z.number().int().nullable(), 'Passes required after the pity factor.'),
    tableRequired: d(z.number().int().nullable(), 'The required-passes table value before the pity factor.'),
    workingPercent: d(z.number().int().nullable(), 'Historical working percentage used for the table (truncated).'),
  }),
  fisher: d(
    z
      .object({
        p: z.number(),
        q: z.number(),
        verdict: z.enum(['pass', 'fail']),
      })
      .nullable(),
    'One-sided Fisher exact test of the set against the history counts, with Benjamini–Hochberg q across the tests of this set; fail when q ≤ regressions.aggregated.fdr. null without history or attempts.',
  ),
});

const aggregatedSetSchema = z
  .object({
    job: z.string(),
    payloadTag: z.string(),
    variantKey: z.string(),
    runs: d(
      z.array(z.object({ buildId: z.string(), url: z.string(), result: runRefSchema.shape.result, started: z.string().nullable() })),
      'The runs of the set, oldest first.',
    ),
    testsChecked: d(z.number().int(), 'Tests attempted in at least one run of the set.'),
    failedAggregator: d(z.number().int(), "Tests the aggregator's required-passes check fails."),
    failedFisher: d(z.number().int(), 'Tests the Fisher test fails.'),
    tests: d(z.array(aggregatedTestSchema), 'Tests with at least one failure or a failing verdict, failing ones first.'),
  })
  .describe('Several runs of one job on one payload tag in the current window, judged like the job-run-aggregator does.');

const payloadSchema = z
  .object({
    tag: d(z.string(), 'release.openshift.io/tag of the payload.'),
    firstRun: d(z.string().nullable(), 'Start of its first run in the current window.'),
    lastRun: d(z.string().nullable(), 'Start of its latest run in the current window.'),
    jobs: d(
      z.array(
        z.object({
          job: z.string(),
          kind: d(z.enum(['blocking', 'informing', 'other']), "From the config's payloads.blocking and payloads.informing lists."),
          runs: z.array(z.object({ buildId: z.string(), url: z.string(), result: runRefSchema.shape.result, started: z.string().nullable() })),
          succeeded: z.number().int(),
          failed: d(z.number().int(), 'Runs that ended in failure or error.'),
          aggregated: d(
            z.object({ runs: z.number().int(), failedAggregator: z.number().int(), failedFisher: z.number().int() }).nullable(),
            'The aggregated set of this job on this payload (see aggregated), when it had enough runs.',
          ),
        }),
      ),
      'Jobs that tested the payload: blocking first, then informing, then the others, each by name.',
    ),
    blockingFailed: d(z.number().int(), 'Blocking jobs with no successful run of this payload and at least one failed.'),
    regressionsStarted: d(z.array(z.string()), 'ids of ratchet-mode regressions (new or open) whose onset is this payload.'),
  })
  .describe('A payload of the current window, with the runs that tested it.');

const provenanceSchema = z
  .object({
    ratchetVersion: d(z.string(), 'The Ratchet version that computed the snapshot.'),
    configHash: d(
      z.string(),
      'sha-256 (hex) of the effective settings: the validated config with its defaults and the command-line values, without paths, the as-of instant, transport (gcs) and publishing (archive) settings. Equal hashes mean equal settings.',
    ),
    runs: d(z.number().int(), 'Run records the analysis was given (the run cache after the fetch).'),
    objects: d(z.number().int(), 'Objects read to make those records.'),
    bytes: d(z.number().int(), 'Bytes read, decoded.'),
    inputsDigest: d(z.string(), 'sha-256 (hex, 32 digits) over every line of runDigests, sorted: one value for everything the snapshot was computed from.'),
    runDigests: d(
      z.record(z.string(), z.string()),
      'Per run ("<job>/<build id>"), a digest of every object its record was made from: name, generation (or update time), size and a checksum: the stored one the source checked every byte against when it served the listed generation (GCS: "crc32c:…", or "md5:…" with gcs.validation md5), else the sha-256 of the bytes read. The form follows the source, so the same objects read as a directory and through GCS give different digests; the digest of a run is fixed when the run is read. Sorted by key.',
    ),
    files: d(z.array(z.object({ name: z.string(), sha256: z.string() })), 'Other inputs read from files: the historical disruption basis and payload lists.'),
  })
  .describe('What the snapshot was computed from. Absent in snapshots made before it was recorded.');
// ---- Components, failure clusters, known issues, run grids ------------------------------------------

const componentVerdictSchema = d(
  z.enum(['regressed', 'open', 'ok', 'no-data']),
  "Worst verdict of a cell: regressed (a new regression), open (a regression carried over), ok (tests ran, none regressed), no-data (none of the component's tests ran there).",
);

const componentsSchema = z
  .object({
    mode: d(regressionModeSchema, 'The mode whose test regressions the grid shows (the default mode).'),
    list: d(
      z.array(
        z.object({
          name: z.string(),
          slug: d(z.string(), 'URL segment of the component page.'),
          via: d(
            z.array(z.enum(['rule', 'jira', 'sig', 'unknown'])),
            'How its tests were mapped: a config rule, their [Jira:"…"] or [sig-…] tag, or not at all (the component "unknown").',
          ),
          owner: z.string().nullable(),
          team: z.string().nullable(),
          bugProject: d(z.string().nullable(), 'Where its bugs go: a URL or a project key (config components.info).'),
          labels: d(z.array(z.string()), 'Labels of its GitHub issues.'),
          alerts: d(z.object({ feed: z.boolean(), github: z.boolean(), slack: z.boolean() }), 'Which alerts are on for it.'),
          tests: d(z.number().int(), 'Tests of the component that ran in the current window.'),
          failingTests: d(z.number().int(), 'Of those, tests that failed at least once.'),
          verdict: componentVerdictSchema,
          regressions: d(z.number().int(), 'New and open test regressions of the mode, over all its cells.'),
        }),
      ),
      'Every component with tests in the current window or a regression, by name; "unknown" (tests no rule or tag names) last.',
    ),
    variantKeys: d(z.array(z.string()), 'The grid columns: variant keys with runs, sorted.'),
    cells: d(
      z.array(
        z.object({
          component: z.string(),
          variantKey: z.string(),
          tests: d(z.number().int(), "The component's tests that ran in this variant group in the current window."),
          failingTests: z.number().int(),
          verdict: componentVerdictSchema,
          regressions: d(
            z.array(z.string()),
            "ids of the new and open test regressions of the mode in this cell (a test × job cell counts in its job's group).",
          ),
        }),
      ),
      'Cells with tests or regressions, by component and variant key; a missing cell has no data.',
    ),
  })
  .describe("sippy's Component Readiness grid from Ratchet's verdicts: components × variant groups.");

const failureClusterSchema = z
  .object({
    id: d(z.string(), 'A hash of the key text. Used in URLs.'),
    text: d(z.string(), "The cluster's key: its most frequent normalised text."),
    example: d(z.string(), 'The newest original message among its members, cut to a few KB.'),
    failures: z.number().int(),
    texts: d(z.number().int(), 'Distinct normalised texts it holds.'),
    testCount: z.number().int(),
    tests: d(z.array(z.object({ testId: z.string(), suite: z.string(), name: z.string(), failures: z.number().int() })), 'Most failures first, at most 100.'),
    jobCount: z.number().int(),
    jobs: d(z.array(z.object({ job: z.string(), failures: z.number().int() })), 'Most failures first, at most 100.'),
    byDay: d(z.array(z.object({ date: z.string(), failures: z.number().int() })), 'Failures by UTC day over the previous and current windows.'),
    firstSeen: d(z.string(), 'Its first failure in the look-back, or earlier when a previous snapshot saw it first.'),
    lastSeen: z.string(),
    runs: d(
      z.array(z.object({ job: z.string(), buildId: z.string(), url: z.string(), status: z.enum(['fail', 'flake']) })),
      'Newest runs with a failure of the cluster, at most 20.',
    ),
    knownIssue: d(
      z.object({ issue: z.number().int(), bug: z.string(), note: z.string().nullable() }).nullable().optional(),
      'The first config knownIssues entry that matches the cluster (its text, a test and a job of it).',
    ),
  })
  .describe(
    'Failure texts of every test and job, clustered as Kubernetes triage does: normalised, numbers not told apart, then edit distance below 10 % of the mean length.',
  );

const trackedSchema = z.object({
  regressionId: d(z.string(), 'regressions.*[].id of the regression.'),
  issue: d(z.number().int(), 'Index of the entry in the config knownIssues.'),
  bug: z.string(),
  note: z.string().nullable(),
});

const runGridSchema = z
  .object({
    job: z.string(),
    runs: d(
      z.array(z.object({ buildId: z.string(), url: z.string(), result: runRefSchema.shape.result, started: z.string().nullable() })),
      'The columns: the newest runs of the job in the look-back (current and previous window), newest first, at most 20.',
    ),
    tests: d(
      z.array(
        z.object({
          testId: z.string(),
          suite: z.string(),
          name: z.string(),
          failures: z.number().int(),
          flakes: z.number().int(),
          outcomes: d(z.string(), 'One letter per run, in the order of runs: p pass, f fail, k flake, s skipped, - not run.'),
        }),
      ),
      'The rows: tests that failed or flaked in any of these runs, most failures first, at most 100.',
    ),
    testsWithFailures: d(z.number().int(), 'All tests that failed or flaked in these runs (rows beyond 100 are cut).'),
  })
  .describe("TestGrid's grid of one job: its newest runs × its failing and flaky tests.");

export const snapshotSchema = z.object({
  schemaVersion: d(z.union([z.literal(1), z.literal(SNAPSHOT_SCHEMA_VERSION)]), 'The schema version the snapshot was written with; every version still loads.'),
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
  variantGroups: d(z.array(variantGroupSchema).optional(), 'Pass rates per variant group (runs of equal variants across jobs), sorted by key.'),
  regressions: d(regressionsSchema.optional(), 'Test, job and disruption regressions in both modes, with their evidence and lifecycle.'),
  disruption: d(
    z.array(disruptionCellSchema).optional(),
    "Disruption per backend × variant group: current and basis distributions, the aggregator's checks and the ratchet test. Sorted by backend, then variant key.",
  ),
  aggregated: d(
    z.array(aggregatedSetSchema).optional(),
    'Aggregated runs: sets of at least regressions.aggregated.minRuns runs of one job on one payload tag in the current window.',
  ),
  payloads: d(z.array(payloadSchema).optional(), 'Payload tags of the current window, newest first. Absent in version 1.'),
  provenance: provenanceSchema.optional(),
  components: d(componentsSchema.optional(), 'Components and their readiness grid. Absent in older snapshots.'),
  failureClusters: d(
    z.array(failureClusterSchema).optional(),
    'Failure clusters, most failures first: the 500 largest, and every cluster of a regressed test. Absent in older snapshots.',
  ),
  knownIssues: d(z.array(trackedSchema).optional(), 'Regressions a config knownIssues entry tracks, in the order of regressions. Absent in older snapshots.'),
  runGrids: d(z.array(runGridSchema).optional(), 'A run grid per job, by job name. Absent in older snapshots.'),
});

export type Snapshot = z.infer<typeof snapshotSchema>;
export type RegressionMode = z.infer<typeof regressionModeSchema>;
export type RegressionStatus = z.infer<typeof regressionStatusSchema>;
export type RegressionSeverity = z.infer<typeof regressionSeveritySchema>;
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
export type DataQuality = z.infer<typeof dataQualitySchema>;
export type VariantGroup = z.infer<typeof variantGroupSchema>;
export type Regressions = z.infer<typeof regressionsSchema>;
export type TestRegression = z.infer<typeof testRegressionSchema>;
export type JobRegression = z.infer<typeof jobRegressionSchema>;
export type DisruptionRegression = z.infer<typeof disruptionRegressionSchema>;
export type DisruptionCell = z.infer<typeof disruptionCellSchema>;
export type DisruptionStats = z.infer<typeof disruptionStatsSchema>;
export type DisruptionCheck = z.infer<typeof disruptionCheckSchema>;
export type HistoricalDisruption = z.infer<typeof historicalDisruptionSchema>;
export type AggregatedSet = z.infer<typeof aggregatedSetSchema>;
export type Payload = z.infer<typeof payloadSchema>;
export type AggregatedTest = z.infer<typeof aggregatedTestSchema>;
export type EvidenceRun = z.infer<typeof evidenceRunSchema>;
export type Provenance = z.infer<typeof provenanceSchema>;
export type Components = z.infer<typeof componentsSchema>;
export type FailureCluster = z.infer<typeof failureClusterSchema>;
export type TrackedRegression = z.infer<typeof trackedSchema>;
export type RunGrid = z.infer<typeof runGridSchema>;
