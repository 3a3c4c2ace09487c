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
import { FAIL, FLAKE, PASS, type TestLog } from './test-log.ts';

export interface WindowCounts {
  passes: number;
  /** Runs where the test failed (not flaked). */
  failures: number;
  flakes: number;
  /** Mean cluster size Σm²/Σm of the window's runs, clustered by UTC day and by payload. */
  dayCluster: number;
  payloadCluster: number;
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

const emptyCounts = (): WindowCounts => ({ passes: 0, failures: 0, flakes: 0, dayCluster: 1, payloadCluster: 1 });

/** Every cell with runs in the longest scan window. */
export function buildTestCells(log: TestLog, testCount: number, lanes: Lanes, windows: CellWindows, options: CellOptions): CellsResult {
  const K = windows.scan.length;
  const W = K + 1; // scan windows, then the basis
  const groupOfLane = indexLanes(lanes.laneJob.length, (lane) => (options.groupBy === 'variant' ? lanes.laneKey[lane]! : lanes.laneJob[lane]!));
  const jobOfLane = indexLanes(lanes.laneJob.length, (lane) => lanes.laneJob[lane]!);
  const extraJobs = options.groupBy === 'variant' && options.jobCells;
  const groupCount = groupOfLane.names.length;

  // Day and payload indices of every run, relative to the oldest.
  let firstDay = Infinity;
  let lastDay = -Infinity;
  for (let r = 0; r < log.runCount; r++) {
    firstDay = Math.min(firstDay, log.runDay[r]!);
    lastDay = Math.max(lastDay, log.runDay[r]!);
  }
  const days = Number.isFinite(firstDay) ? lastDay - firstDay + 1 : 0;
  const payloads = log.payloads.length;
  const scratch = {
    dayRuns: new Int32Array(W * days),
    dayFails: new Int32Array(days),
    dayMark: new Uint8Array(days),
    payMark: new Uint8Array(payloads),
    payRuns: new Int32Array(W * payloads),
    payFails: new Int32Array(payloads),
    touchedDays: [] as number[],
    touchedPayloads: [] as number[],
  };
  const estimators = { day: new RelativeVarianceEstimator(), payload: new RelativeVarianceEstimator() };
  const starts = windows.scan.map((w) => w.start);
  const end = windows.scan.length ? windows.scan[K - 1]!.end : -Infinity;
  const windowOf = (time: number): number => {
    if (time >= end) return -1;
    for (let k = 0; k < K; k++) if (time >= starts[k]!) return k;
    return time >= windows.basis.start && time < windows.basis.end ? K : -1;
  };

  const cells: TestCell[] = [];
  for (let t = 0; t < testCount; t++) {
    const { runs, codes, length } = log.entries(t);
    if (length === 0) continue;
    // Bucket the test's results by cell: main cells 0…groupCount−1, job cells after them.
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < length; i++) {
      const lane = log.runLane[runs[i]!]!;
      const main = groupOfLane.index[lane]!;
      getList(buckets, main).push(i);
      if (extraJobs) getList(buckets, groupCount + jobOfLane.index[lane]!).push(i);
    }
    const mains = new Map<number, TestCell>();
    for (const [key, entries] of [...buckets.entries()].sort(([a], [b]) => a - b)) {
      const isJob = key >= groupCount;
      const cell = countCell(t, entries, runs, codes, log, windowOf, W, firstDay, scratch, estimators, options.flakeAsFailure, !isJob);
      cell.groupBy = isJob ? 'job' : options.groupBy;
      cell.group = isJob ? jobOfLane.names[key - groupCount]! : groupOfLane.names[key]!;
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

interface Scratch {
  dayRuns: Int32Array;
  dayFails: Int32Array;
  dayMark: Uint8Array;
  payMark: Uint8Array;
  payRuns: Int32Array;
  payFails: Int32Array;
  touchedDays: number[];
  touchedPayloads: number[];
}

function countCell(
  test: number,
  entries: readonly number[],
  runs: Int32Array,
  codes: Uint8Array,
  log: TestLog,
  windowOf: (time: number) => number,
  W: number,
  firstDay: number,
  s: Scratch,
  estimators: { day: RelativeVarianceEstimator; payload: RelativeVarianceEstimator },
  flakeAsFailure: boolean,
  estimate: boolean,
): TestCell {
  const counts = Array.from({ length: W }, emptyCounts);
  const lanes = new Set<number>();
  const K = W - 1;
  const days = s.dayFails.length;
  const payloads = s.payFails.length;
  for (const i of entries) {
    const r = runs[i]!;
    lanes.add(log.runLane[r]!);
    const w = windowOf(log.runTime[r]!);
    if (w < 0) continue;
    const code = codes[i]!;
    const failed = code === FAIL || (flakeAsFailure && code === FLAKE);
    const day = log.runDay[r]! - firstDay;
    const payload = log.runPayload[r]!;
    // A run in scan window w is also in every longer one.
    for (let k = w; k < (w === K ? W : K); k++) {
      const c = counts[k]!;
      if (code === PASS) c.passes++;
      else if (code === FAIL) c.failures++;
      else c.flakes++;
      s.dayRuns[k * days + day]!++;
      if (payload >= 0) s.payRuns[k * payloads + payload]!++;
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
      if (failed) s.dayFails[day]!++;
      if (payload >= 0 && failed) s.payFails[payload]!++;
    }
  }
  // Mean cluster sizes, then the basis clusters for the estimate; then clear what was touched.
  for (let k = 0; k < W; k++) {
    const n = runsOf(counts[k]!);
    if (n === 0) continue;
    let sumDay = 0;
    for (const d of s.touchedDays) sumDay += s.dayRuns[k * days + d]! ** 2;
    let sumPay = 0;
    let tagged = 0;
    for (const p of s.touchedPayloads) {
      const m = s.payRuns[k * payloads + p]!;
      sumPay += m * m;
      tagged += m;
    }
    counts[k]!.dayCluster = sumDay / n;
    // Untagged runs are clusters of one.
    counts[k]!.payloadCluster = (sumPay + (n - tagged)) / n;
  }
  if (estimate && runsOf(counts[K]!) > 0) {
    const dayRuns = s.touchedDays.map((d) => s.dayRuns[K * days + d]!);
    estimators.day.add(
      dayRuns,
      s.touchedDays.map((d) => s.dayFails[d]!),
      dayRuns.length,
    );
    const payRuns = s.touchedPayloads.map((p) => s.payRuns[K * payloads + p]!);
    estimators.payload.add(
      payRuns,
      s.touchedPayloads.map((p) => s.payFails[p]!),
      payRuns.length,
    );
  }
  for (const d of s.touchedDays) {
    for (let k = 0; k < W; k++) s.dayRuns[k * days + d] = 0;
    s.dayFails[d] = 0;
    s.dayMark[d] = 0;
  }
  for (const p of s.touchedPayloads) {
    for (let k = 0; k < W; k++) s.payRuns[k * payloads + p] = 0;
    s.payFails[p] = 0;
    s.payMark[p] = 0;
  }
  s.touchedDays.length = 0;
  s.touchedPayloads.length = 0;
  return {
    test,
    groupBy: 'variant',
    group: '',
    lanes: [...lanes].sort((a, b) => a - b),
    windows: counts.slice(0, K),
    basis: counts[K]!,
    compatible: true,
  };
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

function getList(map: Map<number, number[]>, key: number): number[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** The cell's results in time order: whether each run failed, and the run indices (for onset and evidence). */
export function cellSequence(
  log: TestLog,
  test: number,
  lanes: readonly number[],
  flakeAsFailure: boolean,
  from: number,
  to: number,
): { runs: number[]; failed: Uint8Array } {
  const laneSet = new Set(lanes);
  const { runs, codes, length } = log.entries(test);
  const picked: number[] = [];
  for (let i = 0; i < length; i++) {
    const r = runs[i]!;
    const time = log.runTime[r]!;
    if (laneSet.has(log.runLane[r]!) && time >= from && time < to) picked.push(i);
  }
  picked.sort((a, b) => log.runTime[runs[a]!]! - log.runTime[runs[b]!]! || runs[a]! - runs[b]!);
  const failed = new Uint8Array(picked.length);
  picked.forEach((i, k) => {
    const code = codes[i]!;
    failed[k] = code === FAIL || (flakeAsFailure && code === FLAKE) ? 1 : 0;
  });
  return { runs: picked.map((i) => runs[i]!), failed };
}
