/**
 * Regression cells from the test log: one test in one variant group (or job), with its counts in
 * every scan window and in the basis window, and how its runs cluster by day and by payload in each
 * (the mean cluster size m̄ = Σm²/Σm that the design effect needs, see dispersion.ts). The basis
 * windows' clusters also feed the report-wide estimate of how much failures cluster.
 *
 * A test is processed at a time: its results are bucketed by cell, and each cell's clusters are
 * counted in scratch arrays that are cleared by their touched entries only, so the work is linear in
 * the number of results.
 */
import type { TimeWindow } from '../config/run-plan.ts';
import { RelativeVarianceEstimator } from './dispersion.ts';
import { compareBuildIds } from '../ingest/run-record.ts';
import { FAIL, FLAKE, type TestLog } from './test-log.ts';

export interface WindowCounts {
  passes: number;
  /** Runs where the test failed (not flaked). */
  failures: number;
  flakes: number;
  /** Mean cluster size Σm²/Σm of the window's runs, clustered by UTC day and by payload. */
  dayCluster: number;
  payloadCluster: number;
  /** Mean over the window's runs of how much more often than usual their job's day failed (bad-days.ts); 1 usually. */
  elevation: number;
}

export interface TestCell {
  test: number;
  /** What `group` names: a variant key or a job. */
  groupBy: 'variant' | 'job';
  group: string;
  lanes: number[];
  /** Per scan window, shortest first. */
  windows: WindowCounts[];
  basis: WindowCounts;
  /** Whether compatible mode judges this cell (false for ratchet mode's extra job cells). */
  compatible: boolean;
}

export interface CellWindows {
  /** Scan windows, shortest first, all ending at as-of. */
  scan: readonly TimeWindow[];
  basis: TimeWindow;
}

export interface CellOptions {
  groupBy: 'variant' | 'job';
  /** With groupBy variant, also test × job cells inside variant groups of several jobs. */
  jobCells: boolean;
  /** A flake counts as a failure when clustering is estimated (as it does in verdicts). */
  flakeAsFailure: boolean;
  /**
   * Cells left out of the clustering estimate: those with an open regression, whose basis may hold the drop
   * (a rate that changed within the basis looks like clustering, and would loosen every other cell's test).
   */
  skipEstimate?: (test: number, group: string) => boolean;
  /**
   * The order tests are processed in (default: their ids). Ids follow the order runs arrived in; an order by
   * name makes the floating-point sums of the clustering estimate, and the order of the cells, the same
   * whatever that order was.
   */
  testOrder?: ArrayLike<number>;
}

export interface CellsResult {
  cells: TestCell[];
  /** Relative variance of the failure rate between days and between payloads, pooled over the basis windows. */
  dispersion: { day: { cv2: number; cells: number }; payload: { cv2: number; cells: number } };
}

interface Lanes {
  laneJob: readonly string[];
  laneKey: readonly string[];
}

/** Every cell with runs in the longest scan window. */
export function buildTestCells(log: TestLog, testCount: number, lanes: Lanes, windows: CellWindows, options: CellOptions): CellsResult {
  const K = windows.scan.length;
  const groupOfLane = indexLanes(lanes.laneJob.length, (lane) => (options.groupBy === 'variant' ? lanes.laneKey[lane]! : lanes.laneJob[lane]!));
  const jobOfLane = indexLanes(lanes.laneJob.length, (lane) => lanes.laneJob[lane]!);
  const extraJobs = options.groupBy === 'variant' && options.jobCells;
  const groupCount = groupOfLane.names.length;
  const keyCount = groupCount + (extraJobs ? jobOfLane.names.length : 0);
  const runs = indexRuns(log, windows);
  const scratch = newScratch(K + 1, runs.days, log.payloads.length, lanes.laneJob.length);
  const estimators = { day: new RelativeVarianceEstimator(), payload: new RelativeVarianceEstimator() };
  const keyEntries = new Int32Array(keyCount + 1);
  const cells: TestCell[] = [];
  for (let i = 0; i < testCount; i++) {
    const t = options.testOrder ? options.testOrder[i]! : i;
    const entries = log.entries(t);
    if (entries.length === 0) continue;
    // Counting sort of the test's results by cell: main cells 0…groupCount−1, job cells after them.
    const { order, offsets } = bucketByCell(entries, log, groupOfLane.index, extraJobs ? jobOfLane.index : null, groupCount, keyEntries);
    const mains = new Map<number, TestCell>();
    for (let key = 0; key < keyCount; key++) {
      const from = offsets[key]!;
      const to = offsets[key + 1]!;
      if (from === to) continue;
      const isJob = key >= groupCount;
      const group = isJob ? jobOfLane.names[key - groupCount]! : groupOfLane.names[key]!;
      const estimate = !isJob && !options.skipEstimate?.(t, group);
      const cell = countCell(t, order.subarray(from, to), entries, log, runs, scratch, estimators, options.flakeAsFailure, estimate);
      cell.groupBy = isJob ? 'job' : options.groupBy;
      cell.group = group;
      cell.compatible = !isJob;
      if (!isJob) mains.set(key, cell);
      if (K === 0 || runsOf(cell.windows[K - 1]!) === 0) continue;
      if (isJob && cell.lanes.length === 1) {
        // A job cell repeats a variant cell when its one lane is that cell's only lane.
        const main = mains.get(groupOfLane.index[cell.lanes[0]!]!);
        if (main && main.lanes.length === 1) continue;
      }
      cells.push(cell);
    }
  }
  return { cells, dispersion: { day: estimators.day.estimate(), payload: estimators.payload.estimate() } };
}

