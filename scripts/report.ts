/**
 * The scheduled report's steps, as `.github/workflows/report.yml` runs them (and test/report-script.test.ts does,
 * against a local bucket and a git+file store), so the workflow stays a list of `npm run` lines:
 *
 *   npm run report:build     fetch, analyse and build into $RATCHET_OUT (default out/), restoring from the archive
 *                            store first; what the store lacks is staged in $RATCHET_OUT/staged for the push job
 *   npm run report:summary   the newest snapshot's summary as Markdown, appended to $GITHUB_STEP_SUMMARY when set
 *   npm run report:push      add the staged snapshots to the archive store (the job with write access, after the
 *                            site is deployed)
 *
 * Settings come from the environment the workflow sets: RATCHET_CONFIG (default .github/ratchet.config.json),
 * RATCHET_ARCHIVE_STORE, RATCHET_SOURCE and RATCHET_JOBS (repository variables), AS_OF and JOBS (a manual run's
 * inputs, which win), RATCHET_DEADLINE (minutes), RATCHET_BASE and RATCHET_SITE (from configure-pages).
 *
 * Credentials: a GITHUB_TOKEN in the environment is offered to git for github.com only, through a credential
 * helper given in the environment (GIT_CONFIG_*): never on a command line, in a URL or in a file. A GCS store uses
 * Application Default Credentials (Workload Identity Federation in the workflow).
 */
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { resolvePlan } from '../src/config/run-plan.ts';
import { summaryStage } from '../src/pipeline.ts';

const env = process.env;
const out = path.resolve(env.RATCHET_OUT || 'out');
const staged = path.join(out, 'staged');
const store = env.RATCHET_ARCHIVE_STORE || undefined;
const config = env.RATCHET_CONFIG || '.github/ratchet.config.json';

if (env.GITHUB_TOKEN && !env.GIT_CONFIG_COUNT) {
  env.GIT_CONFIG_COUNT = '1';
  env.GIT_CONFIG_KEY_0 = 'credential.https://github.com.helper';
  // The helper reads the token from its own environment when git asks; the token is never written down.
  env.GIT_CONFIG_VALUE_0 = '!f() { test "$1" = get && echo username=x-access-token && echo "password=$GITHUB_TOKEN"; }; f';
}

const optional = (flag: string, value: string | undefined): string[] => (value ? [flag, value] : []);

const run = (args: string[]): Promise<number> => main(args);

const step = process.argv[2];
let code: number;
switch (step) {
  case 'build':
    code = await run([
      'run',
      '--config',
      config,
      '--out',
      out,
      ...optional('--source', env.RATCHET_SOURCE),
      ...optional('--as-of', env.AS_OF),
      ...optional('--jobs', env.JOBS || env.RATCHET_JOBS),
      ...optional('--deadline', env.RATCHET_DEADLINE),
      ...(store ? ['--archive-store', store, '--stage-push', staged] : []),
    ]);
    break;
  case 'summary': {
    // What `ratchet summary` prints, through the same plan (base and site from RATCHET_BASE and RATCHET_SITE).
    const plan = resolvePlan(await loadConfig(config), {
      out,
      ...(env.RATCHET_BASE ? { base: env.RATCHET_BASE } : {}),
      ...(env.RATCHET_SITE ? { site: env.RATCHET_SITE } : {}),
    });
    const markdown = await summaryStage(plan);
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, markdown);
    process.stdout.write(markdown);
    code = 0;
    break;
  }
  case 'push':
    if (!store) {
      console.log('report:push: no RATCHET_ARCHIVE_STORE; nothing to push');
      code = 0;
    } else if (!existsSync(staged)) {
      console.log(`report:push: nothing staged in ${staged}; the store held everything`);
      code = 0;
    } else {
      code = await run(['archive', 'push', staged, '--config', config, '--archive-store', store]);
    }
    break;
  default:
    console.error(`report: unknown step "${step ?? ''}"; expected build, summary or push`);
    code = 2;
}
process.exitCode = code;
