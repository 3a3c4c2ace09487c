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
  // A run has a handful of suites: group by suite first, then combine each suite's cases by name.
  const suites = new Map<string, JunitCase[]>();
  for (const c of cases) {
    const list = suites.get(c.suite);
    if (list === undefined) suites.set(c.suite, [c]);
    else list.push(c);
  }
  const results: TestResult[] = [];
  for (const suite of [...suites.keys()].sort()) combineSuite(suite, suites.get(suite)!, results);
  return results;
}

/** One suite's cases, combined by name and appended to `out` in name order. */
function combineSuite(suite: string, cases: readonly JunitCase[], out: TestResult[]): void {
  const names = cases.map((c) => (c.classname === undefined ? c.name : testName(suite, c.classname, c.name)));
  const ranks = nameOrder.ranks(names);
  if (ranks === undefined) {
    combineByMap(suite, cases, names, out);
    return;
  }
  // Every name has a rank: a test's result is found through its rank, and the results come out in rank order,
  // without hashing a name twice or comparing names at all (see NameOrder).
  const slots = nameOrder.slots();
  const first = new Int32Array(cases.length);
  const results: TestResult[] = [];
  for (let i = 0; i < cases.length; i++) {
    const rank = ranks[i]!;
    const slot = slots.get(rank);
    if (slot < 0) {
      slots.set(rank, results.length);
      first[results.length] = rank;
      results.push(resultOf(suite, names[i]!, cases[i]!));
    } else {
      merge(results[slot]!, cases[i]!);
    }
  }
  for (const rank of first.subarray(0, results.length).sort()) out.push(results[slots.get(rank)]!);
}

/** The general way, for a suite with names not ranked yet: a map by name, then sorted. */
function combineByMap(suite: string, cases: readonly JunitCase[], names: readonly string[], out: TestResult[]): void {
  const byName = new Map<string, TestResult>();
  for (let i = 0; i < cases.length; i++) {
    const seen = byName.get(names[i]!);
    if (seen === undefined) byName.set(names[i]!, resultOf(suite, names[i]!, cases[i]!));
    else merge(seen, cases[i]!);
  }
  for (const name of nameOrder.sort([...byName.keys()])) out.push(byName.get(name)!);
}

function resultOf(suite: string, name: string, c: JunitCase): TestResult {
  const bits = BITS[c.outcome];
  const r: TestResult = { suite, name, status: STATUS[bits]!, durationSec: c.durationSec };
  if (c.message !== undefined && (bits & FAILED) !== 0) r.message = c.message;
  return r;
}

/** A repeat of a test already seen in this run (a retry, or the same test in another file). */
function merge(r: TestResult, c: JunitCase): void {
  const bits = BITS[c.outcome];
  r.durationSec += c.durationSec;
  r.status = STATUS[STATUS_BITS[r.status] | bits]!;
  if (r.message === undefined && c.message !== undefined && (bits & FAILED) !== 0) r.message = c.message;
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
  readonly #slots = new RankSlots();

  /**
   * The rank of each name (repeats share one), or undefined when some are not ranked. Many new names are ranked
   * first; a few are left to sort(), as re-ranking costs a pass over every name ranked.
   */
  ranks(names: readonly string[]): Int32Array | undefined {
    if (names.length < 64) return undefined;
    let { ranks, missing } = this.#lookUp(names);
    if (missing.length === 0) return ranks;
    if (missing.length <= Math.max(64, names.length >> 3)) return undefined;
    this.#learn(names, missing);
    ({ ranks, missing } = this.#lookUp(names));
    return missing.length === 0 ? ranks : undefined;
  }

  /** A table from rank to a caller's slot, empty for each use: one typed array kept for all uses, reset in O(1). */
  slots(): RankSlots {
    return this.#slots.reset(this.#sorted.length);
  }

  sort(names: string[]): string[] {
    if (names.length < 64) return names.sort();
    let { ranks, missing } = this.#lookUp(names);
    if (missing.length > Math.max(64, names.length >> 3)) {
      this.#learn(names, missing);
      ({ ranks, missing } = this.#lookUp(names));
    }
    const known = Int32Array.from(ranks.filter((r) => r >= 0)).sort();
    const sorted = this.#sorted;
    if (missing.length === 0) {
      for (let i = 0; i < known.length; i++) names[i] = sorted[known[i]!]!;
      return names;
    }
    missing.sort();
    // Merge the known names (by rank) with the new ones (by string).
    let i = 0;
    let j = 0;
    for (let out = 0; out < names.length; out++) {
      if (j >= missing.length || (i < known.length && sorted[known[i]!]! < missing[j]!)) names[out] = sorted[known[i++]!]!;
      else names[out] = missing[j++]!;
    }
    return names;
  }

  /** The rank of each name (-1 when not ranked) and the distinct names not ranked yet. */
  #lookUp(names: readonly string[]): { ranks: Int32Array; missing: string[] } {
    const ranks = new Int32Array(names.length);
    const missing = new Set<string>();
    for (let i = 0; i < names.length; i++) {
      const rank = this.#rank.get(names[i]!);
      if (rank === undefined) {
        ranks[i] = -1;
        missing.add(names[i]!);
      } else {
        ranks[i] = rank;
      }
    }
    return { ranks, missing: [...missing] };
  }

  /** Ranks the missing names too, or starts afresh with these names when the ranks would grow past MAX_RANKED. */
  #learn(names: readonly string[], missing: readonly string[]): void {
    if (this.#sorted.length + missing.length > NameOrder.MAX_RANKED) {
      this.#rankExactly([...new Set(names)].sort());
      return;
    }
    const old = this.#sorted;
    const added = [...missing].sort();
    const merged: string[] = new Array(old.length + added.length);
    let i = 0;
    let j = 0;
    for (let out = 0; out < merged.length; out++) {
      if (j >= added.length || (i < old.length && old[i]! < added[j]!)) merged[out] = old[i++]!;
      else merged[out] = added[j++]!;
    }
    this.#rankExactly(merged);
  }

  #rankExactly(sorted: string[]): void {
    this.#sorted = sorted;
    this.#rank = new Map();
    for (let r = 0; r < sorted.length; r++) this.#rank.set(sorted[r]!, r);
  }
}

/**
 * rank → slot, valid only where the stamp is this use's: reset() takes a new stamp instead of clearing the table,
 * which is as long as the ranks (up to MAX_RANKED).
 */
class RankSlots {
  #stamp = new Int32Array(0);
  #slot = new Int32Array(0);
  #current = 0;

  reset(size: number): this {
    if (this.#stamp.length < size) {
      this.#stamp = new Int32Array(size);
      this.#slot = new Int32Array(size);
      this.#current = 0;
    }
    if (++this.#current === 0x7fffffff) {
      this.#stamp.fill(0);
      this.#current = 1;
    }
    return this;
  }

  /** The slot set for this rank since the last reset, or -1. */
  get(rank: number): number {
    return this.#stamp[rank] === this.#current ? this.#slot[rank]! : -1;
  }

  set(rank: number, slot: number): void {
    this.#stamp[rank] = this.#current;
    this.#slot[rank] = slot;
  }
}

const nameOrder = new NameOrder();
