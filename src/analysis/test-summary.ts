/**
 * Per-test counts per slot, by lane (job × variant key) and by day, with failure messages grouped by
 * their normalised text. Every test is counted; the snapshot lists those that failed or flaked.
 *
 * Built for millions of results: test names are interned to integer ids once, and counts live in
 * one typed array of cells, a cell being one test in one lane with 3 slots × (pass, fail, flake).
 * Per-job and per-variant figures are sums of lane cells, made at the end. Results that regression
 * verdicts may use also go to the test log (test-log.ts), which regression-cells.ts reads.
 */
import { createHash } from 'node:crypto';
import { compareBuildIds, type RunRecord, type Variants } from '../ingest/run-record.ts';
import type { FailureGroup, TestBreakdown, TestCounts, TestDay, TestSummary } from '../snapshot/schema.ts';
import { variantKey } from '../ingest/variants.ts';
import { wilsonInterval } from './stats/index.ts';
import { normalizeFailureText } from './failure-text.ts';
import { daysBetween } from './windows.ts';
import { inPrevious, type Slot, type Slots } from './slots.ts';
import { TestLog } from './test-log.ts';
import { prowRunUrl } from '../util/prow-links.ts';
import { DAY_MS } from '../util/time.ts';

export interface RawCounts {
  passes: number;
  failures: number;
  flakes: number;
}

const zero = (): RawCounts => ({ passes: 0, failures: 0, flakes: 0 });
const MAX_GROUP_RUNS = 20;
const MAX_GROUPS = 20;
const MAX_FAILED_RUNS = 50;
const MAX_EXAMPLE = 4000;
/** Ints per cell: 3 slots × (pass, fail, flake). */
const CELL = 9;

export interface FailedRun {
  job: string;
  buildId: string;
  url: string;
  status: 'fail' | 'flake';
  time: number;
  started: string | null;
  lane: number;
  slot: Slot;
  /** Counted in regression verdicts: false for a run kept out of them (run-class.ts), never shown as their evidence. */
  judged: boolean;
}

/** Failures of one test that share a normalised text. */
export interface TextGroup {
  example: string;
  exampleRun: FailedRun;
  count: number;
  runs: FailedRun[];
  /** Failures by job, and by day of the shown windows (index into `dates`), for failure clusters. */
  jobs: Map<string, number>;
  days: Int32Array | null;
  first: number;
  last: number;
}

interface TestFailures {
  groups: Map<string, TextGroup>;
  runs: FailedRun[];
}

/** A run of the current window with a payload tag, kept compactly for aggregated-run analysis. */
export interface PayloadRun {
  job: string;
  payloadTag: string;
  variantKey: string;
  buildId: string;
  url: string;
  result: RunRecord['result'];
  started: string | null;
  /** Test ids and status codes (0 pass, 1 fail, 2 flake, 3 skip), one entry per result. */
  tests: Int32Array;
  statuses: Uint8Array;
}

export function testId(suite: string, name: string): string {
  return createHash('sha256').update(`${suite}\u0000${name}`).digest('hex').slice(0, 16);
}

export class TestAccumulator {
  readonly suites: string[] = [];
  readonly names: string[] = [];
  readonly laneJob: string[] = [];
  readonly laneKey: string[] = [];
  /** Variants of the newest current-window run of each lane (else its newest run). */
  readonly laneVariants: Variants[] = [];
  readonly payloadRuns: PayloadRun[] = [];
  /** Every result regression verdicts may use (see add's `log`). */
  readonly log = new TestLog();
  readonly #laneTime: number[] = [];
  readonly #laneCurrent: boolean[] = [];
  readonly #bySuite = new Map<string, Map<string, number>>();
  readonly #lanes = new Map<string, number>();
  /** Per lane: cell index + 1 of each test id (0 = no cell yet). */
  readonly #laneCellOf: Int32Array[] = [];
  /**
   * Per lane: the test ids of its last run, by position. Runs of one job list their tests in much
   * the same order, so comparing a name with the interned one at the same position is usually
   * enough, and much cheaper than hashing a fresh string.
   */
  readonly #laneOrder: Int32Array[] = [];
  #counts = new Int32Array(CELL * 4096);
  #cellTest = new Int32Array(4096);
  #cellLane = new Int32Array(4096);
  #cells = 0;
  readonly #testCells: number[][] = [];
  readonly #days: Array<Int32Array | undefined> = [];
  readonly #failures: Array<TestFailures | undefined> = [];
  readonly #bucket: string;
  readonly #dates: string[];
  readonly #firstDay: number;

