/**
 * Where a run counts. Summaries compare the current window with the previous one; regressions judge
 * the scan windows (inside the current one) against the basis window, which may be longer than the
 * previous window or a fixed range further back. A run is counted once, in one slot:
 *
 *   slot 0  current                     [asOf − current, asOf)
 *   slot 1  previous                    [current.start − previous, current.start)
 *   slot 2  elsewhere in the look-back  (only the basis reaches there)
 *
 * Whether a run is in the basis is a question of its time (inBasis), asked by the modules that judge
 * regressions; the windows themselves come from the run plan (config/run-plan.ts, resolveWindows).
 */
import type { AnalysisWindows, ScanWindow } from '../config/run-plan.ts';
import type { Window } from './windows.ts';

export type Slot = 0 | 1 | 2;

export interface Slots {
  current: Window;
  previous: Window;
  basis: Window;
  /** Ratchet mode's scan windows, shortest first. */
  scan: readonly ScanWindow[];
  lookbackStart: number;
}

export function slotsFor(windows: AnalysisWindows): Slots {
  return { current: windows.current, previous: windows.previous, basis: windows.basis, scan: windows.scan, lookbackStart: windows.lookbackStart };
}

/** The slot of a run counted at `time`, or -1 outside the look-back. */
export function slotOf(time: number, slots: Slots): Slot | -1 {
  if (time >= slots.current.end || time < slots.lookbackStart) return -1;
  if (time >= slots.current.start) return 0;
  return time >= slots.previous.start && time < slots.previous.end ? 1 : 2;
}

/** Whether a run counted at `time` is in the basis window. */
export function inBasis(time: number, slots: Slots): boolean {
  return time >= slots.basis.start && time < slots.basis.end;
}

/** Whether slot counts belong to the previous window (job and test summaries). */
export function inPrevious(slot: Slot): boolean {
  return slot === 1;
}
