/**
 * The sample generator: determinism, and the shape of the bucket it writes. Facts are counted by
 * reading the generated files (as ingest would), not taken from the generator's internals; the
 * manifest is checked against what the files say.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_END_TIME, PLANTED, buildIdTime, generateSample, renderSample } from '../src/sample/generate.ts';
import type { SampleResult } from '../src/sample/generate.ts';
import { tempDir } from './support/prow-tree.ts';

const DAY_S = 86_400;
const END_S = Date.parse(DEFAULT_END_TIME) / 1000;
const GO_DURATION = /^(0s|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/;

let root: string;
let dirA: string;
let dirB: string;
let first: SampleResult;
let second: SampleResult;

/** Every file under `dir`, as bucket-style relative paths in code-point order. */
function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, rel));
    else out.push(rel);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function read(rel: string): string {
  return readFileSync(join(dirA, rel), 'utf8');
}

function json<T = Record<string, unknown>>(rel: string): T {
  return JSON.parse(read(rel)) as T;
}

function wellFormed(xml: string): boolean {
  const parser = new SaxesParser();
  let ok = true;
  parser.on('error', () => {
    ok = false;
  });
  try {
    parser.write(xml).close();
  } catch {
    ok = false;
  }
  return ok;
}

/** XML character references and the five predefined entities, as in Go-written JUnit. */
function unescapeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

type Status = 'pass' | 'fail' | 'flake' | 'skip';

