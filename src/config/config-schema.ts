/**
 * ratchet.config.json / ratchet.config.ts: what to read, which jobs, which windows, which thresholds.
 * Every field has a default, so an empty file (or none) is a valid config.
 */
import { z } from 'zod';
import { parseWindow } from './duration.ts';

const regex = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

const windowLength = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  try {
    parseWindow(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** The two regression modes; the snapshot schema's regression mode is this enum too. */
export const REGRESSION_MODES = ['ratchet', 'compatible'] as const;

const fraction = z.number().min(0).max(1);

const isoTime = z.string().refine((t) => !Number.isNaN(Date.parse(t)), { message: 'expected an ISO 8601 time, e.g. 2026-10-01T00:00:00Z' });

const points = z.number().min(0).max(100);

/**
 * Regression detection. Both modes run on every snapshot; `mode` only says which one the site shows
 * first. See docs/statistics.md, "Test regressions: compatible and ratchet modes".
 */
export const regressionsConfigSchema = z.strictObject({
  mode: z.enum(REGRESSION_MODES).default('ratchet').describe('The verdicts the site shows first; both are always computed.'),
  groupBy: z
    .enum(['variant', 'job'])
    .default('variant')
    .describe('Cells are test × variant group (runs of equal variants pooled, as sippy does) or test × job.'),
  basis: z
    .union([windowLength, z.strictObject({ from: isoTime, to: isoTime })])
    .default('30d')
    .describe(
      'The basis regressions are judged against: a length ending where the current window starts (sippy uses 30 days), or a fixed range { "from": ISO time, "to": ISO time } such as a release\'s GA window. A regression freezes the basis it was found against until it resolves.',
    ),
  windows: z
    .array(windowLength)
    .min(1)
    .default(['6h', '12h', '24h', '3d', '7d'])
    .describe(
      'Scan windows, each ending at as-of and no longer than windows.current: ratchet mode tests every cell in each, in one false-discovery family, so a regression hours old is not diluted by the healthy days before it.',
    ),
  clustering: z
    .boolean()
    .default(true)
    .describe('Account for failures that cluster by day and by payload (design effects estimated across the report); false treats runs as independent.'),
  massFailure: z
    .strictObject({
      share: fraction.default(0.2).describe('A run that failed at least this share of its tests…'),
      minFailed: z.number().int().min(1).default(10).describe('…and at least this many is a mass failure: kept out of test verdicts.'),
      infraTests: z
        .array(regex)
        .default(['^install should succeed', 'infrastructure should work'])
        .describe('Failing any test matching these means the run failed before its tests could run (install, infrastructure): kept out of test verdicts.'),
    })
    .prefault({}),
  badDays: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe("Keep the runs of a job's bad days (an outage: many more tests failed than usual, then back to usual) out of test verdicts."),
      factor: z
        .number()
        .min(1)
        .default(2)
        .describe('A day is elevated when its distinct failing tests are at least this many times the job’s usual for as many runs…'),
      minTests: z.number().int().min(1).default(10).describe('…and at least this many above it (a single broken test never makes a bad day).'),
      maxDays: z
        .number()
        .int()
        .min(1)
        .default(2)
        .describe('The longest streak of elevated days that is a bad day; a longer one, or one still going on, is left to the verdicts.'),
    })
    .prefault({}),
  flakeAsFailure: z.boolean().default(false).describe('Count a flake (failed, then passed in the same run) as a failure instead of a pass.'),
  minFailures: z.number().int().min(0).default(3).describe('A cell needs at least this many sample failures to be flagged (sippy: 3).'),
  extremeDrop: points.default(15).describe('A drop in working rate above this many points is "extreme" (sippy: 15).'),
  newTestPassRate: points.default(95).describe('Tests without basis runs are flagged below this working rate, in percent (sippy: 95); 0 turns the rule off.'),
  newTestMinRuns: z.number().int().min(1).default(6).describe('Sample runs a new test needs before the new-test rule applies (sippy: 6).'),
  compatible: z
    .strictObject({
      confidence: points.default(95).describe('Regressed iff the one-sided Fisher p < 1 − confidence/100.'),
      pityFactor: points.default(5).describe('The drop must exceed this many points before Fisher is consulted.'),
      openConfidence: points.default(90).describe('Confidence for a regression already open in the previous snapshot (hysteresis).'),
      openPityFactor: points.default(3).describe('Pity factor for a regression already open in the previous snapshot.'),
    })
    .prefault({}),
  ratchet: z
    .strictObject({
      fdr: fraction.default(0.05).describe('Benjamini–Hochberg false discovery rate q across every cell of the report.'),
      minDrop: points.default(5).describe('Smallest drop in working rate, in points, worth flagging…'),
      stableMinDrop: points
        .default(1)
        .describe(
          '…except against a basis that almost never failed: there a drop that triples the failure rate (2 × the basis failure rate, in points) is enough, but never less than this many points.',
        ),
      recoverAlpha: fraction
        .default(0.05)
        .describe(
          'An open regression resolves when a scan window shows its working rate significantly above the halfway line between its frozen basis and the rate it fell to (one-sided exact binomial, or beta-binomial for clustered runs, at this level split over the windows).',
        ),
      jobCells: z
        .boolean()
        .default(true)
        .describe(
          'With groupBy "variant", also test each test × job inside a variant group of several jobs, so a regression confined to one job is not diluted by the others.',
        ),
    })
    .prefault({}),
  keepResolvedDays: z
    .number()
    .min(0)
    .default(5)
    .describe(
      'Days a resolved regression stays listed (sippy: 5); in ratchet mode at least the longest scan window, so the next snapshots know when it resolved.',
    ),
  maxFailedRuns: z.number().int().min(0).max(100).default(10).describe('Failed sample runs listed with each regression as evidence.'),
  aggregated: z
    .strictObject({
      minRuns: z
        .number()
        .int()
        .min(2)
        .default(6)
        .describe('Runs of one job on one payload tag needed to analyse them as an aggregated set (the aggregator fails sets under 6).'),
      fdr: fraction.default(0.05).describe('q for the exact Fisher test beside the aggregator, adjusted across the tests of one set.'),
    })
    .prefault({}),
});

