/**
 * Chart data, shared by the page (which serialises it into a data- attribute and prints the same
 * numbers as a table) and the browser script (which draws it). Rates travel as percentages, 0..100,
 * with null for days without finished runs so the line shows a gap instead of a false 0 %.
 */
import type { JobDay, TestDay } from '../../snapshot/schema.ts';
import { count, percent } from './format.ts';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** Style slot 0, 1, … ; the script maps it to colours and dash patterns. */
  slot: number;
}

export interface ChartSpec {
  labels: string[];
  series: ChartSeries[];
}

export interface FallbackTable {
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
      labels: sorted.map((d) => d.date),
      series: [
        { label: 'Pass rate', slot: 0, values: pass.map(toPercent) },
        { label: 'Working rate (passes + flakes)', slot: 1, values: working.map(toPercent) },
      ],
    },
    table: {
      columns: ['Day (UTC)', 'Runs', 'Passes', 'Failures', 'Flakes', 'Pass rate', 'Working rate'],
      rows: sorted.map((d, i) => [d.date, count(d.runs), count(d.passes), count(d.failures), count(d.flakes),
        percent(pass[i] ?? null), percent(working[i] ?? null)]),
    },
  };
}

/** Type guard for the browser script: the attribute is data, so check its shape before drawing. */
export function isChartSpec(value: unknown): value is ChartSpec {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.labels) && v.labels.every((l) => typeof l === 'string')
    && Array.isArray(v.series) && v.series.every((s: unknown) => {
      if (typeof s !== 'object' || s === null) return false;
      const r = s as Record<string, unknown>;
      return typeof r.label === 'string' && typeof r.slot === 'number'
        && Array.isArray(r.values) && r.values.every((x) => x === null || typeof x === 'number');
    });
}
