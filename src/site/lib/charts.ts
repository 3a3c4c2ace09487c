/**
 * Chart data, shared by the page (which serialises it into a data- attribute and prints the same
 * numbers as a table) and the browser script (which draws it). Rates travel as percentages, 0..100,
 * with null for days without finished runs so the line shows a gap instead of a false 0 %.
 *
 * Kinds: `line` (a value per day), `interval` (a rate per category with its 95 % interval drawn as a
 * floating bar: basis against sample), `quantile` (percentiles P50…max per series: a distribution
 * summarised), `hbar` (horizontal bars per category, several series).
 */
import type {
  DisruptionCell,
  DisruptionRegression,
  DisruptionStats,
  HistoricalDisruption,
  JobDay,
  JobRegression,
  TestDay,
  TestRegression,
} from '../../snapshot/schema.ts';
import { count, percent } from './format.ts';

type ChartKind = 'line' | 'interval' | 'quantile' | 'hbar';
type ChartUnit = 'percent' | 'seconds';

interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** Interval per value ([low, high], same unit), drawn as a floating bar (`interval` charts). */
  ranges?: ([number, number] | null)[];
  /** Style slot 0, 1, … ; the script maps it to colours and dash patterns. */
  slot: number;
}

export interface ChartSpec {
  kind: ChartKind;
  unit: ChartUnit;
  labels: string[];
  series: ChartSeries[];
}

interface FallbackTable {
  columns: string[];
  /** First cell of each row is the row header (the day). */
  rows: string[][];
}

export interface DailyChart {
  spec: ChartSpec;
  table: FallbackTable;
}

const toPercent = (rate: number | null): number | null => (rate === null ? null : Math.round(rate * 1000) / 10);

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function jobDailyChart(days: readonly JobDay[]): DailyChart {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  return {
    spec: {
      kind: 'line',
      unit: 'percent',
      labels: sorted.map((d) => d.date),
      series: [{ label: 'Pass rate', slot: 0, values: sorted.map((d) => toPercent(d.passRate)) }],
    },
    table: {
      columns: ['Day (UTC)', 'Runs', 'Success', 'Failure', 'Pass rate'],
      rows: sorted.map((d) => [d.date, count(d.runs), count(d.success), count(d.failure), percent(d.passRate)]),
    },
  };
}

export function testDailyChart(days: readonly TestDay[]): DailyChart {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const pass = sorted.map((d) => ratio(d.passes, d.runs));
  const working = sorted.map((d) => ratio(d.passes + d.flakes, d.runs));
  return {
    spec: {
      kind: 'line',
      unit: 'percent',
      labels: sorted.map((d) => d.date),
      series: [
        { label: 'Pass rate', slot: 0, values: pass.map(toPercent) },
        { label: 'Working rate (passes + flakes)', slot: 1, values: working.map(toPercent) },
      ],
    },
    table: {
      columns: ['Day (UTC)', 'Runs', 'Passes', 'Failures', 'Flakes', 'Pass rate', 'Working rate'],
      rows: sorted.map((d, i) => [
        d.date,
        count(d.runs),
        count(d.passes),
        count(d.failures),
        count(d.flakes),
        percent(pass[i] ?? null),
        percent(working[i] ?? null),
      ]),
    },
  };
}

const toPercentRange = (iv: readonly [number, number] | null): [number, number] | null => (iv === null ? null : [toPercent(iv[0]) ?? 0, toPercent(iv[1]) ?? 0]);

/** Basis against sample: each rate as a point, its 95 % interval as a floating bar. */
function intervalChart(label: string, sides: { label: string; rate: number | null; interval: readonly [number, number] | null }[]): ChartSpec {
  return {
    kind: 'interval',
    unit: 'percent',
    labels: sides.map((s) => s.label),
    series: [{ label, slot: 0, values: sides.map((s) => toPercent(s.rate)), ranges: sides.map((s) => toPercentRange(s.interval)) }],
  };
}

const QUANTILES = ['P50', 'P75', 'P95', 'P99', 'Max'] as const;

const seconds = (x: number): number => Math.round(x * 100) / 100;