  constructor(slots: Slots, bucket: string) {
    this.#bucket = bucket;
    this.#dates = daysBetween(slots.previous.start, slots.current.end);
    const s = new Date(slots.previous.start);
    this.#firstDay = Date.UTC(s.getUTCFullYear(), s.getUTCMonth(), s.getUTCDate());
  }

  get testTotal(): number {
    return this.names.length;
  }

  #intern(suite: string, name: string): number {
    let names = this.#bySuite.get(suite);
    if (!names) this.#bySuite.set(suite, (names = new Map()));
    let id = names.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.suites.push(suite);
      this.names.push(name);
      this.#testCells.push([]);
      this.#days.push(undefined);
      this.#failures.push(undefined);
      names.set(name, id);
    }
    return id;
  }

  #lane(run: RunRecord, key: string, time: number, slot: Slot): number {
    const laneKey = `${run.job}\u0000${key}`;
    let lane = this.#lanes.get(laneKey);
    if (lane === undefined) {
      lane = this.laneJob.length;
      this.#lanes.set(laneKey, lane);
      this.laneJob.push(run.job);
      this.laneKey.push(key);
      this.laneVariants.push(run.variants);
      this.#laneTime.push(time);
      this.#laneCurrent.push(slot === 0);
      this.#laneCellOf.push(new Int32Array(this.names.length + 1024));
      this.#laneOrder.push(new Int32Array(0));
    } else if ((slot === 0 && !this.#laneCurrent[lane]) || ((slot === 0) === this.#laneCurrent[lane] && time > this.#laneTime[lane]!)) {
      this.laneVariants[lane] = run.variants;
      this.#laneTime[lane] = time;
      this.#laneCurrent[lane] = slot === 0;
    }
    return lane;
  }

  #newCell(test: number, lane: number): number {
    const cell = this.#cells++;
    if (cell >= this.#cellTest.length) {
      const grow = (a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(size);
        b.set(a);
        return b;
      };
      this.#cellTest = grow(this.#cellTest, this.#cellTest.length * 2);
      this.#cellLane = grow(this.#cellLane, this.#cellLane.length * 2);
      this.#counts = grow(this.#counts, this.#counts.length * 2);
    }
    this.#cellTest[cell] = test;
    this.#cellLane[cell] = lane;
    this.#testCells[test]!.push(cell);
    return cell;
  }

  /**
   * Count one run in `slot`; `time` is the instant it is counted at (windows.ts runTime). With `log`,
   * its results also go to the test log for regression verdicts (runs kept out of verdicts, and runs
   * outside the scan and basis windows, are not logged).
   */
  add(run: RunRecord, slot: Slot, time: number, log: boolean): Int32Array {
    const key = variantKey(run.variants);
    const lane = this.#lane(run, key, time, slot);
    const logRun = log ? this.log.addRun(run, lane, time) : -1;
    const shown = slot === 0 || inPrevious(slot);
    const day = shown ? Math.floor((time - this.#firstDay) / DAY_MS) : -1;
    const dayOk = day >= 0 && day < this.#dates.length;
    const tests = run.tests;
    const payload = slot === 0 && run.payloadTag && run.result !== 'pending';
    const payloadTests = payload ? new Int32Array(tests.length) : undefined;
    const payloadStatuses = payload ? new Uint8Array(tests.length) : undefined;
    let url: string | undefined;
    let cellOf = this.#laneCellOf[lane]!;
    let counts = this.#counts;
    const lastOrder = this.#laneOrder[lane]!;
    const order = new Int32Array(tests.length);
    const names = this.names;
    const suites = this.suites;
    for (let i = 0; i < tests.length; i++) {
      const test = tests[i]!;
      const guess = i < lastOrder.length ? lastOrder[i]! : -1;
      const id = guess >= 0 && names[guess] === test.name && suites[guess] === test.suite ? guess : this.#intern(test.suite, test.name);
      order[i] = id;
      const status = test.status;
      const code = status === 'pass' ? 0 : status === 'fail' ? 1 : status === 'flake' ? 2 : 3;
      if (payloadTests) {
        payloadTests[i] = id;
        payloadStatuses![i] = code;
      }
      if (code === 3) continue;
      if (id >= cellOf.length) {
        const bigger = new Int32Array(Math.max(id + 1, cellOf.length * 2));
        bigger.set(cellOf);
        this.#laneCellOf[lane] = cellOf = bigger;
      }
      let cell = cellOf[id]! - 1;
      if (cell < 0) {
        cell = this.#newCell(id, lane);
        cellOf[id] = cell + 1;
        counts = this.#counts; // #newCell may have grown it
      }
      counts[cell * CELL + slot * 3 + code]!++;
      if (logRun >= 0) this.log.add(id, logRun, code);
      if (dayOk) {
        let days = this.#days[id];
        if (!days) this.#days[id] = days = new Int32Array(this.#dates.length * 3);
        days[day * 3 + code]!++;
      }
      if (code !== 0 && shown) {
        url ??= prowRunUrl(this.#bucket, run.path);
        const failed: FailedRun = {
          job: run.job,
          buildId: run.buildId,
          url,
          status: test.status as 'fail' | 'flake',
          time,
          started: run.started,
          lane,
          slot,
          judged: log,
        };
        let f = this.#failures[id];
        if (!f) this.#failures[id] = f = { groups: new Map(), runs: [] };
        f.runs.push(failed);
        if (test.message) group(f, test.message, failed, dayOk ? day : -1, this.#dates.length);
      }
    }
    this.#laneOrder[lane] = order;
    if (payloadTests) {
      this.payloadRuns.push({
        job: run.job,
        payloadTag: run.payloadTag!,
        variantKey: key,
        buildId: run.buildId,
        url: url ?? prowRunUrl(this.#bucket, run.path),
        result: run.result,
        started: run.started,
        tests: payloadTests,
        statuses: payloadStatuses!,
      });
    }
    return order;
  }

  /** Counts of a cell in one slot. */
  #slotCounts(cell: number, slot: Slot, into: RawCounts): void {
    const base = cell * CELL + slot * 3;
    into.passes += this.#counts[base]!;
    into.failures += this.#counts[base + 1]!;
    into.flakes += this.#counts[base + 2]!;
  }

  /** Current- and previous-window counts of one cell. */
  #pair(cell: number, into: { current: RawCounts; previous: RawCounts }): void {
    this.#slotCounts(cell, 0, into.current);
    this.#slotCounts(cell, 1, into.previous);
  }

  /** Distinct tests with at least one run in the current window. */
  currentTestCount(): number {
    let n = 0;
    for (let t = 0; t < this.names.length; t++) {
      for (const cell of this.#testCells[t]!) {
        const base = cell * CELL;
        if (this.#counts[base]! + this.#counts[base + 1]! + this.#counts[base + 2]! > 0) {
          n++;
          break;
        }
      }
    }
    return n;
  }

  summaries(options: { minRuns: number }): TestSummary[] {
    const out: TestSummary[] = [];
    for (let t = 0; t < this.names.length; t++) {
      const totals = { current: zero(), previous: zero() };
      for (const cell of this.#testCells[t]!) this.#pair(cell, totals);
      const { current, previous } = totals;
      const troubled = current.failures + current.flakes + previous.failures + previous.flakes > 0;
      if (!troubled || runsOf(current) + runsOf(previous) < options.minRuns) continue;
      const byJob = new Map<string, { current: RawCounts; previous: RawCounts }>();
      const byVariant = new Map<string, { current: RawCounts; previous: RawCounts }>();
      for (const cell of this.#testCells[t]!) {
        const lane = this.#cellLane[cell]!;
        this.#pair(cell, getPair(byJob, this.laneJob[lane]!));
        this.#pair(cell, getPair(byVariant, this.laneKey[lane]!));
      }
      const days = this.#days[t];
      const failures = this.#failures[t];
      out.push({
        id: testId(this.suites[t]!, this.names[t]!),
        suite: this.suites[t]!,
        name: this.names[t]!,
        current: finishTestCounts(current),
        previous: finishTestCounts(previous),
        delta: delta(current, previous),
        byJob: breakdown(byJob),
        byVariant: breakdown(byVariant),
        byDay: this.#dates.map((date, i): TestDay => {
          const passes = days ? days[i * 3]! : 0;
          const fails = days ? days[i * 3 + 1]! : 0;
          const flakes = days ? days[i * 3 + 2]! : 0;
          return { date, runs: passes + fails + flakes, passes, failures: fails, flakes };
        }),
        failureGroups: failures
          ? [...failures.groups.entries()]
              .map(([text, g]): FailureGroup => ({ text, example: g.example, count: g.count, runs: newestFirst(g.runs).slice(0, MAX_GROUP_RUNS).map(ref) }))
              .sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : 1))
              .slice(0, MAX_GROUPS)
          : [],
        failedRuns: failures
          ? newestFirst(failures.runs)
              .slice(0, MAX_FAILED_RUNS)
              .map((r) => ({ ...ref(r), status: r.status }))
          : [],
      });
    }
    return out.sort((a, b) => b.current.failures - a.current.failures || b.current.flakes - a.current.flakes || cmp(a.name, b.name) || cmp(a.suite, b.suite));
  }

  /** Runs and working runs (pass or flake) of a test in all slots of the lanes of one job. */
  jobHistory(test: number, job: string): { runs: number; working: number } {
    let runs = 0;
    let working = 0;
    for (const cell of this.#testCells[test]!) {
      if (this.laneJob[this.#cellLane[cell]!] !== job) continue;
      for (let slot = 0; slot < 3; slot++) {
        const base = cell * CELL + slot * 3;
        runs += this.#counts[base]! + this.#counts[base + 1]! + this.#counts[base + 2]!;
        working += this.#counts[base]! + this.#counts[base + 2]!;
      }
    }
    return { runs, working };
  }

  /** The days of the shown windows (current and previous), oldest first: what TextGroup.days counts. */
  get dates(): readonly string[] {
    return this.#dates;
  }

  /** Every test's failures grouped by normalised text, in the current and previous windows. */
  *textGroups(): Generator<{ test: number; text: string; group: TextGroup }> {
    for (let t = 0; t < this.names.length; t++) {
      const f = this.#failures[t];
      if (f) for (const [text, group] of f.groups) yield { test: t, text, group };
    }
  }

  /** Each test × variant key with current-window runs: its runs and failures there (lanes of one key summed per lane). */
  forEachCurrentCell(visit: (test: number, variantKey: string, runs: number, failures: number) => void): void {
    for (let cell = 0; cell < this.#cells; cell++) {
      const base = cell * CELL;
      const runs = this.#counts[base]! + this.#counts[base + 1]! + this.#counts[base + 2]!;
      if (runs > 0) visit(this.#cellTest[cell]!, this.laneKey[this.#cellLane[cell]!]!, runs, this.#counts[base + 1]!);
    }
  }

  /** Failed (and flaked) runs of a test in the current and previous windows. */
  failedRuns(test: number): readonly FailedRun[] {
    return this.#failures[test]?.runs ?? [];
  }
}

function group(f: TestFailures, message: string, run: FailedRun, day: number, days: number): void {
  const text = normalizeFailureText(message);
  let g = f.groups.get(text);
  if (!g)
    f.groups.set(
      text,
      (g = { example: message.slice(0, MAX_EXAMPLE), exampleRun: run, count: 0, runs: [], jobs: new Map(), days: null, first: run.time, last: run.time }),
    );
  // The newest run's message is the example, whatever order the runs arrive in.
  else if (run.time > g.exampleRun.time || (run.time === g.exampleRun.time && compareBuildIds(run.buildId, g.exampleRun.buildId) > 0)) {
    g.example = message.slice(0, MAX_EXAMPLE);
    g.exampleRun = run;
  }
  g.count++;
  g.jobs.set(run.job, (g.jobs.get(run.job) ?? 0) + 1);
  if (day >= 0) (g.days ??= new Int32Array(days))[day]!++;
  if (run.time < g.first) g.first = run.time;
  if (run.time > g.last) g.last = run.time;
  g.runs.push(run);
  if (g.runs.length > MAX_GROUP_RUNS * 2) g.runs = newestFirst(g.runs).slice(0, MAX_GROUP_RUNS);
}

function getPair(map: Map<string, { current: RawCounts; previous: RawCounts }>, key: string): { current: RawCounts; previous: RawCounts } {
  let p = map.get(key);
  if (!p) map.set(key, (p = { current: zero(), previous: zero() }));
  return p;
}

function runsOf(c: RawCounts): number {
  return c.passes + c.failures + c.flakes;
}

export function finishTestCounts(c: RawCounts): TestCounts {
  const runs = runsOf(c);
  return {
    runs,
    ...c,
    passRate: runs ? c.passes / runs : null,
    workingRate: runs ? (c.passes + c.flakes) / runs : null,
    flakeRate: runs ? c.flakes / runs : null,
    interval: runs ? wilsonInterval(c.passes + c.flakes, runs) : null,
    passInterval: runs ? wilsonInterval(c.passes, runs) : null,
    flakeInterval: runs ? wilsonInterval(c.flakes, runs) : null,
  };
}

function delta(current: RawCounts, previous: RawCounts): number | null {
  const a = runsOf(current);
  const b = runsOf(previous);
  if (!a || !b) return null;
  return Math.round(((current.passes + current.flakes) / a - (previous.passes + previous.flakes) / b) * 10_000) / 100;
}

function breakdown(map: Map<string, { current: RawCounts; previous: RawCounts }>): TestBreakdown[] {
  return [...map.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([key, p]) => ({ key, current: finishTestCounts(p.current), previous: finishTestCounts(p.previous), delta: delta(p.current, p.previous) }));
}

export function newestFirst(runs: readonly FailedRun[]): FailedRun[] {
  return [...runs].sort((a, b) => b.time - a.time || compareBuildIds(b.buildId, a.buildId));
}

function ref(r: FailedRun): { job: string; buildId: string; url: string } {
  return { job: r.job, buildId: r.buildId, url: r.url };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
