/**
 * One result per test per run from the JUnit cases of all the run's files. openshift-tests retries
 * a failed test and writes both attempts as separate <testcase> elements with the same name, and
 * upgrade jobs write several JUnit files, so cases are keyed by (suite, name) across all files.
 */
import type { JunitCase } from './junit-parser.ts';
import type { TestResult, TestStatus } from './run-record.ts';

interface Tally {
  suite: string;
  name: string;
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
  const tallies = new Map<string, Tally>();
  for (const c of cases) {
    // NUL cannot occur in XML text, so it cannot make two different keys collide.
    const key = `${c.suite}\u0000${c.name}`;
    let t = tallies.get(key);
    if (t === undefined) {
      t = { suite: c.suite, name: c.name, failed: false, passed: false, durationSec: 0, message: undefined };
      tallies.set(key, t);
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
  for (const t of tallies.values()) {
    const status: TestStatus = t.failed ? (t.passed ? 'flake' : 'fail') : t.passed ? 'pass' : 'skip';
    const r: TestResult = { suite: t.suite, name: t.name, status, durationSec: t.durationSec };
    if (t.message !== undefined) r.message = t.message;
    results.push(r);
  }
  return results.sort((a, b) => compare(a.suite, b.suite) || compare(a.name, b.name));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
