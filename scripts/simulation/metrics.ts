/**
 * The figures the statistics targets are stated in, from a drive's snapshots and the model's truth:
 * hours from onset to the first snapshot that shows a regressed cell, whether it stays shown, false
 * alarms on stable cells per 10,000 cells per week, and the share of the displayed list that is
 * stable cells.
 */
import type { RunRecord } from '../../src/ingest/run-record.ts';
import type { SnapshotRecord } from './drive.ts';

export interface Truth {
  /** Regressed cells ("test:<t>/<j>", "disruption:<b>/<j>") and the instant they went bad. */
  regressed: ReadonlyMap<string, number>;
  /** Test cells that never changed. */
  stableTestCells: number;
  /** Regressed cells that were fixed, and the instant their fix landed. */
  fixed?: ReadonlyMap<string, number>;
}

export interface CellOutcome {
  cell: string;
  onset: number;
  /** Hours from onset to the first snapshot showing the cell; null when never shown. */
  firstFlagHours: number | null;
  /** Share of the snapshots from the first flag on that still show it. */
  shownAfterFirst: number | null;
  /**
   * A fixed regression that was flagged: hours from its fix to the first snapshot after which it is never shown
   * again (null: still shown in the last snapshot, or never flagged or fixed).
   */
  resolvedHours: number | null;
  /**
   * Hours from onset to the first snapshot whose runs since the onset hold `minFailures` failures of the
   * cell: the earliest a rule could flag it on failures since the onset alone (test drops of the detection
   * scenario only; null when it never does).
   */
  floorHours?: number | null;
}

export interface Measured {
  cells: CellOutcome[];
  /** New verdicts (status new) on stable test cells. */
  falseNew: number;
  /** New disruption verdicts on backend × variant cells that never changed. */
  falseNewDisruption: number;
  /** Stable test cells shown per snapshot, per 10,000 stable cells (what a reader meets on a random visit). */
  stableShownPer10k: number;
  /** falseNew per 10,000 stable test cells per week of snapshots. */
  falseAlarmsPer10kWeek: number;
  /** Over all snapshots: displayed test regressions on stable cells / all displayed test regressions. */
  displayedStableShare: number | null;
  /** Displayed test regressions per snapshot, on average. */
  displayedPerSnapshot: number;
  weeks: number;
}

export function measure(records: readonly SnapshotRecord[], truth: Truth): Measured {
  const first = new Map<string, number>();
  const lastShown = new Map<string, number>();
  const shownCount = new Map<string, number>();
  let falseNew = 0;
  let falseNewDisruption = 0;
  let displayed = 0;
  let displayedStable = 0;
  for (const r of records) {
    for (const s of r.shown) {
      const onset = truth.regressed.get(s.cell);
      const isTest = s.cell.startsWith('test:');
      if (onset !== undefined && r.asOf >= onset) {
        if (!first.has(s.cell)) first.set(s.cell, r.asOf);
        lastShown.set(s.cell, r.asOf);
        shownCount.set(s.cell, (shownCount.get(s.cell) ?? 0) + 1);
      }
      if (s.cell.startsWith('disruption:') && (onset === undefined || r.asOf < onset) && s.status === 'new') falseNewDisruption++;
      if (!isTest) continue;
      displayed++;
      if (onset === undefined || r.asOf < onset) {
        displayedStable++;
        if (s.status === 'new') falseNew++;
      }
    }
  }
  const cells: CellOutcome[] = [];
  for (const [cell, onset] of truth.regressed) {
    const at = first.get(cell);
    const after = at === undefined ? 0 : records.filter((r) => r.asOf >= at).length;
    const fix = truth.fixed?.get(cell);
    const last = lastShown.get(cell);
    // Resolved for good at the first snapshot after the last one showing it (or at the fix if none after it did).
    const clearedAt = last === undefined ? undefined : records.find((r) => r.asOf > Math.max(last, fix ?? last))?.asOf;
    const resolvedHours = fix === undefined || at === undefined || clearedAt === undefined ? null : Math.max(0, clearedAt - fix) / 3_600_000;
    cells.push({
      cell,
      onset,
      firstFlagHours: at === undefined ? null : (at - onset) / 3_600_000,
      shownAfterFirst: at === undefined ? null : (shownCount.get(cell) ?? 0) / after,
      resolvedHours,
    });
  }
  const span = records.length > 1 ? records[records.length - 1]!.asOf - records[0]!.asOf : 0;
  const weeks = span / (7 * 86_400_000);
  return {
    cells,
    falseNew,
    falseNewDisruption,
    stableShownPer10k: records.length && truth.stableTestCells ? (displayedStable / records.length / truth.stableTestCells) * 10_000 : 0,
    falseAlarmsPer10kWeek: weeks > 0 && truth.stableTestCells > 0 ? ((falseNew / truth.stableTestCells) * 10_000) / weeks : 0,
    displayedStableShare: displayed > 0 ? displayedStable / displayed : null,
    displayedPerSnapshot: records.length ? displayed / records.length : 0,
    weeks,
  };
}

/** Median of the finite values; a never-flagged cell counts as +∞ (so a median over them can be "never"). */
export function medianHours(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => (v === null ? Infinity : v)).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Number.isFinite(m) ? m : null;
}

/**
 * Per cell, hours from its onset to the first snapshot (`asOfs`, ascending) whose runs started at or after
 * the onset hold `failures` failing runs of its test in its job: the earliest a rule could flag it on
 * failures since the onset alone (a scan window may also hold an older failure). Null when the snapshots
 * never see that many. One pass over the runs for every cell.
 */
export function failureFloorHours(
  runs: Iterable<RunRecord>,
  cells: ReadonlyArray<{ job: string; test: string; onset: number }>,
  failures: number,
  asOfs: readonly number[],
): Array<number | null> {
  const finishes: number[][] = cells.map(() => []);
  const byJob = new Map<string, number[]>();
  cells.forEach((c, k) => {
    byJob.set(c.job, [...(byJob.get(c.job) ?? []), k]);
  });
  for (const run of runs) {
    const mine = byJob.get(run.job);
    if (!mine || run.started === null || run.finished === null) continue;
    const started = Date.parse(run.started);
    for (const k of mine) {
      const cell = cells[k]!;
      if (started < cell.onset) continue;
      if (run.tests.some((t) => t.name === cell.test && t.status === 'fail')) finishes[k]!.push(Date.parse(run.finished));
    }
  }
  return cells.map((cell, k) => {
    // With no failures needed, the first snapshot at or after the onset (as measure() counts a flag).
    if (failures <= 0) {
      const at = asOfs.find((t) => t >= cell.onset);
      return at === undefined ? null : (at - cell.onset) / 3_600_000;
    }
    const seen = finishes[k]!.sort((a, b) => a - b)[failures - 1];
    if (seen === undefined) return null;
    // A snapshot at asOf reads the runs finished before it (runsFinishedBetween is half-open).
    const at = asOfs.find((t) => t > seen);
    return at === undefined ? null : (at - cell.onset) / 3_600_000;
  });
}