/** Per-test status in one JUnit file, keyed the way the reference says: failed+passed = flake. */
function junitStatuses(xml: string): { suite: string; tests: Map<string, Status> } {
  const suite = /<testsuite name="([^"]*)"/.exec(xml)?.[1] ?? '';
  const seen = new Map<string, { failed: boolean; passed: boolean; skipped: boolean }>();
  const re = /<testcase name="([^"]*)" time="[^"]*">(?:<\/testcase>|([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const name = unescapeXml(m[1] ?? '');
    const body = m[2] ?? '';
    const entry = seen.get(name) ?? { failed: false, passed: false, skipped: false };
    if (body.includes('<failure')) entry.failed = true;
    else if (body.includes('<skipped')) entry.skipped = true;
    else entry.passed = true;
    seen.set(name, entry);
  }
  const tests = new Map<string, Status>();
  for (const [name, e] of seen) {
    tests.set(name, e.failed && e.passed ? 'flake' : e.failed ? 'fail' : e.passed ? 'pass' : 'skip');
  }
  return { suite, tests };
}

interface Run {
  job: string;
  buildId: string;
  path: string;
  files: string[];
}

/** Runs found in the tree: every directory holding a prowjob.json. */
function runs(files: readonly string[]): Run[] {
  const byPath = new Map<string, Run>();
  for (const f of files) {
    const m = /^(logs\/([^/]+)\/(\d+)\/|pr-logs\/pull\/\d+\/([^/]+)\/(\d+)\/)/.exec(f);
    if (!m) continue;
    const path = m[1] as string;
    let run = byPath.get(path);
    if (!run) {
      run = { job: (m[2] ?? m[4]) as string, buildId: (m[3] ?? m[5]) as string, path, files: [] };
      byPath.set(path, run);
    }
    run.files.push(f.slice(path.length));
  }
  return [...byPath.values()].filter((r) => r.files.includes('prowjob.json'));
}

let files: string[];
let allRuns: Run[];

beforeAll(async () => {
  root = tempDir('ratchet-sample-');
  dirA = join(root, 'a');
  dirB = join(root, 'b');
  first = await generateSample(dirA);
  second = await generateSample(dirB, { seed: 20261128, endTime: '2026-11-28T06:00:00Z' });
  files = walk(dirA);
  allRuns = runs(files);
}, 120_000);

describe('determinism', () => {
  it('gives the same files, bytes and mtimes for the same seed', () => {
    const filesB = walk(dirB);
    expect(filesB).toEqual(files);
    for (const f of files) {
      expect(sha256(join(dirB, f)), f).toBe(sha256(join(dirA, f)));
      expect(statSync(join(dirB, f)).mtimeMs, f).toBe(statSync(join(dirA, f)).mtimeMs);
    }
    expect(second.manifest).toEqual(first.manifest);
    expect(second.bytes).toBe(first.bytes);
  });

  it('gives different content for a different seed', () => {
    // In memory: writing a third tree would only add disk time.
    const other = renderSample({ seed: 7 });
    const paths = other.files.map((f) => f.path);
    expect(paths).not.toEqual(files);
    const contentA = new Map(files.map((f) => [f, sha256(join(dirA, f))]));
    const same = other.files.filter((f) => contentA.get(f.path) === createHash('sha256').update(f.content).digest('hex'));
    // Only run-independent objects could coincide; no run's files do.
    expect(same.filter((f) => !f.path.endsWith('latest-build.txt'))).toEqual([]);
    expect(other.manifest.testRegression.jobs).not.toEqual(first.manifest.testRegression.jobs);
  });

  it('reports what it wrote', () => {
    expect(first.files).toBe(files.length);
    const bytes = files.reduce((sum, f) => sum + statSync(join(dirA, f)).size, 0);
    expect(first.bytes).toBe(bytes);
    expect(first.runs).toBe(allRuns.length);
    // Small enough to generate on first use (about 25 MB).
    expect(bytes).toBeLessThan(30 * 1024 * 1024);
  });
});

describe('bucket layout', () => {
  it('has at least 8 jobs, with real-looking 19-digit build ids that grow with time', () => {
    const jobs = new Set(allRuns.map((r) => r.job));
    expect(jobs.size).toBeGreaterThanOrEqual(8);
    const ordered = [...allRuns].sort((a, b) => a.buildId.length - b.buildId.length || (a.buildId < b.buildId ? -1 : 1));
    let lastStart = 0;
    for (const run of ordered) {
      expect(run.buildId).toMatch(/^\d{19}$/);
      // Snowflake low bits as in the real ids: worker 1, sequence 0.
      expect(BigInt(run.buildId) & 0x3fffffn).toBe(4096n);
      const pj = json<{ status: { pendingTime: string } }>(`${run.path}prowjob.json`);
      // The id encodes the moment the pod was scheduled.
      expect(Math.abs(buildIdTime(run.buildId) - Date.parse(pj.status.pendingTime))).toBeLessThan(1000);
      const started = json<{ timestamp: number }>(`${run.path}started.json`).timestamp;
      expect(started).toBeGreaterThanOrEqual(lastStart - 120);
      lastStart = Math.max(lastStart, started);
    }
  });

  it('covers the 14 days before the end time', () => {
    const starts = allRuns.map((r) => json<{ timestamp: number }>(`${r.path}started.json`).timestamp);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(END_S - 14 * DAY_S);
    expect(Math.max(...starts)).toBeLessThanOrEqual(END_S);
    const days = new Set(starts.map((s) => Math.floor((s - (END_S - 14 * DAY_S)) / DAY_S)));
    expect(days.size).toBe(14);
    // Every periodic job runs every day or two.
    for (const job of new Set(allRuns.filter((r) => r.path.startsWith('logs/')).map((r) => r.job))) {
      const jobDays = new Set(
        allRuns
          .filter((r) => r.job === job)
          .map((r) => Math.floor((json<{ timestamp: number }>(`${r.path}started.json`).timestamp - (END_S - 14 * DAY_S)) / DAY_S)),
      );
      expect(jobDays.size, job).toBeGreaterThanOrEqual(12);
    }
  });

  it('writes latest-build.txt with the newest id of each periodic job', () => {
    for (const job of new Set(allRuns.filter((r) => r.path.startsWith('logs/')).map((r) => r.job))) {
      const ids = allRuns.filter((r) => r.job === job && r.path.startsWith('logs/')).map((r) => BigInt(r.buildId));
      // biome-ignore lint/complexity/useMathMinMax: BigInt ids, which Math.max does not take
      const newest = ids.reduce((a, b) => (a > b ? a : b));
      expect(read(`logs/${job}/latest-build.txt`)).toBe(newest.toString());
    }
  });

  it('has a presubmit under pr-logs/pull/<pr>/ with its directory entries', () => {
    const pres = allRuns.filter((r) => r.path.startsWith('pr-logs/pull/'));
    expect(pres.length).toBeGreaterThanOrEqual(5);
    const job = pres[0]?.job as string;
    const directory = files.filter((f) => f.startsWith(`pr-logs/directory/${job}/`) && /\/\d+\.txt$/.test(f));
    expect(directory).toHaveLength(pres.length);
    for (const run of pres) {
      expect(read(`pr-logs/directory/${job}/${run.buildId}.txt`)).toBe(`gs://test-platform-results/${run.path.slice(0, -1)}`);
      const pj = json<{ spec: { type: string; refs: { pulls: Array<{ number: number }> } } }>(`${run.path}prowjob.json`);
      expect(pj.spec.type).toBe('presubmit');
      expect(run.path).toBe(`pr-logs/pull/${pj.spec.refs.pulls[0]?.number}/${job}/${run.buildId}/`);
      const started = json<{ pull?: string }>(`${run.path}started.json`);
      expect(started.pull).toBe(String(pj.spec.refs.pulls[0]?.number));
    }
    // biome-ignore lint/complexity/useMathMinMax: BigInt ids, which Math.max does not take
    const newest = pres.map((r) => BigInt(r.buildId)).reduce((a, b) => (a > b ? a : b));
    expect(read(`pr-logs/directory/${job}/latest-build.txt`)).toBe(newest.toString());
    for (const pr of new Set(pres.map((r) => r.path.split('/')[2]))) {
      expect(files).toContain(`pr-logs/pull/${pr}/${job}/latest-build.txt`);
    }
  });

  it('writes prowjob.json, started.json and (when done) finished.json in both casings', () => {
    const results = new Set<string>();
    let crier = 0;
    for (const run of allRuns) {
      const pj = json<{ kind: string; spec: { job: string; type: string }; status: { state: string; build_id: string; url: string } }>(
        `${run.path}prowjob.json`,
      );
      expect(pj.kind).toBe('ProwJob');
      expect(pj.spec.job).toBe(run.job);
      expect(pj.status.build_id).toBe(run.buildId);
      expect(pj.status.url).toBe(`https://prow.ci.openshift.org/view/gs/test-platform-results/${run.path.slice(0, -1)}`);
      expect(run.files).toContain('started.json');
      if (!run.files.includes('finished.json')) continue;
      const fin = json<{ timestamp: number; passed: boolean; result: string; metadata: Record<string, unknown> }>(`${run.path}finished.json`);
      results.add(fin.result);
      if (fin.metadata.uploader === 'crier') {
        crier++;
        expect(fin.result).toBe(fin.result.toLowerCase());
      }
      expect(fin.result.toLowerCase()).toBe(pj.status.state);
      expect(fin.passed).toBe(pj.status.state === 'success');
    }
    expect(crier).toBeGreaterThan(0);
    expect(results).toEqual(new Set(['SUCCESS', 'FAILURE', 'ABORTED', 'success', 'failure']));
  });

  it('tags nightly and ci runs with their payload, upgrades with the release they start from', () => {
    for (const run of allRuns.filter((r) => r.path.startsWith('logs/'))) {
      const pj = json<{ metadata: { annotations: Record<string, string> } }>(`${run.path}prowjob.json`);
      const tag = pj.metadata.annotations['release.openshift.io/tag'] ?? '';
      expect(tag, run.path).toMatch(/^4\.22\.0-0\.(nightly|ci)-\d{4}-\d{2}-\d{2}-\d{6}$/);
      expect(tag.includes('.nightly-')).toBe(run.job.includes('-nightly-'));
      if (run.job.endsWith('-upgrade')) expect(pj.metadata.annotations['release.openshift.io/from-tag']).toBeTruthy();
    }
  });
});

describe('test results', () => {
  it('writes a few hundred real test names per conformance run, with flakes and skips', () => {
    const junits = files.filter((f) => /\/junit_e2e__\d{8}-\d{6}\.xml$/.test(f));
    expect(junits.length).toBeGreaterThan(300);
    let flakes = 0;
    let skips = 0;
    const flakyTests = new Set<string>();
    for (const f of junits.filter((j) => j.includes('-e2e-aws-ovn-fips/'))) {
      const { suite, tests } = junitStatuses(read(f));
      expect(suite).toBe('openshift-tests');
      expect(tests.size).toBeGreaterThanOrEqual(200);
      expect(tests.size).toBeLessThanOrEqual(400);
      for (const [name, status] of tests) {
        if (status === 'flake') {
          flakes++;
          flakyTests.add(name);
        }
        if (status === 'skip') skips++;
      }
    }
    expect(flakes).toBeGreaterThan(10);
    expect(flakyTests.size).toBeGreaterThan(5);
    expect(skips).toBeGreaterThan(0);
  });

  it('fails a run exactly when a test or a step failed', () => {
    let checked = 0;
    for (const run of allRuns) {
      if (!run.files.includes('finished.json')) continue;
      const result = json<{ result: string }>(`${run.path}finished.json`).result.toUpperCase();
      if (result === 'ABORTED') continue;
      const junits = run.files.filter((f) => /\/junit_e2e__\d{8}-\d{6}\.xml$/.test(f));
      if (junits.some((f) => !wellFormed(read(run.path + f)))) {
        expect(result).toBe('FAILURE');
        continue;
      }
      const testFailed = junits.some((f) => [...junitStatuses(read(run.path + f)).tests.values()].includes('fail'));
      const stepFailed = read(`${run.path}artifacts/junit_operator.xml`).includes('<failure');
      expect(result, run.path).toBe(testFailed || stepFailed ? 'FAILURE' : 'SUCCESS');
      // No e2e JUnit and a failed step: the install (pre phase) failed.
      if (stepFailed && junits.length === 0)
        expect(read(`${run.path}artifacts/junit_operator.xml`)).toMatch(
          /"Run multi-stage test pre phase" time="[^"]*">\s*<properties><\/properties>\s*<failure/,
        );
      checked++;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('writes junit_operator.xml as a step graph', () => {
    const xml = read(files.find((f) => f.endsWith('/artifacts/junit_operator.xml')) as string);
    expect(xml.startsWith('<testsuites>\n  <testsuite name="step graph"')).toBe(true);
    expect(wellFormed(xml)).toBe(true);
  });
});

describe('upgrade jobs', () => {
  it('have two JUnit files (upgrade, then conformance) and two disruption files per completed run', () => {
    const upgradeRuns = allRuns.filter((r) => r.job.endsWith('-upgrade') && r.files.includes('finished.json'));
    expect(new Set(upgradeRuns.map((r) => r.job)).size).toBeGreaterThanOrEqual(3);
    let full = 0;
    for (const run of upgradeRuns) {
      const junits = run.files.filter((f) => f.includes('/junit_e2e__')).sort();
      if (junits.length === 0) continue; // install failure or aborted
      full++;
      expect(junits, run.path).toHaveLength(2);
      expect(junitStatuses(read(run.path + junits[0])).suite).toBe('openshift-tests-upgrade');
      expect(junitStatuses(read(run.path + junits[1])).suite).toBe('openshift-tests');
      const disruption = run.files.filter((f) => /\/backend-disruption_\d{8}-\d{6}\.json$/.test(f));
      expect(disruption, run.path).toHaveLength(2);
      // Files sit next to the JUnit and share its timestamp suffix.
      for (const f of disruption) expect(junits.map((j) => j.replace(/junit_e2e__(.*)\.xml$/, 'backend-disruption_$1.json'))).toContain(f);
      expect(run.files.filter((f) => /\/cluster-data_\d{8}-\d{6}\.json$/.test(f))).toHaveLength(2);
    }
    expect(full).toBeGreaterThan(100);
  });

  it('write disruption with Go field names, Go durations and both connection types', () => {
    const disruption = files.filter((f) => /\/backend-disruption_\d{8}-\d{6}\.json$/.test(f) && f !== first.manifest.malformedJson.object);
    const durations = new Set<string>();
    for (const f of disruption) {
      const d = json<{ BackendDisruptions: Record<string, { Name: string; BackendName: string; ConnectionType: string; DisruptedDuration: string }> }>(f);
      const names = Object.keys(d.BackendDisruptions);
      expect(names.some((n) => n.endsWith('-new-connections'))).toBe(true);
      expect(names.some((n) => n.endsWith('-reused-connections'))).toBe(true);
      for (const [name, b] of Object.entries(d.BackendDisruptions)) {
        expect(b.Name).toBe(name);
        expect(b.ConnectionType).toBe(name.endsWith('-reused-connections') ? 'Reused' : 'New');
        expect(b.DisruptedDuration).toMatch(GO_DURATION);
        durations.add(b.DisruptedDuration);
      }
    }
    expect(durations.has('0s')).toBe(true);
    expect([...durations].some((d) => /^\d+\.\d+s$/.test(d))).toBe(true);
    const cd = json<Record<string, string>>(files.find((f) => f.includes('-e2e-aws-ovn-upgrade/') && f.includes('/cluster-data_')) as string);
    expect(cd).toMatchObject({
      Release: '4.22',
      FromRelease: '4.21',
      Platform: 'aws',
      Architecture: 'amd64',
      Network: 'ovn',
      Topology: 'ha',
      MasterNodesUpdated: 'Y',
    });
  });
});

describe('planted scenarios', () => {
  it('truncates one JUnit file mid-element', () => {
    const { object, path } = first.manifest.truncatedJunit;
    expect(object.startsWith(path)).toBe(true);
    const xml = read(object);
    expect(wellFormed(xml)).toBe(false);
    expect(xml.trimEnd().endsWith('</testsuite>')).toBe(false);
    expect(xml.slice(xml.lastIndexOf('<'))).toMatch(/^<testcase name="[^"]*$/);
    // Every other JUnit-looking file is well-formed, except the HTML one.
    const bad = files.filter((f) => /junit[^/]*\.xml$/.test(f) && !wellFormed(read(f)));
    expect(bad.sort()).toEqual([object, first.manifest.oddArtifact.object].sort());
  });

  it('has a pending run and a run that died, both without finished.json', () => {
    const missing = allRuns.filter((r) => !r.files.includes('finished.json'));
    const states = missing.map((r) => json<{ status: { state: string } }>(`${r.path}prowjob.json`).status.state).sort();
    expect(states).toEqual(['error', 'pending']);
    const pending = missing.find((r) => json<{ status: { state: string } }>(`${r.path}prowjob.json`).status.state === 'pending') as Run;
    expect(pending.path).toBe(first.manifest.pendingRun.path);
    expect(pending.files.sort()).toEqual(['prowjob.json', 'started.json']);
    expect(json<{ timestamp: number }>(`${pending.path}started.json`).timestamp).toBeGreaterThan(END_S - 3 * 3600);
    expect(first.manifest.runWithoutFinished.path).toBe(missing.find((r) => r !== pending)?.path);
  });

  it('has one aborted run without e2e JUnit', () => {
    const aborted = allRuns.filter(
      (r) => r.files.includes('finished.json') && json<{ result: string }>(`${r.path}finished.json`).result.toUpperCase() === 'ABORTED',
    );
    expect(aborted.map((r) => r.path)).toEqual([first.manifest.abortedRun.path]);
    expect(aborted[0]?.files.some((f) => f.includes('junit_e2e__'))).toBe(false);
  });

  it('has exactly one malformed JSON file and one HTML file posing as JUnit', () => {
    const broken = files.filter((f) => {
      if (!f.endsWith('.json')) return false;
      try {
        JSON.parse(read(f));
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([first.manifest.malformedJson.object]);
    expect(read(first.manifest.oddArtifact.object)).toMatch(/^<!DOCTYPE html>/);
  });

  it('makes the planted test regress on its jobs in the last days, as the manifest says', () => {
    const { testRegression } = first.manifest;
    expect(testRegression.test).toBe(PLANTED.testRegression.test);
    const since = Date.parse(testRegression.since) / 1000;
    for (const expected of testRegression.jobs) {
      const counts = { before: { runs: 0, failures: 0 }, after: { runs: 0, failures: 0 } };
      const failed: string[] = [];
      for (const run of allRuns.filter((r) => r.job === expected.job)) {
        const junit = run.files.find((f) => f.includes('/junit_e2e__'));
        if (!junit) continue;
        const status = junitStatuses(read(run.path + junit)).tests.get(testRegression.test);
        if (status === undefined || status === 'skip') continue;
        const side = json<{ timestamp: number }>(`${run.path}started.json`).timestamp >= since ? 'after' : 'before';
        counts[side].runs++;
        if (status === 'fail') {
          counts[side].failures++;
          if (side === 'after') failed.push(run.buildId);
        }
      }
      expect(counts).toEqual({ before: expected.before, after: expected.after });
      expect(failed.sort()).toEqual([...expected.failedBuildIds].sort());
      expect(counts.before.failures / counts.before.runs).toBeLessThan(0.05);
      expect(counts.after.failures / counts.after.runs).toBeGreaterThan(0.45);
    }
    // Elsewhere the test keeps passing.
    const otherFailures = allRuns
      .filter((r) => !PLANTED.testRegression.jobs.includes(r.job as (typeof PLANTED.testRegression.jobs)[number]))
      .flatMap((r) => r.files.filter((f) => f.includes('/junit_e2e__')).map((f) => r.path + f))
      .filter((f) => f !== first.manifest.truncatedJunit.object)
      .filter((f) => junitStatuses(read(f)).tests.get(testRegression.test) === 'fail');
    expect(otherFailures.length).toBeLessThanOrEqual(3);
  });

  it('makes the planted backend regress on its upgrade job, as the manifest says', () => {
    const d = first.manifest.disruptionRegression;
    const since = Date.parse(d.since) / 1000;
    const before: number[] = [];
    const after: number[] = [];
    for (const run of allRuns.filter((r) => r.job === d.job)) {
      const disruption = run.files.filter((f) => f.includes('/backend-disruption_'));
      if (disruption.length === 0) continue;
      // Ingest rule: sum over files, each rounded up to whole seconds.
      let total = 0;
      for (const f of disruption) {
        const text =
          json<{ BackendDisruptions: Record<string, { DisruptedDuration: string }> }>(run.path + f).BackendDisruptions[d.backend]?.DisruptedDuration ?? '0s';
        const m = /^(?:(\d+)m)?(\d+(?:\.\d+)?)s$/.exec(text);
        total += Math.ceil(Number(m?.[1] ?? 0) * 60 + Number(m?.[2] ?? 0));
      }
      const isAfter = json<{ timestamp: number }>(`${run.path}started.json`).timestamp >= since;
      (isAfter ? after : before).push(total);
      // The backend's availability test (upgrade suite) fails exactly in the regressed period.
      const upgradeJunit = run.files.filter((f) => f.includes('/junit_e2e__')).sort()[0] as string;
      expect(junitStatuses(read(run.path + upgradeJunit)).tests.get(d.relatedTest), run.path).toBe(isAfter ? 'fail' : 'pass');
    }
    expect(before.length).toBe(d.before.runs);
    expect(after.length).toBe(d.after.runs);
    expect(Math.max(...before)).toBe(d.before.maxSeconds);
    expect(Math.max(...before)).toBeLessThanOrEqual(3);
    expect(Math.min(...after)).toBe(d.after.minSeconds);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(10);
    expect(after.length).toBeGreaterThanOrEqual(5);
  });

  it('lists runs whose disruption is zero everywhere', () => {
    for (const ref of first.manifest.zeroDisruptionRuns) {
      const disruption = files.filter((f) => f.startsWith(ref.path) && f.includes('/backend-disruption_'));
      expect(disruption).toHaveLength(2);
      for (const f of disruption) {
        const values = Object.values(json<{ BackendDisruptions: Record<string, { DisruptedDuration: string }> }>(f).BackendDisruptions);
        expect(values.every((b) => b.DisruptedDuration === '0s')).toBe(true);
      }
    }
    expect(first.manifest.zeroDisruptionRuns.length).toBeGreaterThanOrEqual(2);
  });

  it('lists install failures that have a failed step and no e2e JUnit', () => {
    expect(first.manifest.installFailures.length).toBeGreaterThan(3);
    for (const ref of first.manifest.installFailures) {
      expect(files.some((f) => f.startsWith(ref.path) && f.includes('junit_e2e__'))).toBe(false);
      expect(read(`${ref.path}artifacts/junit_operator.xml`)).toContain('<failure');
    }
  });
});
