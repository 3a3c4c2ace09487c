/**
 * The scenarios the statistics targets are measured on (docs/statistics.md, "Measured"), each a CI
 * model driven through the real analysis at a 2-hour cadence:
 *
 * - nullModel: stable cells under one kind of clustered noise, with a few regressed cells so that the
 *   displayed list has true entries too: false alarms per 10,000 stable cells per week, and the share
 *   of the displayed list that is stable cells.
 * - detection: drops of different sizes on cells with 7, 12 and 24 runs a day, and disruption rises:
 *   hours from onset to the first snapshot that shows each.
 * - persistence: regressions that are never fixed, driven for 30 days: whether each stays open; and regressions
 *   fixed three days after their onset: hours from the fix until the report stops showing them.
 */
import { configSchema, type RatchetConfigInput } from '../../src/config/config-schema.ts';
import { createCiModel, type DisruptionRise, type NullModel, simulationJobNames, type TestDrop } from './ci-model.ts';
import { drive } from './drive.ts';
import { type CellOutcome, failureFloorHours, measure, type Measured } from './metrics.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Every scenario's model starts here; 37 days of history precede the first snapshot (the look-back). */
export const SIM_START = Date.UTC(2026, 8, 1);
const HISTORY_DAYS = 38;

export const NULL_MODELS: readonly NullModel[] = [
  { name: 'independent runs' },
  { name: 'day effects, CV 0.5 per cell', dayCv: 0.5 },
  { name: 'day effects, CV 1.0 per cell', dayCv: 1 },
  { name: 'day effects, CV 0.5 shared by a job', dayCv: 0.5, dayShared: true },
  { name: 'day effects, CV 1.0 shared by a job', dayCv: 1, dayShared: true },
  { name: 'bad days (5 %, failures × 4)', badDays: { share: 0.05, factor: 4 } },
  { name: 'mass-failure runs (3 %, 40 % of tests)', massFailure: { share: 0.03, failShare: 0.4 } },
  { name: 'payload batches, CV 1.0 shared', payloadCv: 1, payloadShared: true },
];

export interface Size {
  /** Stable tests per job of the power scenario (4 jobs of 7 runs a day). */
  powerTests: number;
  powerDays: number;
  /** Stable tests per job in the null-model scenarios (cells = tests × jobs). */
  nullTests: number;
  nullJobs: number;
  nullDays: number;
  detectionTests: number;
  detectionDays: number;
  persistenceDays: number;
  /** Days driven after the fix in the fixed-regression scenario (the fix lands three days after the onset). */
  fixedDays: number;
}

export const SIZES: Readonly<Record<'small' | 'full', Size>> = {
  small: { powerTests: 150, powerDays: 8, nullTests: 150, nullJobs: 4, nullDays: 2, detectionTests: 80, detectionDays: 4, persistenceDays: 8, fixedDays: 4 },
  full: {
    powerTests: 1250,
    powerDays: 14,
    nullTests: 1250,
    nullJobs: 4,
    nullDays: 14,
    detectionTests: 500,
    detectionDays: 9,
    persistenceDays: 30,
    fixedDays: 10,
  },
};

export interface NullResult {
  model: string;
  stableCells: number;
  measured: Measured;
  snapshots: number;
  seconds: number;
}

/** Stable cells under `noise`, plus eight regressed cells (so the displayed list is not only false alarms). */
export async function nullModel(noise: NullModel, size: Size, seed: number, config: RatchetConfigInput = {}): Promise<NullResult> {
  const started = performance.now();
  const jobs = simulationJobNames(size.nullJobs).map((name) => ({ name, runsPerDay: 12 }));
  const onsetDay = SIM_START + HISTORY_DAYS * DAY;
  const drops: TestDrop[] = [];
  for (let k = 0; k < 8; k++) drops.push({ test: k, jobs: [k % size.nullJobs], onset: onsetDay + k * 5 * HOUR, from: 0.995, to: k < 4 ? 0.6 : 0.75 });
  const model = createCiModel({
    seed,
    start: SIM_START,
    days: HISTORY_DAYS + size.nullDays + 1,
    jobs,
    tests: size.nullTests,
    noise,
    drops,
    payloadEveryHours: 6,
  });
  const records = await drive({ model, config, from: onsetDay, to: onsetDay + size.nullDays * DAY });
  const regressed = new Map(drops.map((d) => [`test:${d.test}/${d.jobs[0]}`, d.onset] as [string, number]));
  const stableCells = size.nullTests * size.nullJobs - regressed.size;
  return {
    model: noise.name,
    stableCells,
    measured: measure(records, { regressed, stableTestCells: stableCells }),
    snapshots: records.length,
    seconds: (performance.now() - started) / 1000,
  };
}

