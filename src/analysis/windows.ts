/**
 * Which window a run belongs to, and the calendar days of a window. The windows themselves are
 * resolved once, in the run plan (config/run-plan.ts, resolveWindows).
 */
import type { TimeWindow } from '../config/run-plan.ts';
import { DAY_MS } from '../util/time.ts';

export type Window = TimeWindow;

/** The current (sample) and previous windows, both ending at or before the as-of instant. */
export interface Windows {
  current: Window;
  previous: Window;
}

export type WindowName = 'current' | 'previous';

export function windowOf(time: number, windows: Windows): WindowName | undefined {
  if (time >= windows.current.start && time < windows.current.end) return 'current';
  if (time >= windows.previous.start && time < windows.previous.end) return 'previous';
  return undefined;
}

/** The instant a run is counted at: its start (as sippy does), else its end. */
export function runTime(run: { started: string | null; finished: string | null }): number | undefined {
  const t = Date.parse(run.started ?? run.finished ?? '');
  return Number.isFinite(t) ? t : undefined;
}

export function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Every UTC day touched by [start, end), oldest first. */
export function daysBetween(start: number, end: number): string[] {
  const days: string[] = [];
  const first = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), new Date(start).getUTCDate());
  for (let t = first; t < end; t += DAY_MS) days.push(utcDay(t));
  return days;
}