/** Backends the job-run-aggregator leaves out of its disruption checks (ci-tools analyzer_disruption.go). */
const AGGREGATOR_EXCLUDED_BACKENDS = ['-network-liveness', '-localhost-', '-internal-lb-', 'host-to-', 'pod-to-', '^(kube|openshift)-api-http[12]-external-lb'];

const disruptionConfigSchema = z.strictObject({
  historicalBasis: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A JSON file in origin's historical-percentile format (allowedbackenddisruption/query_results.json); where a record matches a backend and variant group it is the basis instead of the basis window.",
    ),
  exclude: z
    .array(regex)
    .default(() => [...AGGREGATOR_EXCLUDED_BACKENDS])
    .describe("Backend-name regexes that are summarised but never checked (default: the aggregator's exclusions)."),
  minSampleRuns: z.number().int().min(1).default(3).describe('Current-window runs a backend × variant needs before it is checked.'),
  minBasisRuns: z.number().int().min(2).default(10).describe('Basis runs (or historical JobRuns) needed before it is checked.'),
  fdr: fraction.default(0.05).describe('Benjamini–Hochberg q across every checked backend × variant.'),
  minIncreaseSeconds: z.number().min(0).default(1).describe('Smallest rise of P75 or P95, in seconds, worth flagging.'),
  minSetRuns: z
    .number()
    .int()
    .min(3)
    .default(3)
    .describe("Compatible mode judges one payload's runs, as the aggregator does: the newest payload with at least this many runs in the current window."),
  setRuns: z.number().int().min(3).default(10).describe("Without payload tags, compatible mode judges the newest this many runs (the aggregator's usual ten)."),
});