/** Per run, once: its window bucket (0…K−1 the shortest scan window holding it, K the basis, −1 none) and day index. */
interface RunIndex {
  bucket: Int8Array;
  day: Int32Array;
  days: number;
  /** Runs kept out after the fact (bad days): they count in the clustering estimate only. */
  excluded: Uint8Array | undefined;
  elevation: Float64Array | undefined;
}

function indexRuns(log: TestLog, windows: CellWindows): RunIndex {
  const K = windows.scan.length;
  const end = K ? windows.scan[K - 1]!.end : -Infinity;
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let r = 0; r < log.runCount; r++) {
    firstDay = Math.min(firstDay, log.runDay[r]!);
    lastDay = Math.max(lastDay, log.runDay[r]!);
  }
  const bucket = new Int8Array(log.runCount);
  const day = new Int32Array(log.runCount);
  for (let r = 0; r < log.runCount; r++) {
    const time = log.runTime[r]!;
    let w = -1;
    if (time < end) {
      for (let k = 0; k < K; k++) {
        if (time >= windows.scan[k]!.start) {
          w = k;
          break;
        }
      }
      if (w < 0 && time >= windows.basis.start && time < windows.basis.end) w = K;
    }
    bucket[r] = w;
    day[r] = log.runDay[r]! - firstDay;
  }
  return { bucket, day, days: Number.isFinite(firstDay) ? lastDay - firstDay + 1 : 0, excluded: log.excluded, elevation: log.elevation };
}

interface Scratch {
  /** Per window bucket: pass, fail, flake; and the sum of the runs' elevations. */
  counts: Int32Array;
  gain: Float64Array;
  /** Per bucket × day (payload): runs; per day (payload): basis runs and failures for the clustering estimate. */
  dayRuns: Int32Array;
  dayEstRuns: Int32Array;
  dayFails: Int32Array;
  dayMark: Uint8Array;
  payRuns: Int32Array;
  payEstRuns: Int32Array;
  payFails: Int32Array;
  payMark: Uint8Array;
  laneMark: Uint8Array;
  touchedDays: number[];
  touchedPayloads: number[];
  touchedLanes: number[];
}

function newScratch(W: number, days: number, payloads: number, lanes: number): Scratch {
  return {
    counts: new Int32Array(W * 3),
    gain: new Float64Array(W),
    dayRuns: new Int32Array(W * days),
    dayEstRuns: new Int32Array(days),
    dayFails: new Int32Array(days),
    dayMark: new Uint8Array(days),
    payRuns: new Int32Array(W * payloads),
    payEstRuns: new Int32Array(payloads),
    payFails: new Int32Array(payloads),
    payMark: new Uint8Array(payloads),
    laneMark: new Uint8Array(lanes),
    touchedDays: [],
    touchedPayloads: [],
    touchedLanes: [],
  };
}

