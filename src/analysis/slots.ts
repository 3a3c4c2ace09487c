/**
 * Time slots of the analysis. Summaries compare the current window with the previous one;
 * regressions compare it with the basis window, which ends at the same instant but may be longer
 * or shorter. Counting into three disjoint slots serves both without counting anything twice:
 *
 *   slot 0  current                              [asOf − current, asOf)
 *   slot 1  in both previous and basis           [start − min(previous, basis), start)
 *   slot 2  in the longer of the two only        [start − max, start − min)   (empty when equal)
 *
 * The windows themselves come from the run plan (config/run-plan.ts, resolveWindows). Ratchet mode's
 * recent window [asOf − recent, asOf) is the newest part of slot 0; runs there are
 * counted in slot 0 and once more on their own, so its hypothesis needs no extra pass.
 */
import type { AnalysisWindows } from '../config/run-plan.ts';
import type { Window } from './windows.ts';

export type Slot = 0 | 1 | 2;

export interface Slots {
  current: Window;
  previous: Window;
  basis: Window;
  /** Where slot 1 starts (slot 2 is everything before it down to lookbackStart). */
  sharedStart: number;
  lookbackStart: number;
  /** Which window slot 2 belongs to; null when previous and basis are the same length. */
  restBelongsTo: 'previous' | 'basis' | null;
  /** Ratchet mode's recent window (inside the current one); null when off or not shorter than it. */
  recent: Window | null;
}

export function slotsFor(windows: AnalysisWindows): Slots {
  const start = windows.current.start;
  const previousMs = start - windows.previous.start;
  const basisMs = start - windows.basis.start;
  return {
    current: windows.current,
    previous: windows.previous,
    basis: windows.basis,
    sharedStart: start - Math.min(previousMs, basisMs),
    lookbackStart: windows.lookbackStart,
    restBelongsTo: previousMs === basisMs ? null : previousMs > basisMs ? 'previous' : 'basis',
    recent: windows.recent,
  };
}

/** The slot of a run counted at `time`, or -1 outside the look-back. */
export function slotOf(time: number, slots: Slots): Slot | -1 {
  if (time >= slots.current.end || time < slots.lookbackStart) return -1;
  if (time >= slots.current.start) return 0;
  return time >= slots.sharedStart ? 1 : 2;
}

/** Whether a run counted at `time` in slot 0 is also in the recent window. */
export function inRecent(time: number, slots: Slots): boolean {
  return slots.recent !== null && time >= slots.recent.start;
}

/** Whether slot counts belong to the previous window (job and test summaries). */
export function inPrevious(slot: Slot, slots: Slots): boolean {
  return slot === 1 || (slot === 2 && slots.restBelongsTo === 'previous');
}

/** Whether slot counts belong to the basis window (regressions, disruption). */
export function inBasis(slot: Slot, slots: Slots): boolean {
  return slot === 1 || (slot === 2 && slots.restBelongsTo === 'basis');
}
