/**
 * One result per test per run from the JUnit cases of all the run's files. openshift-tests retries
 * a failed test and writes both attempts as separate <testcase> elements with the same name, and
 * upgrade jobs write several JUnit files, so cases are keyed by (suite, name) across all files.
 */
import type { JunitCase } from './junit-parser.ts';
import type { TestResult, TestStatus } from './run-record.ts';

interface Tally {
  failed: boolean;
  passed: boolean;
  durationSec: number;
  message: string | undefined;
}

/**
 * failed and passed → flake; only failed → fail; passed (with or without skips) → pass;
 * only skipped → skip. Durations are summed; the message is the first failure's.
 * Sorted by suite, then name (code-unit order, the same everywhere).
 */
export function combineCases(cases: Iterable<JunitCase>): TestResult[] {
  // Keyed by suite, then name: building and hashing a joined key per case cost as much as parsing the JUnit
  // (bench/ingest.ts, 3,000 cases a run).
  const suites = new Map<string, Map<string, Tally>>();
  for (const c of cases) {
    let byName = suites.get(c.suite);
    if (byName === undefined) {
      byName = new Map();
      suites.set(c.suite, byName);
    }
    let t = byName.get(c.name);
    if (t === undefined) {
      t = { failed: false, passed: false, durationSec: 0, message: undefined };
      byName.set(c.name, t);
    }
    t.durationSec += c.durationSec;
    if (c.outcome === 'failed') {
      t.failed = true;
      t.message ??= c.message;
    } else if (c.outcome === 'passed') {
      t.passed = true;
    }
  }
  const results: TestResult[] = [];
  // sort() without a comparator orders strings by UTF-16 code units, as < does, without a call into JS per pair.
  for (const suite of [...suites.keys()].sort()) {
    const byName = suites.get(suite)!;
    for (const name of [...byName.keys()].sort()) {
      const t = byName.get(name)!;
      const status: TestStatus = t.failed ? (t.passed ? 'flake' : 'fail') : t.passed ? 'pass' : 'skip';
      const r: TestResult = { suite, name, status, durationSec: t.durationSec };
      if (t.message !== undefined) r.message = t.message;
      results.push(r);
    }
  }
  return results;
}