const payloadsConfigSchema = z.strictObject({
  blocking: z.array(regex).default([]).describe('Job-name regexes of the payload-blocking jobs (the payloads page lists them first).'),
  informing: z.array(regex).default([]).describe('Job-name regexes of the informing jobs.'),
  blockingFile: z
    .string()
    .min(1)
    .optional()
    .describe("A file of blocking job names, one a line (sippy's openshift.blocking-jobs.txt format), added to blocking."),
  informingFile: z.string().min(1).optional().describe('A file of informing job names, one a line, added to informing.'),
});

/** A size in MB (2^20 bytes), or null for no limit. */
const megabytes = z.number().positive().nullable();

/**
 * How large an object of each kind may be. Whole objects (JSON) are held in memory to parse, so each kind has a cap:
 * an object over it is refused from the listing's size before download, or stopped while reading when the listing
 * cannot tell (gzip-encoded objects), and becomes a data-quality problem of kind too-large. It is not downloaded
 * again while its size and generation stay the same.
 */
const limitsConfigSchema = z.strictObject({
  metadataMB: megabytes
    .default(16)
    .describe('started.json, finished.json, prowjob.json and presubmit pointers (Prow writes a few KB; a ProwJob with a large pod spec, some hundred KB).'),
  disruptionMB: megabytes.default(32).describe('backend-disruption_*.json files (a few MB at most, with every disruption message).'),
  clusterDataMB: megabytes.default(1).describe('cluster-data_*.json files (under 1 KB).'),
  junitMB: megabytes.default(null).describe('JUnit files. They are parsed as a stream, which holds one test case at a time, so there is no limit by default.'),
  jsonDepth: z
    .number()
    .int()
    .min(2)
    .max(10_000)
    .default(64)
    .describe(
      'JSON nested deeper than this is refused before it is parsed (Prow nests under 15 levels; a deep document costs memory out of all proportion to its size).',
    ),
});

/**
 * Publishing: where published snapshots are kept for good, and how a year of them fits a GitHub Pages site
 * (docs/site.md, "A year of permalinks").
 */
const archiveConfigSchema = z.strictObject({
  store: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The durable archive store (also --archive-store): a directory, git+<repository url>#<branch> (an orphan branch), or gs://bucket[/prefix]. A run restores what it needs from it and adds its new snapshot after the site is published.',
    ),
  publicUrl: z
    .url()
    .nullable()
    .optional()
    .describe(
      'Where browsers read the store over HTTPS, for snapshots no longer on the Pages site. Default: raw.githubusercontent.com for a git store on github.com, storage.googleapis.com for a gs:// store, none for a directory; null: none (every snapshot stays on the site).',
    ),
  pagesDays: z
    .number()
    .positive()
    .default(14)
    .describe('With a public store URL, the site holds the snapshots of the last this many days; older ones are served from the store at the same address.'),
  intraDay: z
    .enum(['light', 'full'])
    .default('light')
    .describe(
      "Snapshots after the first of their UTC day: 'light' publishes the report, regressions, diff, disruption, data quality and the small JSON, but no job or test pages and no snapshot.json.gz; 'full' publishes everything.",
    ),
});

/** Tags of OpenShift test names a component rule can match: [sig-x], [Jira:"x"], [Feature:x], [Suite:x]. */
const COMPONENT_TAGS = ['sig', 'jira', 'feature', 'suiteTag'] as const;

/**
 * A component rule: every matcher given must match (test and suite over the test's name and suite;
 * sig, jira, feature and suiteTag over the values of those tags in its name, any one of them). Rules
 * are tried in order; the first that matches names the component.
 */
const componentRuleSchema = z
  .strictObject({
    component: z.string().min(1).describe('The component the matching tests belong to.'),
    test: regex.optional().describe('Regex over the test name.'),
    suite: regex.optional().describe('Regex over the JUnit suite name.'),
    sig: regex.optional().describe('Regex over the value of a [sig-…] tag, e.g. "^network$".'),
    jira: regex.optional().describe('Regex over the value of a [Jira:"…"] tag, e.g. "^Networking / ovn-kubernetes$".'),
    feature: regex.optional().describe('Regex over the value of a [Feature:…] tag.'),
    suiteTag: regex.optional().describe('Regex over the value of a [Suite:…] tag, e.g. "^openshift/conformance/serial".'),
  })
  .refine((rule) => rule.test !== undefined || rule.suite !== undefined || COMPONENT_TAGS.some((tag) => rule[tag] !== undefined), {
    message: 'a component rule needs at least one of test, suite, sig, jira, feature or suiteTag',
  });

