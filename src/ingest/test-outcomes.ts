/**
 * One result per test per run from the JUnit cases of all the run's files. openshift-tests retries a failed test
 * and writes both attempts as separate <testcase> elements with the same name, and upgrade jobs write several JUnit
 * files, so cases of the same test are combined across all files: a failure and a pass make a flake.
 *
 * What "the same test" is: see testName(). The combine step runs once per run on thousands of cases, so it is
 * written to allocate little and to sort without comparing long names over and over (see NameOrder).
 */
import type { JunitCase } from './junit-parser.ts';
import type { TestResult, TestStatus } from './run-record.ts';

/**
 * A test's name within its suite: the case's name, qualified as "<classname>.<name>" (Jenkins' convention) when the
 * classname tells apart tests that the name alone does not. The identity of a test is (suite, classname, name);
 * written as (suite, testName) it needs no third part in analysis.
 *
 * The classname is left out when it adds nothing: absent or empty; equal to the suite (Surefire, googletest,
 * gotestsum, go-junit-report v2, ginkgo), or the suite's last path or dotted segment or the other way round
 * (go-junit-report v1 writes suite "example.com/pkg/name" and classname "name"); equal to the name, or the name's
 * first words (jest-junit's default writes "<describe blocks> <title>" into both). So OpenShift's tests, which have
 * no classname, keep their names and ids, and tests of different classes (pytest modules, Eclipse suites of many
 * classes) are no longer merged. Cases with the same testName in a run are repeats of one test (retries).
 */
export function testName(suite: string, classname: string | undefined, name: string): string {
  if (classname === undefined || classname === '' || classname === name || classname === suite) return name;
  if (segmentOf(suite, classname) || segmentOf(classname, suite)) return name;
  if (name.length > classname.length && name.startsWith(classname) && !/\w/.test(name[classname.length]!)) return name;
  return `${classname}.${name}`;
}

/** Whether `tail` is the last '/' or '.' separated part of `whole`. */
function segmentOf(whole: string, tail: string): boolean {
  if (tail === '' || whole.length <= tail.length || !whole.endsWith(tail)) return false;
  const separator = whole[whole.length - tail.length - 1];
  return separator === '/' || separator === '.';
}

const FAILED = 1;
const PASSED = 2;
const STATUS: readonly TestStatus[] = ['skip', 'fail', 'pass', 'flake'];
const BITS: Readonly<Record<JunitCase['outcome'], number>> = { skipped: 0, failed: FAILED, passed: PASSED, flaky: FAILED | PASSED };
const STATUS_BITS: Readonly<Record<TestStatus, number>> = { skip: 0, fail: FAILED, pass: PASSED, flake: FAILED | PASSED };

/**
 * failed and passed (in any cases, or in one flaky case) → flake; only failed → fail; passed (with or without
 * skips) → pass; only skipped → skip. Durations are summed; the message is the first failure's. Sorted by suite,
 * then name (code-unit order, the same everywhere).
 */
export function combineCases(cases: Iterable<JunitCase>): TestResult[] {
  // Keyed by suite, then name: building and hashing a joined key per case cost as much as parsing the JUnit
  // (bench/ingest.ts, 3,000 cases a run). The first case of a test becomes its result object; repeats update it.
  const suites = new Map<string, Map<string, TestResult>>();
  for (const c of cases) {
    let byName = suites.get(c.suite);
    if (byName === undefined) {
      byName = new Map();
      suites.set(c.suite, byName);
    }
    const name = c.classname === undefined ? c.name : testName(c.suite, c.classname, c.name);
    const bits = BITS[c.outcome];
    const seen = byName.get(name);
    if (seen === undefined) {
      const r: TestResult = { suite: c.suite, name, status: STATUS[bits]!, durationSec: c.durationSec };
      if (c.message !== undefined && (bits & FAILED) !== 0) r.message = c.message;
      byName.set(name, r);
      continue;
    }
    seen.durationSec += c.durationSec;
    seen.status = STATUS[STATUS_BITS[seen.status] | bits]!;
    if (seen.message === undefined && c.message !== undefined && (bits & FAILED) !== 0) seen.message = c.message;
  }
  const results: TestResult[] = [];
  for (const suite of [...suites.keys()].sort()) {
    const byName = suites.get(suite)!;
    for (const name of nameOrder.sort([...byName.keys()])) results.push(byName.get(name)!);
  }
  return results;
}

/**
 * Sorts test names in code-unit order, cheaply for names seen before. Sorting 3,000 names that share long prefixes
 * ("[sig-network][Feature:...] ...") took as long as combining them, and runs of the same jobs repeat the same
 * names: so the order of every name seen is kept as a rank, known names are sorted by rank (integers), and the few
 * new ones are sorted as strings and merged in. A run with many new names adds them to the ranks. The result is
 * exactly what sort() gives; the ranks are a cache, one per thread, bounded by MAX_RANKED names.
 */
class NameOrder {
  static readonly MAX_RANKED = 200_000;
  #sorted: string[] = [];
  #rank = new Map<string, number>();

  sort(names: string[]): string[] {
    if (names.length < 64) return names.sort();
    let { ranks, missing } = this.#lookUp(names);
    if (missing.length > Math.max(64, names.length >> 3)) {
      // Many new names: rank them too (or start afresh with this run's names when the ranks grew too many).
      if (this.#sorted.length + missing.length > NameOrder.MAX_RANKED) this.#rankOnly(names);
      else this.#add(missing);
      ({ ranks, missing } = this.#lookUp(names));
    }
    ranks.sort();
    const sorted = this.#sorted;
    const known = ranks.length;
    if (missing.length === 0) {
      for (let i = 0; i < known; i++) names[i] = sorted[ranks[i]!]!;
      return names;
    }
    missing.sort();
    // Merge the known names (by rank) with the new ones (by string).
    let i = 0;
    let j = 0;
    for (let out = 0; out < names.length; out++) {
      if (j >= missing.length || (i < known && sorted[ranks[i]!]! < missing[j]!)) names[out] = sorted[ranks[i++]!]!;
      else names[out] = missing[j++]!;
    }
    return names;
  }

  /** The ranks of the known names (in input order) and the names not ranked yet. */
  #lookUp(names: string[]): { ranks: Int32Array; missing: string[] } {
    const ranks = new Int32Array(names.length);
    const missing: string[] = [];
    let k = 0;
    for (const name of names) {
      const rank = this.#rank.get(name);
      if (rank === undefined) missing.push(name);
      else ranks[k++] = rank;
    }
    return { ranks: ranks.subarray(0, k), missing };
  }

  /** Adds names not ranked yet, merging them into the sorted list. */
  #add(names: string[]): void {
    const old = this.#sorted;
    const added = [...names].sort();
    const merged: string[] = new Array(old.length + added.length);
    let i = 0;
    let j = 0;
    for (let out = 0; out < merged.length; out++) {
      if (j >= added.length || (i < old.length && old[i]! < added[j]!)) merged[out] = old[i++]!;
      else merged[out] = added[j++]!;
    }
    this.#rankOnly(merged, true);
  }

  /** Ranks exactly these names. */
  #rankOnly(names: string[], sorted = false): void {
    this.#sorted = sorted ? names : [...names].sort();
    this.#rank = new Map();
    for (let r = 0; r < this.#sorted.length; r++) this.#rank.set(this.#sorted[r]!, r);
  }
}

const nameOrder = new NameOrder();
