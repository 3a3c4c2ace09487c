/**
 * Presentation-only formatting. Pure functions, so the wording the site shows (and the "no data is
 * never good news" rule) can be unit-tested without building pages.
 */
import type { JobSummary, RunRef } from '../../snapshot/schema.ts';

const DASH = '—';

/** A 0..1 rate as a percentage; null (nothing finished) is a dash, never 0 % or 100 %. */
export function percent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return DASH;
  return `${(rate * 100).toFixed(digits)}%`;
}

/** A Wilson interval as "88.1–96.2%"; empty when unknown. */
export function interval(iv: readonly [number, number] | null | undefined): string {
  if (!iv) return '';
  return `${(iv[0] * 100).toFixed(1)}–${(iv[1] * 100).toFixed(1)}%`;
}

/** Seconds of disruption: "13 s", "1.5 s"; a dash when unknown. */
export function seconds(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  // A no-break space keeps "13 s" together in narrow table cells.
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(x === Math.round(x) ? 0 : 1)}\u00a0s`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export type Direction = 'up' | 'down' | 'flat' | 'unknown';

export interface DeltaView {
  direction: Direction;
  /** ▲ ▼ ▬ or empty: a shape, so the direction does not depend on colour. */
  arrow: string;
  /** "+3.2 pp", "−4.0 pp", "0.0 pp" or a dash. */
  text: string;
  /** Spoken form for screen readers: "up 3.2 points". */
  label: string;
}

/** Within this many points a change is "flat", the rule the analysis uses for job trends. */
const FLAT_POINTS = 2;

/**
 * A change in percentage points. `trend` from the snapshot wins when given (jobs carry one); tests only
 * carry the delta, so their direction is derived with the same ±2 point rule.
 */
export function delta(points: number | null | undefined, trend?: Direction): DeltaView {
  if (points === null || points === undefined || !Number.isFinite(points)) {
    return { direction: 'unknown', arrow: '', text: DASH, label: 'no comparison' };
  }
  const direction: Direction = trend && trend !== 'unknown' ? trend : Math.abs(points) <= FLAT_POINTS ? 'flat' : points > 0 ? 'up' : 'down';
  const magnitude = Math.abs(points).toFixed(1);
  // U+2212 minus sign: a hyphen reads as a dash next to the arrows.
  const sign = points > 0 && magnitude !== '0.0' ? '+' : points < 0 && magnitude !== '0.0' ? '\u2212' : '';
  const arrow = direction === 'up' ? '▲' : direction === 'down' ? '▼' : '▬';
  const moved = magnitude === '0.0' ? 'no change' : `${points < 0 ? 'down' : 'up'} ${magnitude} points`;
  const label = direction === 'flat' ? `flat (${moved})` : moved;
  return { direction, arrow, text: `${sign}${magnitude} pp`, label };
}

/** "2026-11-28 06:00 UTC": the site always speaks UTC, as Prow does. */
export function utcDateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const s = t.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

export function utcDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toISOString().slice(0, 10);
}

/** "1h 23m" between two instants; a dash when either is missing (pending runs). */
export function duration(started: string | null, finished: string | null): string {
  if (!started || !finished) return DASH;
  const ms = Date.parse(finished) - Date.parse(started);
  if (!Number.isFinite(ms) || ms < 0) return DASH;
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m`;
}

export interface Badge {
  /** Shown as text next to the colour, so the meaning never rests on colour alone. */
  text: string;
  icon: string;
  /** CSS modifier: ok, warn, bad, muted. */
  tone: 'ok' | 'warn' | 'bad' | 'muted';
}

export function jobStatus(status: JobSummary['status']): Badge {
  switch (status) {
    case 'passing':
      return { text: 'Passing', icon: '✓', tone: 'ok' };
    case 'degraded':
      return { text: 'Degraded', icon: '!', tone: 'warn' };
    case 'failing':
      return { text: 'Failing', icon: '✗', tone: 'bad' };
    case 'stale':
      return { text: 'Stale', icon: '?', tone: 'muted' };
  }
}

export function runResult(result: RunRef['result']): Badge {
  switch (result) {
    case 'success':
      return { text: 'Success', icon: '✓', tone: 'ok' };
    case 'failure':
      return { text: 'Failure', icon: '✗', tone: 'bad' };
    case 'error':
      return { text: 'Error', icon: '✗', tone: 'bad' };
    case 'aborted':
      return { text: 'Aborted', icon: '–', tone: 'muted' };
    case 'pending':
      return { text: 'Pending', icon: '…', tone: 'muted' };
  }
}

/** Why a run was kept out of test verdicts: its failures say nothing about single tests. */
export function excludedClass(cls: 'mass-failure' | 'infrastructure' | 'bad-day'): Badge {
  if (cls === 'bad-day') return { text: 'Bad day', icon: '☁', tone: 'muted' };
  return cls === 'mass-failure' ? { text: 'Mass failure', icon: '‼', tone: 'warn' } : { text: 'Infrastructure', icon: '⚙', tone: 'muted' };
}

export function testOutcome(status: 'fail' | 'flake'): Badge {
  return status === 'fail' ? { text: 'Failed', icon: '✗', tone: 'bad' } : { text: 'Flaked', icon: '~', tone: 'warn' };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
