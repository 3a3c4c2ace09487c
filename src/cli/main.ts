/**
 * `ratchet`: fetch, analyze, build, run (all three), preview, summary, archive push, and junit (how Ratchet reads
 * JUnit files). Exit codes: 0 done, 1 failed, 2 usage error. Scripts drive Ratchet through these names: keep them stable.
 */
import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load-config.ts';
import { normalizeStoreSpec, type PlanFlags, type RunPlan, resolvePlan } from '../config/run-plan.ts';
import {
  alertStage,
  type ArchiveSession,
  analyzeStage,
  archivePushStage,
  buildStage,
  fetchStage,
  type JunitFileReport,
  junitStage,
  type PushReport,
  publishStage,
  type Snapshot,
  summaryStage,
  withArchiveStore,
} from '../pipeline.ts';
import { serveStatic } from '../serve/static-server.ts';
import { describeEnvironmentError, UsageError } from '../util/errors.ts';
import { handleSignals, onExit } from '../util/exit-cleanup.ts';
import { acquireLock } from '../util/output-lock.ts';
import { VERSION } from '../version.ts';
import { createProgressReporter } from './progress.ts';

interface CommonOptions extends PlanFlags {
  config?: string;
}

function addCommon(command: Command): Command {
  return command
    .option('--source <path|gs://bucket[/prefix]>', 'where to read Prow results: a directory laid out like a bucket, or a GCS bucket')
    .option('--config <file>', 'config file (default: ./ratchet.config.json or ./ratchet.config.ts if present)')
    .option('--cache <dir>', 'run cache directory (default: .cache/ratchet in the project, or <out>/cache)')
    .option('--out <dir>', "where snapshots and the built site go (default: the project's data/snapshots and dist/)")
    .option('--as-of <ISO time>', 'the analysis instant (default: now); the same data and as-of give the same report')
    .option('--jobs <regex>', 'only jobs whose name matches this regular expression (replaces jobs.include of the config)')
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

function addArchiveOptions(command: Command): Command {
  return command.option(
    '--archive-store <dir|git+url#branch|gs://bucket/prefix>',
    'the durable archive store (also archive.store): restore from it before the run, add the new snapshot after the site is published',
  );
}

/** Flags, config file and defaults, resolved once into the frozen plan every stage takes. */
async function planFor(options: CommonOptions): Promise<RunPlan> {
  return resolvePlan(await loadConfig(options.config), options);
}

/**
 * One run at a time per output: `work` runs holding the output's lock (the second of two runs waits, and says so).
 * The lock goes when the work ends, on Ctrl-C and SIGTERM too; after a SIGKILL the next run finds its holder gone.
 */
async function withOutputLock(plan: RunPlan, command: string, work: () => Promise<void>): Promise<void> {
  const file = plan.paths.lock;
  const lock = await acquireLock(file, {
    command: `ratchet ${command}`,
    onWait: (holder) =>
      process.stderr.write(`ratchet: waiting for the ${holder.command} that holds ${file} (pid ${holder.pid}, started ${holder.since}) to finish\n`),
  });
  const forget = onExit(() => lock.releaseSync());
  const unhandle = handleSignals();
  try {
    await work();
  } finally {
    unhandle();
    forget();
    await lock.release();
  }
}

const log = (plan: RunPlan, line: string): void => {
  if (!plan.quiet) process.stdout.write(`${line}\n`);
};

async function runFetch(plan: RunPlan): Promise<void> {
  const progress = createProgressReporter(process.stderr, plan.quiet);
  const started = Date.now();
  try {
    const report = await fetchStage(plan, { onProgress: (p) => progress.update(p) });
    progress.stop();
    const s = report.stats;
    process.stdout.write(
      `fetch: ${s.jobs} jobs, ${s.runsFound} runs in the window: ${s.runsFromCache} from the cache, ${s.runsFetched} read from ${report.source}` +
        ` (${s.objectsRead} objects, ${(s.bytesRead / 1e6).toFixed(1)} MB); ${s.runsPending} unfinished, ${s.runsIncomplete} incomplete, ${s.objectsFailed} objects failed` +
        (s.runsSkipped > 0 ? `; deadline reached: ${s.runsSkipped} runs left for the next fetch` : '') +
        `; ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    if (report.discoveryProblems.length > 0) log(plan, `       ${report.discoveryProblems.length} listing problems (see data quality in the report)`);
    if (s.runsOutsideWindow > 0 || s.runsImplausible > 0)
      log(
        plan,
        `       not counted: ${s.runsOutsideWindow} runs read outside the window (just before it, where it begins, or after --as-of), ${s.runsImplausible} with an implausible start`,
      );
  } finally {
    progress.stop();
  }
}

async function runAnalyze(plan: RunPlan): Promise<Snapshot> {
  const { snapshot, file } = await analyzeStage(plan);
  const h = snapshot.headline;
  process.stdout.write(
    `analyze: snapshot ${snapshot.id} (as of ${snapshot.asOf}): ${h.jobs} jobs (${h.jobsPassing} passing, ${h.jobsDegraded} degraded, ${h.jobsFailing} failing, ${h.jobsStale} stale), ` +
      `${snapshot.coverage.runsRead} runs, ${h.failingTests} failing and ${h.flakyTests} flaky tests, ${regressionLine(snapshot)}${snapshot.dataQuality.problemCount} data-quality problems\n`,
  );
  log(plan, `        written to ${file}`);
  return snapshot;
}

/** Alerts after the report is published; a destination that fails is reported, never fatal. */
async function runAlerts(plan: RunPlan, snapshot: Snapshot): Promise<void> {
  const report = await alertStage(plan, snapshot, (line) => process.stderr.write(`ratchet: ${line}\n`));
  if (report.calls === 0 && report.pending === 0 && report.problems.length === 0) return;
  process.stdout.write(
    `alerts: ${report.opened} issues opened, ${report.updated} updated, ${report.closed} closed, ${report.messages} messages sent; ${report.pending} waiting for the next run\n`,
  );
  for (const problem of report.problems) process.stderr.write(`ratchet: alerts: ${problem}\n`);
}

function restoreLine(plan: RunPlan, session: ArchiveSession): void {
  const r = session.restore;
  log(
    plan,
    `archive: ${session.store.description} holds ${r.catalog.ids.length} snapshot(s); restored ${r.entries.length} and ${r.assets} asset(s)` +
      (r.head ? `, and the newest snapshot (${r.head})` : ''),
  );
}

/** Build, then (with a store) add what it lacks, or stage it with --stage-push. */
async function runBuild(plan: RunPlan, session: ArchiveSession | null): Promise<void> {
  const started = Date.now();
  const report = await buildStage(plan, session);
  process.stdout.write(
    `build: site written to ${plan.paths.site} in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${report.rendered.length} snapshot(s) rendered${report.light.length > 0 ? ` (${report.light.length} light)` : ''}, ${report.reused.length} kept unchanged from the archive` +
      (report.elsewhere > 0 ? `, ${report.elsewhere} served from the archive store` : '') +
      `; ${report.files} files, ${(report.bytes / 1e6).toFixed(1)} MB\n`,
  );
  if (session === null) return;
  const published = await publishStage(plan, session, report);
  if (published.staged !== null) process.stdout.write(`archive: staged for the store in ${published.staged} (push it with \`ratchet archive push\`)\n`);
  else process.stdout.write(`archive: ${pushLine(published.push!, session.store.description)}\n`);
  const p = published.pruned;
  if (p.entries.length + p.snapshots.length > 0)
    log(
      plan,
      `         the store holds them: ${p.entries.length} older snapshot(s) and ${p.snapshots.length} snapshot JSON file(s) removed from ${path.dirname(plan.paths.archive)}`,
    );
}

function pushLine(push: PushReport, store: string): string {
  return (
    `${push.added.length > 0 ? `added ${push.added.join(', ')} to ${store}` : `${store} already held everything`}` +
    (push.attempts > 1 ? ` (${push.attempts} attempts: another run pushed meanwhile)` : '') +
    (push.head === 'replaced' ? '; newest snapshot kept as its head' : '')
  );
}

/** One line per file: what was counted and, for a damaged or odd file, the problem a run record would list. */
function junitLine(r: JunitFileReport): string {
  const counts = `${r.cases} cases (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped, ${r.flaked} flaked), ${r.tests} tests`;
  const problem = r.problem === null ? '' : `\n  ${r.partial ? 'damaged' : 'note'}: ${r.problem}`;
  return `${r.file}: ${counts}${problem}\n`;
}

function regressionLine(snapshot: Snapshot): string {
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
      const plan = await planFor(options);
      await withOutputLock(plan, 'fetch', () => runFetch(plan));
    },
  );

  addCommon(program.command('analyze').description('analyse cached runs into a snapshot (<out>/snapshots/<id>/snapshot.json)')).action(
    async (options: CommonOptions) => {
      const plan = await planFor(options);
      await withOutputLock(plan, 'analyze', async () => {
        await runAnalyze(plan);
      });
    },
  );

  addArchiveOptions(addSiteOptions(addCommon(program.command('build').description('build the static site from the snapshots')))).action(
    async (options: CommonOptions) => {
      const plan = await planFor(options);
      await withOutputLock(plan, 'build', () =>
        withArchiveStore(plan, async (session) => {
          if (session) restoreLine(plan, session);
          await runBuild(plan, session);
        }),
      );
    },
  );

  addArchiveOptions(
    addFetchOptions(
      addSiteOptions(addCommon(program.command('run').description('fetch, analyze and build in one go, then send the alerts the config asks for'))),
    ),
  )
    .option(
      '--stage-push <dir>',
      'instead of pushing to the archive store, write what it lacks to this directory (push it later with `ratchet archive push <dir>`)',
    )
    .action(async (options: CommonOptions) => {
      const plan = await planFor(options);
      // One lock around all of it, so that another run cannot slip in between the steps.
      await withOutputLock(plan, 'run', () =>
        withArchiveStore(plan, async (session) => {
          if (session) restoreLine(plan, session);
          await runFetch(plan);
          const snapshot = await runAnalyze(plan);
          await runBuild(plan, session);
          await runAlerts(plan, snapshot);
        }),
      );
    });

  addSiteOptions(program.command('summary').description("print the newest published snapshot's summary as Markdown (for a CI step summary)"))
    .option('--config <file>', 'config file')
    .option('--out <dir>', 'where the built site is (<out>/site; default dist/)')
    .action(async (options: CommonOptions) => {
      process.stdout.write(await summaryStage(await planFor(options)));
    });

  const archive = program.command('archive').description('the durable archive store');
  addArchiveOptions(
    archive
      .command('push')
      .description('copy every snapshot of a staged directory store (ratchet run --stage-push <dir>) that the archive store lacks into it')
      .argument('<staged-dir>', 'the directory --stage-push wrote')
      .option('--config <file>', 'config file')
      .option('--gcs-endpoint <url>', 'another GCS JSON API endpoint (an emulator)')
      .option('-q, --quiet', 'print only the final line'),
  ).action(async (staged: string, options: CommonOptions) => {
    const plan = await planFor(options);
    const push = await archivePushStage(plan, normalizeStoreSpec(staged, process.cwd()));
    process.stdout.write(`archive: ${pushLine(push, plan.archive.store ?? '')}\n`);
  });

  addSiteOptions(addCommon(program.command('preview').description('serve the built site locally')))
    .option('--port <port>', 'port to listen on', '4321')
    .action(async (options: CommonOptions & { port: string }) => {
      const { paths, site } = await planFor(options);
      if (!existsSync(path.join(paths.site, 'index.html')))
        throw new UsageError(`no site in ${paths.site}: run \`npx ratchet build\` (or \`npm start\`) first`);
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${options.port}: expected a port number`);
      const server = await serveStatic(paths.site, { base: site.base, port });
      process.stdout.write(`preview: serving ${paths.site} at ${server.url} (Ctrl-C to stop)\n`);
      await new Promise(() => {});
    });

  program
    .command('junit')
    .description('show how Ratchet reads JUnit files: counts per file, and the problem a damaged file would be listed with')
    .argument('<paths...>', 'JUnit XML files, or directories searched for *.xml')
    .option('--json', 'one JSON object per file and line: file, cases, passed, failed, skipped, flaked, tests, partial, problem')
    .action(async (paths: string[], options: { json?: boolean }) => {
      const files = await junitStage(paths, (report) => process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : junitLine(report)));
      if (files === 0) process.stderr.write(`ratchet junit: no .xml files under ${paths.join(', ')}\n`);
    });

  return program;
}

/** Run the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  const override = (command: Command): void => {
    command.exitOverride();
    for (const sub of command.commands) override(sub);
  };
  override(program);
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
    // A full disk or a refused write: what and where, and what to do; a stack trace would only hide that.
    const environment = describeEnvironmentError(error);
    if (environment !== undefined) {
      process.stderr.write(`ratchet: ${environment}\n`);
      return 1;
    }
    process.stderr.write(`ratchet: failed: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
