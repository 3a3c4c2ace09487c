/**
 * `ratchet`: fetch, analyze, build, run (all three) and preview. Exit codes: 0 done, 1 failed,
 * 2 usage error. Scripts drive Ratchet through these names: keep them stable.
 */
import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig, type LoadedConfig } from '../config/load-config.ts';
import { UsageError } from '../util/errors.ts';
import { openSource } from '../source/open-source.ts';
import { outputPaths, type OutputPaths } from '../config/output-paths.ts';
import { analyzeStage, buildStage, fetchStage, type StageSettings } from '../pipeline.ts';
import { createProgressReporter } from './progress.ts';
import { serveStatic } from '../serve/static-server.ts';
import { VERSION } from '../version.ts';
import type { FetchReport } from '../ingest/run-cache.ts';

interface CommonOptions {
  source?: string;
  config?: string;
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
}

function addCommon(command: Command): Command {
  return command
    .option('--source <path|gs://bucket[/prefix]>', 'where to read Prow results: a directory laid out like a bucket, or a GCS bucket')
    .option('--config <file>', 'config file (default: ./ratchet.config.json or ./ratchet.config.ts if present)')
    .option('--cache <dir>', 'run cache directory (default: .cache/ratchet in the project, or <out>/cache)')
    .option('--out <dir>', "where snapshots and the built site go (default: the project's data/snapshots and dist/)")
    .option('--as-of <ISO time>', 'the analysis instant (default: now); the same data and as-of give the same report')
    .option('--gcs-endpoint <url>', 'another GCS JSON API endpoint (an emulator); STORAGE_EMULATOR_HOST works too')
    .option('--concurrency <n>', 'parallel requests while fetching')
    .option('-q, --quiet', 'print only the final summary');
}

function addFetchOptions(command: Command): Command {
  return command
    .option(
      '--deadline <minutes>',
      'stop starting new work this many minutes into the fetch and keep what was read; runs not reached are listed in data quality and read next time',
    )
    .option('--workers <n>', 'threads that parse runs while fetching (0: the main thread only; default one per core, at most 4)');
}

function addSiteOptions(command: Command): Command {
  return command
    .addOption(new Option('--base <path>', 'base path of the site, e.g. /ratchet/ for a GitHub Pages project site').env('RATCHET_BASE'))
    .addOption(new Option('--site <url>', "the site's public origin, e.g. https://org.github.io").env('RATCHET_SITE'));
}

interface Resolved {
  loaded: LoadedConfig;
  paths: OutputPaths;
  asOf: Date;
}

async function resolveCommon(options: CommonOptions): Promise<Resolved> {
  const loaded = await loadConfig(options.config);
  const asOfText = options.asOf ?? loaded.config.asOf;
  const asOf = asOfText ? new Date(asOfText) : new Date();
  if (Number.isNaN(asOf.getTime())) throw new UsageError(`--as-of "${asOfText}" is not a valid ISO 8601 time (e.g. 2026-11-28T06:00:00Z)`);
  const out = options.out ?? (loaded.config.out ? path.resolve(loaded.baseDir, loaded.config.out) : undefined);
  const cache = options.cache ?? (loaded.config.cache ? path.resolve(loaded.baseDir, loaded.config.cache) : undefined);
  return { loaded, paths: outputPaths(out, cache), asOf };
}

async function stageSettings(options: CommonOptions, resolved: Resolved, deadline?: number): Promise<StageSettings> {
  const spec = options.source ?? resolved.loaded.config.source;
  if (!spec) throw new UsageError('no source: pass --source <dir | gs://bucket[/prefix]> or set "source" in the config');
  const baseDir = options.source ? process.cwd() : resolved.loaded.baseDir;
  const gcs = resolved.loaded.config.gcs;
  const concurrency = parseConcurrency(options.concurrency) ?? gcs.concurrency;
  const endpoint = options.gcsEndpoint ?? gcs.endpoint;
  const source = await openSource(spec, baseDir, {
    ...(endpoint ? { gcsEndpoint: endpoint } : {}),
    ...(concurrency ? { concurrency } : {}),
    ...(gcs.requestTimeoutMs ? { requestTimeoutMs: gcs.requestTimeoutMs } : {}),
    ...(gcs.retries !== undefined ? { retries: gcs.retries } : {}),
    ...(deadline ? { deadline } : {}),
  });
  return { config: resolved.loaded.config, source, paths: resolved.paths, asOf: resolved.asOf, baseDir: resolved.loaded.baseDir };
}

function parseDeadline(value: string | undefined, fromConfig: number | undefined): number | undefined {
  if (value === undefined) return fromConfig === undefined ? undefined : Date.now() + fromConfig * 60_000;
  const minutes = Number(value);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new UsageError(`--deadline ${value}: expected a number of minutes greater than 0, e.g. --deadline 45`);
  return Date.now() + minutes * 60_000;
}

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new UsageError(`--workers ${value}: expected a whole number from 0 to 64`);
  return n;
}

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 512) throw new UsageError(`--concurrency ${value}: expected a whole number from 1 to 512`);
  return n;
}

const log = (quiet: boolean | undefined, line: string): void => {
  if (!quiet) process.stdout.write(`${line}\n`);
};

