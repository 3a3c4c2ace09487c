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

const fraction = z.number().min(0).max(1);

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  source: z.string().min(1).optional().describe('A directory laid out like a Prow bucket, or gs://bucket[/prefix].'),
  cache: z.string().optional().describe('Run cache directory (default .cache/ratchet).'),
  out: z.string().optional().describe('Output directory for snapshots, archive and site.'),
  asOf: z.string().optional().describe('Analysis instant (ISO 8601); default now.'),
  jobs: z.strictObject({
    include: z.array(regex).default([]).describe('Job-name regexes to keep (all when empty).'),
    exclude: z.array(regex).default([]).describe('Job-name regexes to drop (applied after include).'),
    kinds: z.array(z.enum(['periodic', 'postsubmit', 'presubmit', 'batch'])).default(['periodic', 'postsubmit', 'presubmit', 'batch']),
    prefixes: z.array(z.string().min(1)).default([]).describe('List only logs/<prefix>… instead of all of logs/ (the real buckets hold tens of thousands of jobs).'),
  }).default({ include: [], exclude: [], kinds: ['periodic', 'postsubmit', 'presubmit', 'batch'], prefixes: [] }),
  windows: z.strictObject({
    current: windowLength.default('7d').describe('The sample window, ending at asOf.'),
    previous: windowLength.default('7d').describe('The basis window, ending where the current one starts.'),
  }).default({ current: '7d', previous: '7d' }),
  thresholds: z.strictObject({
    passing: fraction.default(0.8).describe('Job pass rate at or above which a job is passing.'),
    failing: fraction.default(0.5).describe('Job pass rate below which a job is failing.'),
    flatDelta: z.number().min(0).default(2).describe('|delta| in points shown as flat.'),
    minTestRuns: z.number().int().min(1).default(1).describe('Tests with fewer current runs are not listed as failing or flaky.'),
  }).default({ passing: 0.8, failing: 0.5, flatDelta: 2, minTestRuns: 1 }),
  gcs: z.strictObject({
    endpoint: z.string().url().optional(),
    concurrency: z.number().int().min(1).max(512).optional(),
    requestTimeoutMs: z.number().int().min(100).optional(),
    retries: z.number().int().min(0).max(20).optional(),
  }).default({}),
});

export type RatchetConfigInput = z.input<typeof configSchema>;
export type RatchetConfig = z.output<typeof configSchema>;

/** For ratchet.config.ts files: `export default defineConfig({...})` with type checking. */
export function defineConfig(config: RatchetConfigInput): RatchetConfigInput {
  return config;
}