/** The test's entry indices ordered by cell key (counting sort), and where each key's entries start. */
function bucketByCell(
  entries: { runs: Int32Array; length: number },
  log: TestLog,
  groupOf: Int32Array,
  jobOf: Int32Array | null,
  groupCount: number,
  counts: Int32Array,
): { order: Int32Array; offsets: Int32Array } {
  counts.fill(0);
  const per = jobOf ? 2 : 1;
  for (let i = 0; i < entries.length; i++) {
    const lane = log.runLane[entries.runs[i]!]!;
    counts[groupOf[lane]!]!++;
    if (jobOf) counts[groupCount + jobOf[lane]!]!++;
  }
  const offsets = new Int32Array(counts.length + 1);
  for (let k = 0; k < counts.length; k++) offsets[k + 1] = offsets[k]! + counts[k]!;
  const next = offsets.slice(0, counts.length);
  const order = new Int32Array(entries.length * per);
  for (let i = 0; i < entries.length; i++) {
    const lane = log.runLane[entries.runs[i]!]!;
    order[next[groupOf[lane]!]!++] = i;
    if (jobOf) order[next[groupCount + jobOf[lane]!]!++] = i;
  }
  return { order, offsets };
}

function countCell(
  test: number,
  order: Int32Array,
  entries: { runs: Int32Array; codes: Uint8Array },
  log: TestLog,
  index: RunIndex,
  s: Scratch,
  estimators: { day: RelativeVarianceEstimator; payload: RelativeVarianceEstimator },
  flakeAsFailure: boolean,
  estimate: boolean,
): TestCell {
  const W = s.counts.length / 3;
  const K = W - 1;
  const days = index.days;
  const payloads = s.payFails.length;
  // Each result counts in its own bucket only; windows are the running sums of buckets at the end.
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    const r = entries.runs[i]!;
    const lane = log.runLane[r]!;
    if (s.laneMark[lane] === 0) {
      s.laneMark[lane] = 1;
      s.touchedLanes.push(lane);
    }
    const w = index.bucket[r]!;
    if (w < 0) continue;
    // A bad day's run is out of every window; in the basis it still tells how much days vary.
    const out = index.excluded !== undefined && index.excluded[r] === 1;
    if (out && w < K) continue;
    const code = entries.codes[i]!;
    const day = index.day[r]!;
    const payload = log.runPayload[r]!;
    if (!out) {
      s.counts[w * 3 + code]!++;
      s.gain[w]! += index.elevation ? index.elevation[r]! : 1;
      s.dayRuns[w * days + day]!++;
      if (payload >= 0) s.payRuns[w * payloads + payload]!++;
    }
    if (s.dayMark[day] === 0) {
      s.dayMark[day] = 1;
      s.touchedDays.push(day);
    }
    if (payload >= 0 && s.payMark[payload] === 0) {
      s.payMark[payload] = 1;
      s.touchedPayloads.push(payload);
    }
    if (w === K) {
      s.dayEstRuns[day]!++;
      if (payload >= 0) s.payEstRuns[payload]!++;
      if (code === FAIL || (flakeAsFailure && code === FLAKE)) {
        s.dayFails[day]!++;
        if (payload >= 0) s.payFails[payload]!++;
      }
    }
  }
  const counts = windowCounts(s, K, days, payloads);
  if (estimate && runsOf(counts[K]!) > 0) {
    const dayRuns = s.touchedDays.map((d) => s.dayEstRuns[d]!);
    estimators.day.add(
      dayRuns,
      s.touchedDays.map((d) => s.dayFails[d]!),
      dayRuns.length,
    );
    const payRuns = s.touchedPayloads.map((p) => s.payEstRuns[p]!);
    estimators.payload.add(
      payRuns,
      s.touchedPayloads.map((p) => s.payFails[p]!),
      payRuns.length,
    );
  }
  const lanes = s.touchedLanes.sort((a, b) => a - b).slice();
  clearScratch(s, W, days, payloads);
  return { test, groupBy: 'variant', group: '', lanes, windows: counts.slice(0, K), basis: counts[K]!, compatible: true };
}

