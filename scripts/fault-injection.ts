/**
 * The fault-injection run CI does (test/fault-injection-script.test.ts runs it in `npm test`): a small Prow tree
 * with hostile and unlucky objects in it, and `ratchet run` killed with SIGKILL at random points, then run normally.
 *
 *   node scripts/fault-injection.ts [--seed 13] [--kills 5] [--keep]
 *
 * The tree holds, next to healthy jobs: a run whose started.json says timestamp 0 (newest of its job), a directory
 * symlink out of the tree with a test named SECRET-OUTSIDE-CONTENT behind it, a symlinked top-level folder, a
 * finished.json over its size limit, and a started.json nested 50,000 levels deep.
 *
 * 1. Reference: `ratchet run` twice on a fresh --out (the second reads everything from the cache).
 * 2. Faults: on another --out, `ratchet run` killed with SIGKILL `--kills` times, kill k at a random point of the
 *    k-th of `--kills` equal parts of the reference run's duration (seeded: the same seed kills at the same
 *    moments), then two normal runs.
 * 3. Checks: the normal runs exit 0; the second's snapshot.json is byte for byte the reference's second (the first
 *    differs only in how many runs came from the cache); every killed run's child processes stopped; no lock file,
 *    staging, assembly or temporary directory of a killed run is left; the secret is nowhere in either --out; the
 *    implausible start, the refused symlinks and the too-large objects are listed in data quality.
 *
 * Prints what it did and found; exits 1 when a check fails.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildIdFor } from '../src/sample/format.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { mulberry32 } from '../src/util/mulberry32.ts';
import { AS_OF_ISO, AS_OF_S } from '../test/support/constants.ts';
import { type TreeRun, writeTree } from '../test/support/prow-tree.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'scripts', 'ratchet.js');
const SECRET = 'SECRET-OUTSIDE-CONTENT';
const JOBS = ['periodic-ci-example-e2e-aws', 'periodic-ci-example-e2e-gcp', 'periodic-ci-example-upgrade'];
const PRESUBMIT = 'pull-ci-example-e2e-aws';

const { values: args } = parseArgs({
  options: { seed: { type: 'string', default: '13' }, kills: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } },
});
const seed = Number(args.seed);
const kills = Number(args.kills);

const work = path.join(os.tmpdir(), `ratchet-faults-${process.pid}`);
const failures: string[] = [];
const check = (ok: boolean, what: string): void => {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

/** The tree: three healthy jobs of 30 runs (6-hourly) and a presubmit, with the faults described above. */
function writeFaultyTree(tree: string, outside: string): void {
  const runs: TreeRun[] = [];
  for (const job of JOBS) {
    for (let i = 0; i < 30; i++) {
      const start = AS_OF_S - 3600 - i * 6 * 3600;
      runs.push({
        job,
        buildId: buildIdFor(start * 1000 - 60_000),
        start,
        tests: [
          { name: 'always passes', status: 'pass' },
          { name: `sometimes fails in ${job}`, status: i % 5 === 2 ? 'fail' : i % 7 === 3 ? 'flake' : 'pass', message: `failed in run ${i}` },
        ],
        disruption: [{ 'kube-api-new-connections': `${i % 4}s` }],
      });
    }
  }
  for (let i = 0; i < 6; i++) {
    const start = AS_OF_S - 7200 - i * 20_000;
    runs.push({ job: PRESUBMIT, buildId: buildIdFor(start * 1000 - 60_000), start, pr: 100 + i, tests: [{ name: 'always passes', status: 'pass' }] });
  }
  const folders = writeTree(tree, runs);
  const folderOf = (job: string, i: number): string => folders[runs.findIndex((r) => r.job === job) + i]!;
  // Newest run of the first job: timestamp 0.
  writeFileSync(path.join(tree, folderOf(JOBS[0]!, 0), 'started.json'), '{"timestamp": 0}');
  // A finished.json over the 1 MB limit the config sets, and a started.json nested 50,000 levels deep.
  writeFileSync(path.join(tree, folderOf(JOBS[1]!, 3), 'finished.json'), JSON.stringify({ timestamp: AS_OF_S, passed: true, pad: 'x'.repeat(1_200_000) }));
  writeFileSync(
    path.join(tree, folderOf(JOBS[2]!, 4), 'started.json'),
    `{"timestamp": ${AS_OF_S - 3600 - 4 * 6 * 3600}, "x": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
  );
  // Outside the tree: a presubmit run and a job carrying the secret, reached through symlinks.
  const secretRun: TreeRun = {
    job: PRESUBMIT,
    buildId: '2126000000000000001',
    start: AS_OF_S - 3600,
    pr: 7,
    tests: [{ name: SECRET, status: 'fail', message: SECRET }],
  };
  writeTree(outside, [secretRun, { ...secretRun, job: 'periodic-ci-secret', pr: undefined }]);
  symlinkSync(path.join(outside, 'pr-logs', 'pull', '7'), path.join(tree, 'pr-logs', 'pull', 'evil'));
  writeFileSync(path.join(tree, 'pr-logs', 'directory', PRESUBMIT, `${secretRun.buildId}.txt`), `gs://b/pr-logs/pull/evil/${PRESUBMIT}/${secretRun.buildId}`);
  symlinkSync(path.join(outside, 'logs', 'periodic-ci-secret'), path.join(tree, 'logs', 'periodic-ci-secret'));
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
  /** Child processes seen just before a kill. */
  children: number[];
}

/** `ratchet run` on `out`; with `killAfterMs`, SIGKILLed then (its children noted just before). */
function ratchetRun(tree: string, out: string, config: string, killAfterMs?: number): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'run', '--source', tree, '--out', out, '--config', config, '--as-of', AS_OF_ISO, '--quiet'], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const children: number[] = [];
  const timer =
    killAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          children.push(...childrenOf(child.pid!));
          child.kill('SIGKILL');
        }, killAfterMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ms: performance.now() - started, stdout, stderr, children });
    });
  });
}