const alertSwitchesSchema = z.strictObject({
  feed: z.boolean().default(false).describe("An Atom feed of the component's new and resolved regressions on the site."),
  github: z.boolean().default(false).describe('A GitHub issue per new regression (alerts.github names the repository).'),
  slack: z.boolean().default(false).describe('A message per new and resolved regression to the incoming webhook of alerts.slack.'),
});

const componentInfoSchema = z.strictObject({
  owner: z.string().optional().describe('Who is told first: a person or an alias.'),
  team: z.string().optional(),
  bugProject: z.string().optional().describe('Where its bugs are filed: a URL (a Jira project, a GitHub repository) or a project key.'),
  labels: z.array(z.string().min(1)).default([]).describe("Labels of the component's GitHub issues."),
  alerts: alertSwitchesSchema.prefault({}).describe('Alerts for this component; all off by default.'),
});

const componentsConfigSchema = z.strictObject({
  rules: z.array(componentRuleSchema).default([]).describe('Ordered rules from tests to components; the first match wins.'),
  fromTags: z
    .array(z.enum(['jira', 'sig']))
    .default(['jira', 'sig'])
    .describe('For a test no rule matches: take the component from its [Jira:"…"] tag, else its [sig-…] tag, in this order; [] leaves such tests "unknown".'),
  info: z
    .record(z.string().min(1), componentInfoSchema)
    .default({})
    .describe('Owner, team, bug project, labels and alerts by component name; "*" gives every component without an entry of its own.'),
});

const knownIssueSchema = z
  .strictObject({
    test: regex.optional().describe('Regex over the test name (over the backend for disruption regressions).'),
    job: regex.optional().describe('Regex over the job names of the regression.'),
    text: regex.optional().describe("Regex over the test's failure texts (as reported and normalised)."),
    bug: z.string().url().describe('The bug that tracks it.'),
    note: z.string().optional(),
  })
  .refine((issue) => issue.test !== undefined || issue.job !== undefined || issue.text !== undefined, {
    message: 'a known issue needs at least one of test, job or text',
  });