function quantiles(stats: DisruptionStats | HistoricalDisruption): (number | null)[] {
  return [stats.p50, stats.p75, stats.p95, stats.p99, 'max' in stats ? stats.max : null].map((v) => (v === null ? null : seconds(v)));
}

/** Disruption seconds per run at each percentile: the sample, its basis and a historical record. */
export function quantileChart(current: DisruptionStats | null, basis: DisruptionStats | null, historical: HistoricalDisruption | null): ChartSpec {
  const series: ChartSeries[] = [];
  if (current) series.push({ label: `Current window (${current.runs} runs)`, slot: 0, values: quantiles(current) });
  if (basis) series.push({ label: `Basis window (${basis.runs} runs)`, slot: 1, values: quantiles(basis) });
  if (historical) series.push({ label: `Historical record (${historical.jobRuns} runs)`, slot: 2, values: quantiles(historical) });
  return { kind: 'quantile', unit: 'seconds', labels: [...QUANTILES], series };
}

/** Horizontal bars per category (disruption cells), one bar per series. */
function barChart(unit: ChartUnit, labels: string[], series: { label: string; values: (number | null)[] }[]): ChartSpec {
  return { kind: 'hbar', unit, labels, series: series.map((s, slot) => ({ ...s, slot, values: s.values.map((v) => (v === null ? null : seconds(v))) })) };
}

/** The overview of the disruption page: each cell's current P95 against its basis P95 (else the historical one). */
export function disruptionOverviewChart(cells: readonly DisruptionCell[]): ChartSpec {
  return barChart(
    'seconds',
    cells.map((c) => `${c.backend} · ${c.variantKey}`),
    [
      { label: 'Current P95', values: cells.map((c) => c.current?.p95 ?? null) },
      { label: 'Basis P95', values: cells.map((c) => c.basis?.p95 ?? c.historical?.p95 ?? null) },
    ],
  );
}

/**
 * The small chart of a regression's evidence, with its title: a test's working rate or a job's pass
 * rate with 95 % intervals, basis against sample (a new test has no basis); disruption per percentile.
 */
export function regressionChart(r: TestRegression | JobRegression | DisruptionRegression): { title: string; spec: ChartSpec } {
  switch (r.kind) {
    case 'test':
      return {
        title: 'Working rate with 95% intervals, basis and sample',
        spec: intervalChart('Working rate', [
          ...(r.basis ? [{ label: 'Basis', rate: r.basis.workingRate, interval: r.basis.interval }] : []),
          { label: 'Sample', rate: r.sample.workingRate, interval: r.sample.interval },
        ]),
      };
    case 'job':
      return {
        title: 'Pass rate with 95% intervals, basis and sample',
        spec: intervalChart('Pass rate', [
          { label: 'Basis', rate: r.basis.passRate, interval: r.basis.interval },
          { label: 'Sample', rate: r.sample.passRate, interval: r.sample.interval },
        ]),
      };
    case 'disruption':
      return { title: 'Disruption per run at each percentile', spec: quantileChart(r.current, r.basis, r.historical) };
  }
}

const isRange = (r: unknown): boolean => r === null || (Array.isArray(r) && r.length === 2 && r.every((x) => typeof x === 'number'));

/** Type guard for the browser script: the attribute is data, so check its shape before drawing. */
export function isChartSpec(value: unknown): value is ChartSpec {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    ['line', 'interval', 'quantile', 'hbar'].includes(v.kind as string) &&
    ['percent', 'seconds'].includes(v.unit as string) &&
    Array.isArray(v.labels) &&
    v.labels.every((l) => typeof l === 'string') &&
    Array.isArray(v.series) &&
    v.series.every((s: unknown) => {
      if (typeof s !== 'object' || s === null) return false;
      const r = s as Record<string, unknown>;
      return (
        typeof r.label === 'string' &&
        typeof r.slot === 'number' &&
        Array.isArray(r.values) &&
        r.values.every((x) => x === null || typeof x === 'number') &&
        (r.ranges === undefined || (Array.isArray(r.ranges) && r.ranges.every(isRange)))
      );
    })
  );
}