interface DetectionGroup {
  label: string;
  cells: CellOutcome[];
  /** A group of test drops: the working rates before and after, and the runs a day of its cells. */
  drop?: { from: number; to: number; runsPerDay: number };
}

export interface DetectionResult {
  groups: DetectionGroup[];
  snapshots: number;
  seconds: number;
  falseNew: number;
}

/**
 * Drops on cells with 7, 12 and 24 runs a day, each starting at its own hour of the first day, and
 * disruption ten times its basis median on single backend × variant cells.
 */
export async function detection(size: Size, seed: number, config: RatchetConfigInput = {}): Promise<DetectionResult> {
  const started = performance.now();
  const names = simulationJobNames(8);
  // Jobs 0–3: 12 runs a day; 4–5: 24; 6–7: 7 (50 a week).
  const jobs = names.map((name, j) => ({ name, runsPerDay: j < 4 ? 12 : j < 6 ? 24 : 7 }));
  const first = SIM_START + HISTORY_DAYS * DAY;
  const onset = (k: number): number => first + ((k * 7) % 24) * HOUR + 17 * 60_000;
  const specs: Array<{ label: string; jobs: number[]; from: number; to: number; count: number }> = [
    { label: '99.5 % → 60 %, 12 runs a day', jobs: [0, 1, 2, 3], from: 0.995, to: 0.6, count: 12 },
    { label: '99.5 % → 60 %, 24 runs a day', jobs: [4, 5], from: 0.995, to: 0.6, count: 8 },
    { label: '99.5 % → 80 %, 12 runs a day', jobs: [0, 1, 2, 3], from: 0.995, to: 0.8, count: 12 },
    { label: '95 % → 80 %, 50 runs a week', jobs: [6, 7], from: 0.95, to: 0.8, count: 16 },
  ];
  const drops: TestDrop[] = [];
  const groups: Array<{ label: string; keys: string[]; drop?: DetectionGroup['drop'] }> = [];
  let test = 0;
  for (const spec of specs) {
    const keys: string[] = [];
    for (let k = 0; k < spec.count; k++, test++) {
      const job = spec.jobs[k % spec.jobs.length]!;
      drops.push({ test, jobs: [job], onset: onset(test), from: spec.from, to: spec.to });
      keys.push(`test:${test}/${job}`);
    }
    groups.push({ label: spec.label, keys, drop: { from: spec.from, to: spec.to, runsPerDay: jobs[spec.jobs[0]!]!.runsPerDay } });
  }
  const rises: DisruptionRise[] = [];
  const riseKeys: string[] = [];
  for (let k = 0; k < 8; k++) {
    const r = { backend: k % 4, job: k % 4, onset: onset(100 + k), factor: 10 };
    rises.push(r);
    riseKeys.push(`disruption:${r.backend}/${r.job}`);
  }
  groups.push({ label: 'disruption P50 × 10, 12 runs a day', keys: riseKeys });
  const tests = Math.max(size.detectionTests, test + 1);
  const model = createCiModel({
    seed,
    start: SIM_START,
    days: HISTORY_DAYS + size.detectionDays + 1,
    jobs,
    tests,
    drops,
    rises,
    backends: 4,
    payloadEveryHours: 6,
  });
  const records = await drive({ model, config, from: first, to: first + size.detectionDays * DAY });
  const regressed = new Map<string, number>([
    ...drops.map((d) => [`test:${d.test}/${d.jobs[0]}`, d.onset] as [string, number]),
    ...rises.map((r, k) => [riseKeys[k]!, r.onset] as [string, number]),
  ]);
  const measured = measure(records, { regressed, stableTestCells: tests * jobs.length - drops.length });
  const byCell = new Map(measured.cells.map((c) => [c.cell, c]));
  // Beside each drop: the first snapshot that sees minFailures failing runs of it since its onset.
  const asOfs = records.map((r) => r.asOf);
  const firstOnset = Math.min(...drops.map((d) => d.onset));
  const floors = failureFloorHours(
    model.runsFinishedBetween(firstOnset, asOfs[asOfs.length - 1] ?? first),
    drops.map((d) => ({ job: model.jobNames[d.jobs[0]!]!, test: model.testNames[d.test]!, onset: d.onset })),
    configSchema.parse(config).regressions.minFailures,
    asOfs,
  );
  drops.forEach((d, k) => {
    byCell.get(`test:${d.test}/${d.jobs[0]}`)!.floorHours = floors[k] ?? null;
  });
  return {
    groups: groups.map((g) => ({ label: g.label, cells: g.keys.map((k) => byCell.get(k)!), ...(g.drop ? { drop: g.drop } : {}) })),
    snapshots: records.length,
    seconds: (performance.now() - started) / 1000,
    falseNew: measured.falseNew,
  };
}