/** An environment variable name: the token and the webhook URL are secrets and never sit in a config file. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name, e.g. GITHUB_TOKEN');

const alertsConfigSchema = z.strictObject({
  github: z
    .strictObject({
      repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name'),
      api: z.string().url().default('https://api.github.com').describe('The REST API root (GitHub Enterprise: https://host/api/v3).'),
      tokenEnv: envName.default('GITHUB_TOKEN').describe('The environment variable that holds the token (the workflow passes GITHUB_TOKEN).'),
      labels: z
        .array(z.string().min(1))
        .min(1, 'at least one label: the first one is how Ratchet finds its issues again')
        .default(['ratchet'])
        .describe('Labels on every issue Ratchet opens; the first one finds them again.'),
    })
    .optional()
    .describe('Issues per new regression of components whose alerts.github is on.'),
  slack: z
    .strictObject({
      webhookEnv: envName.default('RATCHET_SLACK_WEBHOOK').describe('The environment variable that holds the incoming webhook URL.'),
    })
    .optional()
    .describe('Messages to a Slack-compatible incoming webhook for components whose alerts.slack is on.'),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('How long one request may take before it is given up (and retried next run).'),
});

export type ComponentsConfig = z.output<typeof componentsConfigSchema>;
export type ComponentRule = z.output<typeof componentRuleSchema>;
export type KnownIssueConfig = z.output<typeof knownIssueSchema>;

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  source: z.string().min(1).optional().describe('A directory laid out like a Prow bucket, or gs://bucket[/prefix].'),
  cache: z.string().optional().describe('Run cache directory (default .cache/ratchet).'),
  out: z.string().optional().describe('Output directory for snapshots, archive and site.'),
  asOf: z.string().optional().describe('Analysis instant (ISO 8601); default now.'),
  jobs: z
    .strictObject({
      include: z.array(regex).default([]).describe('Job-name regexes to keep (all when empty).'),
      exclude: z.array(regex).default([]).describe('Job-name regexes to drop (applied after include).'),
      kinds: z.array(z.enum(['periodic', 'postsubmit', 'presubmit', 'batch'])).default(['periodic', 'postsubmit', 'presubmit', 'batch']),
      prefixes: z
        .array(z.string().min(1))
        .default([])
        .describe('List only logs/<prefix>… instead of all of logs/ (the real buckets hold tens of thousands of jobs).'),
    })
    .default({ include: [], exclude: [], kinds: ['periodic', 'postsubmit', 'presubmit', 'batch'], prefixes: [] }),
  windows: z
    .strictObject({
      current: windowLength.default('7d').describe('The sample window, ending at asOf.'),
      previous: windowLength
        .default('7d')
        .describe('The window job and test summaries compare the current one with, ending where it starts (regressions use regressions.basis).'),
    })
    .default({ current: '7d', previous: '7d' }),
  thresholds: z
    .strictObject({
      passing: fraction.default(0.8).describe('Job pass rate at or above which a job is passing.'),
      failing: fraction.default(0.5).describe('Job pass rate below which a job is failing.'),
      flatDelta: z.number().min(0).default(2).describe('|delta| in points shown as flat.'),
      minTestRuns: z.number().int().min(1).default(1).describe('Tests with fewer current runs are not listed as failing or flaky.'),
    })
    .default({ passing: 0.8, failing: 0.5, flatDelta: 2, minTestRuns: 1 }),
  regressions: regressionsConfigSchema.prefault({}),
  disruption: disruptionConfigSchema.prefault({}),
  payloads: payloadsConfigSchema.prefault({}),
  limits: limitsConfigSchema.prefault({}),
  archive: archiveConfigSchema.prefault({}),
  components: componentsConfigSchema.prefault({}),
  knownIssues: z
    .array(knownIssueSchema)
    .default([])
    .describe('Regressions already tracked by a bug: { test?, job?, text?, bug, note? }, regexes that must all match.'),
  alerts: alertsConfigSchema.prefault({}).describe('Where alerts go; which components alert is set per component (components.info).'),
  gcs: z
    .strictObject({
      endpoint: z.string().url().optional(),
      concurrency: z.number().int().min(1).max(512).optional(),
      requestTimeoutMs: z.number().int().min(100).optional(),
      retries: z.number().int().min(0).max(20).optional(),
      deadlineMinutes: z
        .number()
        .positive()
        .optional()
        .describe(
          'Stop starting new work this many minutes into a fetch and keep what was read (also --deadline); runs not reached are listed in data quality and read next time.',
        ),
      workers: z
        .number()
        .int()
        .min(0)
        .max(64)
        .optional()
        .describe('Worker threads that parse runs while fetching (also --workers); 0 parses on the main thread. Default: one per core, at most 4.'),
    })
    .default({}),
});

export type RatchetConfigInput = z.input<typeof configSchema>;
export type RatchetConfig = z.output<typeof configSchema>;
export type RegressionsConfig = z.output<typeof regressionsConfigSchema>;
export type DisruptionConfig = z.output<typeof disruptionConfigSchema>;
export type LimitsConfig = z.output<typeof limitsConfigSchema>;
export type ArchiveConfig = z.output<typeof archiveConfigSchema>;

/** The limits when the config sets none (what fetching uses without a plan, e.g. in tests). */
export const DEFAULT_LIMITS: LimitsConfig = limitsConfigSchema.parse({});

/**
 * For ratchet.config.ts files: `export default defineConfig({...})` with type checking.
 * @public (used by config files, which are outside the project)
 */
export function defineConfig(config: RatchetConfigInput): RatchetConfigInput {
  return config;
}