/** Live (non-zombie) processes whose parent is `pid`, from /proc (empty elsewhere). */
function childrenOf(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
  }
  return out;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

const alive = (pid: number): boolean => {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z';
};

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

function snapshotText(out: string): string | undefined {
  const dir = path.join(out, 'snapshots');
  const ids = existsSync(dir) ? readdirSync(dir) : [];
  return ids.length === 1 ? readFileSync(path.join(dir, ids[0]!, 'snapshot.json'), 'utf8') : undefined;
}

/** The snapshot without the two figures that say how many runs came from the cache. */
function withoutCacheCounts(text: string): string {
  const snapshot = JSON.parse(text) as Snapshot;
  const { runsFromCache: _c, runsFetched: _f, ...coverage } = snapshot.coverage;
  return JSON.stringify({ ...snapshot, coverage });
}

function filesContaining(dir: string, needle: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => readFileSync(f).includes(needle));
}

/** Whatever a run leaves only while it runs: the lock, temporary folders and files. */
function leftovers(out: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(out, path.join(entry.parentPath, entry.name));
    if (/(^|\/)(\.ratchet\.lock|\.site\.building-|site\.old-|\.incoming-|\.aside-)/.test(rel) || rel.endsWith('.tmp')) found.push(rel);
  }
  return found;
}

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  const tree = path.join(work, 'bucket');
  const outside = path.join(work, 'outside');
  mkdirSync(tree, { recursive: true });
  writeFaultyTree(tree, outside);
  const config = path.join(work, 'ratchet.config.json');
  writeFileSync(config, JSON.stringify({ limits: { metadataMB: 1 } }));
  console.log(`fault injection, seed ${seed}: tree in ${tree}`);

  const reference = path.join(work, 'reference');
  const r1 = await ratchetRun(tree, reference, config);
  // The first run's snapshot, before the second replaces it (same data, same as-of: same id).
  const ref1Text = snapshotText(reference);
  const r2 = await ratchetRun(tree, reference, config);
  const ref2Text = snapshotText(reference);
  console.log(`reference: two runs, ${(r1.ms / 1000).toFixed(1)} s and ${(r2.ms / 1000).toFixed(1)} s`);
  check(r1.code === 0 && r2.code === 0, `reference runs exit 0 (${r1.code}, ${r2.code}${r1.stderr || r2.stderr ? `: ${(r1.stderr + r2.stderr).trim()}` : ''})`);
  if (ref1Text === undefined || ref2Text === undefined) {
    finish();
    return;
  }

  const faulted = path.join(work, 'faulted');
  const random = mulberry32(seed);
  const stillRunning: number[] = [];
  for (let k = 1; k <= kills; k++) {
    // Kill k falls at a random point of the k-th of `kills` equal parts of a run: startup, fetch, analysis, build.
    const delay = Math.round(((k - 1 + random()) / kills) * r1.ms);
    const result = await ratchetRun(tree, faulted, config, delay);
    const phase = /build:/.test(result.stdout)
      ? 'after build'
      : /analyze:/.test(result.stdout)
        ? 'while building'
        : /fetch:/.test(result.stdout)
          ? 'while analysing'
          : 'while starting or fetching';
    // A child notices its parent's death when its event loop next runs: on a loaded machine that can take a while.
    const left = await waitGone(result.children, 30_000);
    stillRunning.push(...left);
    console.log(
      `kill ${k}: SIGKILL after ${delay} ms (${phase}); ${result.signal === 'SIGKILL' ? 'killed' : `had exited ${result.code}`}, ${result.children.length} child process(es), ${left.length} still running 30 s later`,
    );
  }
  check(stillRunning.length === 0, `no child of a killed run still runs (${stillRunning.join(', ') || 'none'})`);

  const n1 = await ratchetRun(tree, faulted, config);
  const n1Text = snapshotText(faulted);
  const n2 = await ratchetRun(tree, faulted, config);
  const n2Text = snapshotText(faulted);
  check(
    n1.code === 0 && n2.code === 0,
    `normal runs after the kills exit 0 (${n1.code}, ${n2.code}${n1.stderr || n2.stderr ? `: ${(n1.stderr + n2.stderr).trim()}` : ''})`,
  );
  check(
    n1Text !== undefined && withoutCacheCounts(n1Text) === withoutCacheCounts(ref1Text),
    'the first normal run gives the reference snapshot (all but its cache counts)',
  );
  check(n2Text === ref2Text, 'the second normal run gives the reference snapshot byte for byte');
  check(leftovers(faulted).length === 0, `nothing of the killed runs is left in --out (${leftovers(faulted).join(', ') || 'nothing'})`);
  const staging = path.join(ROOT, '.astro');
  const orphanedStaging = existsSync(staging)
    ? readdirSync(staging).filter((name) => {
        const pid = /^staging-(\d+)\./.exec(name)?.[1];
        return pid !== undefined && !alive(Number(pid));
      })
    : [];
  check(orphanedStaging.length === 0, `no staging directory of a dead build under .astro/ (${orphanedStaging.join(', ') || 'none'})`);

  check(filesContaining(reference, SECRET).length + filesContaining(faulted, SECRET).length === 0, `${SECRET} is in neither output`);
  const snapshot = JSON.parse(ref2Text) as Snapshot;
  const kinds = snapshot.dataQuality.byKind;
  console.log(`data quality: ${JSON.stringify(kinds)}`);
  check((kinds.implausible ?? 0) === 1, 'the run with timestamp 0 is listed as implausible');
  check((kinds['outside-source'] ?? 0) >= 2, 'both symlinks out of the tree are listed as outside-source');
  check((kinds['too-large'] ?? 0) === 2, 'the 1.2 MB finished.json and the deeply nested started.json are listed as too-large');
  check(
    snapshot.jobs.filter((j) => JOBS.includes(j.name)).every((j) => j.current.runs + j.previous.runs >= 29),
    'every run of the three jobs but the implausible one is counted',
  );
  finish();
}

function finish(): void {
  if (!args.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
  console.log(failures.length === 0 ? 'fault injection: every check passed' : `fault injection: ${failures.length} check(s) failed`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

await main();