/** Counts of every scan window (running sums of buckets 0…k) and of the basis, with mean cluster sizes. */
function windowCounts(s: Scratch, K: number, days: number, payloads: number): WindowCounts[] {
  const out: WindowCounts[] = [];
  let passes = 0;
  let failures = 0;
  let flakes = 0;
  let gain = 0;
  const touchedDays = s.touchedDays;
  const touchedPayloads = s.touchedPayloads;
  const dayRunning = new Float64Array(touchedDays.length);
  const payRunning = new Float64Array(touchedPayloads.length);
  for (let k = 0; k <= K; k++) {
    const basis = k === K;
    // The basis is its own bucket; a scan window is every bucket up to its own.
    const p = s.counts[k * 3]! + (basis ? 0 : passes);
    const f = s.counts[k * 3 + 1]! + (basis ? 0 : failures);
    const l = s.counts[k * 3 + 2]! + (basis ? 0 : flakes);
    const g = s.gain[k]! + (basis ? 0 : gain);
    let sumDay = 0;
    for (let j = 0; j < touchedDays.length; j++) {
      const here = s.dayRuns[k * days + touchedDays[j]!]!;
      const m = basis ? here : (dayRunning[j] = dayRunning[j]! + here);
      sumDay += m * m;
    }
    let sumPay = 0;
    let tagged = 0;
    for (let j = 0; j < touchedPayloads.length; j++) {
      const here = s.payRuns[k * payloads + touchedPayloads[j]!]!;
      const m = basis ? here : (payRunning[j] = payRunning[j]! + here);
      sumPay += m * m;
      tagged += m;
    }
    const n = p + f + l;
    // Untagged runs are clusters of one.
    out.push({
      passes: p,
      failures: f,
      flakes: l,
      dayCluster: n ? sumDay / n : 1,
      payloadCluster: n ? (sumPay + (n - tagged)) / n : 1,
      // Rounded: the sum depends, in its last bits, on the order runs arrived in, and it feeds p-values.
      elevation: n ? Math.round((g / n) * 1e6) / 1e6 : 1,
    });
    if (!basis) {
      passes = p;
      failures = f;
      flakes = l;
      gain = g;
    }
  }
  return out;
}

function clearScratch(s: Scratch, W: number, days: number, payloads: number): void {
  s.counts.fill(0);
  s.gain.fill(0);
  for (const d of s.touchedDays) {
    for (let k = 0; k < W; k++) s.dayRuns[k * days + d] = 0;
    s.dayEstRuns[d] = 0;
    s.dayFails[d] = 0;
    s.dayMark[d] = 0;
  }
  for (const p of s.touchedPayloads) {
    for (let k = 0; k < W; k++) s.payRuns[k * payloads + p] = 0;
    s.payEstRuns[p] = 0;
    s.payFails[p] = 0;
    s.payMark[p] = 0;
  }
  for (const lane of s.touchedLanes) s.laneMark[lane] = 0;
  s.touchedDays.length = 0;
  s.touchedPayloads.length = 0;
  s.touchedLanes.length = 0;
}

export function runsOf(c: { passes: number; failures: number; flakes: number }): number {
  return c.passes + c.failures + c.flakes;
}

/** Lanes mapped to the sorted distinct names `nameOf` gives them. */
function indexLanes(count: number, nameOf: (lane: number) => string): { names: string[]; index: Int32Array } {
  const names = [...new Set(Array.from({ length: count }, (_, lane) => nameOf(lane)))].sort();
  const byName = new Map(names.map((name, i) => [name, i]));
  const index = new Int32Array(count);
  for (let lane = 0; lane < count; lane++) index[lane] = byName.get(nameOf(lane))!;
  return { names, index };
}

/**
 * The cell's results in time order: whether each run failed, and the run indices (for onset and evidence). Runs
 * of bad days are left out unless `withExcluded` (the onset's timeline keeps them: a regression may begin in one).
 */
export function cellSequence(
  log: TestLog,
  test: number,
  lanes: readonly number[],
  flakeAsFailure: boolean,
  from: number,
  to: number,
  withExcluded = false,
): { runs: number[]; failed: Uint8Array } {
  const laneSet = new Set(lanes);
  const { runs, codes, length } = log.entries(test);
  const picked: number[] = [];
  for (let i = 0; i < length; i++) {
    const r = runs[i]!;
    const time = log.runTime[r]!;
    if (laneSet.has(log.runLane[r]!) && time >= from && time < to && (withExcluded || log.excluded?.[r] !== 1)) picked.push(i);
  }
  // Ties in time go by job and build id, never by the order runs arrived in.
  const byJobBuild = (a: number, b: number): number => {
    const x = log.runs[runs[a]!]!;
    const y = log.runs[runs[b]!]!;
    return x.job < y.job ? -1 : x.job > y.job ? 1 : compareBuildIds(x.buildId, y.buildId);
  };
  picked.sort((a, b) => log.runTime[runs[a]!]! - log.runTime[runs[b]!]! || byJobBuild(a, b));
  const failed = new Uint8Array(picked.length);
  picked.forEach((i, k) => {
    const code = codes[i]!;
    failed[k] = code === FAIL || (flakeAsFailure && code === FLAKE) ? 1 : 0;
  });
  return { runs: picked.map((i) => runs[i]!), failed };
}