async function runFetch(options: CommonOptions, resolved: Resolved): Promise<{ settings: StageSettings; report: FetchReport }> {
  // The deadline counts from here, so a scheduled job can size it against its own timeout.
  const deadline = parseDeadline(options.deadline, resolved.loaded.config.gcs.deadlineMinutes);
  const workers = parseWorkers(options.workers) ?? resolved.loaded.config.gcs.workers;
  const settings = await stageSettings(options, resolved, deadline);
  const progress = createProgressReporter(process.stderr, options.quiet);
  const started = Date.now();
  try {
    const report = await fetchStage(settings, {
      onProgress: (p) => progress.update(p),
      ...(settings.config.gcs.concurrency ? { concurrency: settings.config.gcs.concurrency } : {}),
      ...(options.concurrency ? { concurrency: Number(options.concurrency) } : {}),
      ...(workers !== undefined ? { workers } : {}),
      ...(deadline !== undefined ? { deadline } : {}),
    });
    progress.stop();
    const s = report.stats;
    process.stdout.write(
      `fetch: ${s.jobs} jobs, ${s.runsFound} runs in the window: ${s.runsFromCache} from the cache, ${s.runsFetched} read from ${settings.source.description}` +
        ` (${s.objectsRead} objects, ${(s.bytesRead / 1e6).toFixed(1)} MB); ${s.runsPending} unfinished, ${s.runsIncomplete} incomplete, ${s.objectsFailed} objects failed` +
        (s.runsSkipped > 0 ? `; deadline reached: ${s.runsSkipped} runs left for the next fetch` : '') +
        `; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    if (report.discoveryProblems.length > 0) log(options.quiet, `       ${report.discoveryProblems.length} listing problems (see data quality in the report)`);
    return { settings, report };
  } finally {
    progress.stop();
    await settings.source.close?.();
  }
}

async function runAnalyze(options: CommonOptions, resolved: Resolved, settings?: StageSettings): Promise<void> {
  const s = settings ?? (await stageSettings(options, resolved));
  const { snapshot, file } = await analyzeStage(s);
  const h = snapshot.headline;
  process.stdout.write(
    `analyze: snapshot ${snapshot.id} (as of ${snapshot.asOf}): ${h.jobs} jobs (${h.jobsPassing} passing, ${h.jobsDegraded} degraded, ${h.jobsFailing} failing, ${h.jobsStale} stale), ` +
      `${snapshot.coverage.runsRead} runs, ${h.failingTests} failing and ${h.flakyTests} flaky tests, ${regressionLine(snapshot)}${snapshot.dataQuality.problemCount} data-quality problems\n`,
  );
  log(options.quiet, `        written to ${file}`);
}

async function runBuild(options: CommonOptions, resolved: Resolved): Promise<void> {
  const started = Date.now();
  const report = await buildStage(resolved.paths, {
    ...(options.base ? { base: options.base } : {}),
    ...(options.site ? { site: options.site } : {}),
    quiet: true,
  });
  process.stdout.write(
    `build: site written to ${resolved.paths.site} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${report.rendered.length} snapshot(s) rendered, ${report.reused.length} kept unchanged from the archive; ${report.files} files, ${(report.bytes / 1e6).toFixed(1)} MB\n`,
  );
}

function regressionLine(snapshot: import('../snapshot/schema.ts').Snapshot): string {
  const summary = snapshot.regressions?.summary;
  if (!summary) return '';
  const mode = snapshot.regressions!.settings.defaultMode;
  const counts = summary[mode];
  return `${counts.new} new and ${counts.open} open regressions (${mode} mode), `;
}

export function createProgram(): Command {
  const program = new Command('ratchet')
    .description('Regression reports for Prow CI results: fetch, analyse, publish a static site.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');

  addFetchOptions(addCommon(program.command('fetch').description('read runs in the look-back window from the source into the run cache'))).action(
    async (options: CommonOptions) => {
      await runFetch(options, await resolveCommon(options));
    },
  );

  addCommon(program.command('analyze').description('analyse cached runs into a snapshot (<out>/snapshots/<id>/snapshot.json)')).action(
    async (options: CommonOptions) => {
      await runAnalyze(options, await resolveCommon(options));
    },
  );

  addSiteOptions(addCommon(program.command('build').description('build the static site from the snapshots'))).action(async (options: CommonOptions) => {
    await runBuild(options, await resolveCommon(options));
  });

  addFetchOptions(addSiteOptions(addCommon(program.command('run').description('fetch, analyze and build in one go')))).action(
    async (options: CommonOptions) => {
      const resolved = await resolveCommon(options);
      const { settings } = await runFetch(options, resolved);
      await runAnalyze(options, resolved, settings);
      await runBuild(options, resolved);
    },
  );

  addSiteOptions(addCommon(program.command('preview').description('serve the built site locally')))
    .option('--port <port>', 'port to listen on', '4321')
    .action(async (options: CommonOptions & { port: string }) => {
      const resolved = await resolveCommon(options);
      if (!existsSync(path.join(resolved.paths.site, 'index.html')))
        throw new UsageError(`no site in ${resolved.paths.site}: run \`npx ratchet build\` (or \`npm start\`) first`);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${options.port}: expected a port number`);
      const server = await serveStatic(resolved.paths.site, { ...(options.base ? { base: options.base } : {}), port });
      process.stdout.write(`preview: serving ${resolved.paths.site} at ${server.url} (Ctrl-C to stop)\n`);
      await new Promise(() => {});
    });

  return program;
}

/** Run the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`ratchet: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`ratchet: failed: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