/**
 * The power measurement, at a 2-hour cadence: stable cells with 50 runs a week and 25 cells whose
 * working rate drops from 95 % to 80 % within the same hour (as one bad change would), judged every two hours
 * for two weeks. Its figure is the share of the 25 flagged by day 7 and by day 14.
 */
export async function power(size: Size, seed: number, config: RatchetConfigInput = {}): Promise<DetectionResult> {
  const started = performance.now();
  const jobs = simulationJobNames(4).map((name) => ({ name, runsPerDay: 50 / 7 }));
  const first = SIM_START + HISTORY_DAYS * DAY;
  const drops: TestDrop[] = [];
  const keys: string[] = [];
  for (let k = 0; k < 25; k++) {
    drops.push({ test: k, jobs: [k % 4], onset: first + 3 * HOUR + k * 2 * 60_000, from: 0.95, to: 0.8 });
    keys.push(`test:${k}/${k % 4}`);
  }
  const model = createCiModel({
    seed,
    start: SIM_START,
    days: HISTORY_DAYS + size.powerDays + 1,
    jobs,
    tests: Math.max(size.powerTests, 25),
    drops,
    payloadEveryHours: 6,
  });
  const records = await drive({ model, config, from: first, to: first + size.powerDays * DAY });
  const regressed = new Map(drops.map((d, k) => [keys[k]!, d.onset] as [string, number]));
  const measured = measure(records, { regressed, stableTestCells: Math.max(size.powerTests, 25) * 4 - 25 });
  const byCell = new Map(measured.cells.map((c) => [c.cell, c]));
  return {
    groups: [
      { label: '95 % → 80 %, 50 runs a week, 25 cells at once', cells: keys.map((k) => byCell.get(k)!), drop: { from: 0.95, to: 0.8, runsPerDay: 50 / 7 } },
    ],
    snapshots: records.length,
    seconds: (performance.now() - started) / 1000,
    falseNew: measured.falseNew,
  };
}

/** The fix of the fixed-regression scenario lands this long after each onset. */
export const FIX_AFTER = 3 * DAY;

/**
 * Regressions on every job of a variant (as the 45-day tree had them): never fixed, driven for 30 days;
 * or, with `fixed`, fixed three days after their onset and driven for `fixedDays` more.
 */
export async function persistence(size: Size, seed: number, config: RatchetConfigInput = {}, noise?: NullModel, fixed = false): Promise<DetectionResult> {
  const started = performance.now();
  const jobs = simulationJobNames(2).map((name) => ({ name, runsPerDay: 12 }));
  const first = SIM_START + HISTORY_DAYS * DAY;
  const specs = [
    { label: '99.99 % → 75 %', from: 0.9999, to: 0.75 },
    { label: '99.5 % → 80 %', from: 0.995, to: 0.8 },
    { label: '95 % → 80 %', from: 0.95, to: 0.8 },
  ];
  const drops: TestDrop[] = [];
  const groups: Array<{ label: string; keys: string[] }> = [];
  let test = 0;
  for (const spec of specs) {
    const keys: string[] = [];
    for (let k = 0; k < 10; k++, test++) {
      const job = k % 2;
      const onset = first + ((test * 5) % 24) * HOUR;
      drops.push({ test, jobs: [job], onset, from: spec.from, to: spec.to, ...(fixed ? { fixed: onset + FIX_AFTER } : {}) });
      keys.push(`test:${test}/${job}`);
    }
    groups.push({ label: spec.label, keys });
  }
  const days = fixed ? FIX_AFTER / DAY + 1 + size.fixedDays : size.persistenceDays;
  const model = createCiModel({
    seed,
    start: SIM_START,
    days: HISTORY_DAYS + days + 1,
    jobs,
    tests: Math.max(100, test),
    ...(noise ? { noise } : {}),
    drops,
    payloadEveryHours: 6,
  });
  const records = await drive({ model, config, from: first, to: first + days * DAY });
  const regressed = new Map(drops.map((d) => [`test:${d.test}/${d.jobs[0]}`, d.onset] as [string, number]));
  const fixes = new Map(drops.filter((d) => d.fixed !== undefined).map((d) => [`test:${d.test}/${d.jobs[0]}`, d.fixed!] as [string, number]));
  const measured = measure(records, { regressed, stableTestCells: 1, fixed: fixes });
  const byCell = new Map(measured.cells.map((c) => [c.cell, c]));
  return {
    groups: groups.map((g) => ({ label: g.label, cells: g.keys.map((k) => byCell.get(k)!) })),
    snapshots: records.length,
    seconds: (performance.now() - started) / 1000,
    falseNew: measured.falseNew,
  };
}
