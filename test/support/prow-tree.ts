/**
 * Builds small Prow-layout bucket trees in a temporary directory for tests: the same files Prow
 * writes (started.json, finished.json, prowjob.json, JUnit, disruption), in the same places.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TreeTest {
  name: string;
  suite?: string;
  /** pass, fail, flake (a failing and a passing case), skip */
  status: 'pass' | 'fail' | 'flake' | 'skip';
  message?: string;
}

export interface TreeRun {
  job: string;
  buildId: string;
  /** epoch seconds */
  start: number;
  durationSec?: number;
  result?: 'SUCCESS' | 'FAILURE' | 'ABORTED' | 'success' | 'failure' | 'aborted' | 'error';
  /** No finished.json: the run is still going (prowjob.json says pending). */
  pending?: boolean;
  tests?: TreeTest[];
  /** backend → Go duration string, one map per disruption file */
  disruption?: Array<Record<string, string>>;
  pr?: number;
  payloadTag?: string;
  /** extra files: path relative to the run folder → content */
  extra?: Record<string, string>;
  /** replace a root file's content (e.g. broken JSON) */
  override?: Partial<Record<'started.json' | 'finished.json' | 'prowjob.json', string>>;
}

/** Every directory tempDir() has made in this test file and not yet removed. */
const tempDirs: string[] = [];

/** A new directory under the system temp directory, removed after the test file's tests (test/support/setup.ts). */
export function tempDir(prefix = 'ratchet-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory tempDir() has made; test/support/setup.ts calls it after each test file. */
export function removeTempDirs(): void {
  // force: a test may already have removed its directory itself.
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function write(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function junitXml(tests: TreeTest[], suiteName = 'openshift-tests'): string {
  const cases: string[] = [];
  for (const t of tests) {
    const name = escapeXml(t.name);
    const failure = `<failure message="${escapeXml(t.message ?? 'failed')}">${escapeXml(t.message ?? 'failed')}</failure>`;
    if (t.status === 'pass') cases.push(`  <testcase name="${name}" time="1.5"></testcase>`);
    if (t.status === 'fail') cases.push(`  <testcase name="${name}" time="2">${failure}</testcase>`);
    if (t.status === 'flake') cases.push(`  <testcase name="${name}" time="2">${failure}</testcase>`, `  <testcase name="${name}" time="1"></testcase>`);
    if (t.status === 'skip') cases.push(`  <testcase name="${name}" time="0"><skipped message="skipped"/></testcase>`);
  }
  const failures = tests.filter((t) => t.status !== 'pass' && t.status !== 'skip').length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${suiteName}" tests="${cases.length}" failures="${failures}" skipped="0" time="100">\n${cases.join('\n')}\n</testsuite>\n`;
}

/** Write runs into <root>; returns each run's folder (bucket-relative). */
export function writeTree(root: string, runs: TreeRun[], bucket = 'test-bucket'): string[] {
  const folders: string[] = [];
  for (const run of runs) {
    const folder = run.pr !== undefined ? `pr-logs/pull/${run.pr}/${run.job}/${run.buildId}/` : `logs/${run.job}/${run.buildId}/`;
    folders.push(folder);
    const dir = path.join(root, folder);
    const end = run.start + (run.durationSec ?? 3600);
    const result = run.result ?? (run.tests?.some((t) => t.status === 'fail') ? 'FAILURE' : 'SUCCESS');
    write(
      path.join(dir, 'started.json'),
      run.override?.['started.json'] ?? JSON.stringify({ timestamp: run.start, ...(run.pr !== undefined ? { pull: String(run.pr) } : {}) }),
    );
    if (!run.pending) {
      write(path.join(dir, 'finished.json'), run.override?.['finished.json'] ?? JSON.stringify({ timestamp: end, passed: /success/i.test(result), result }));
    }
    const prowjob = {
      kind: 'ProwJob',
      metadata: { annotations: run.payloadTag ? { 'release.openshift.io/tag': run.payloadTag } : {} },
      spec: { type: run.pr !== undefined ? 'presubmit' : 'periodic', job: run.job },
      status: {
        state: run.pending ? 'pending' : result.toLowerCase(),
        startTime: new Date(run.start * 1000).toISOString(),
        ...(run.pending ? {} : { completionTime: new Date(end * 1000).toISOString() }),
        build_id: run.buildId,
      },
    };
    write(path.join(dir, 'prowjob.json'), run.override?.['prowjob.json'] ?? JSON.stringify(prowjob));
    write(path.join(dir, 'build-log.txt'), 'log\n');
    if (run.tests) write(path.join(dir, 'artifacts/e2e/openshift-e2e-test/artifacts/junit/junit_e2e__20261120-010203.xml'), junitXml(run.tests));
    (run.disruption ?? []).forEach((file, i) => {
      const entries = Object.fromEntries(
        Object.entries(file).map(([backend, duration]) => [
          backend,
          {
            Name: backend,
            BackendName: backend,
            ConnectionType: backend.includes('reused') ? 'Reused' : 'New',
            DisruptedDuration: duration,
            DisruptionMessages: [],
          },
        ]),
      );
      write(
        path.join(dir, `artifacts/e2e/openshift-e2e-test/artifacts/junit/backend-disruption_2026112${i}-010203.json`),
        JSON.stringify({ BackendDisruptions: entries }),
      );
    });
    for (const [rel, content] of Object.entries(run.extra ?? {})) write(path.join(dir, rel), content);
    if (run.pr !== undefined) write(path.join(root, `pr-logs/directory/${run.job}/${run.buildId}.txt`), `gs://${bucket}/${folder.slice(0, -1)}`);
  }
  return folders;
}
