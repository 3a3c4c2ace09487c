/**
 * What a regression card says beyond its counts: the window the verdict rests on, where the regression
 * started (its onset), the frozen line an open ratchet regression is held to, the design effects of
 * clustered runs, and why a regression is held open. Version 2 snapshots carry these; version 1
 * snapshots have none of them (or only the windows "current" and "recent"), so each function here
 * says nothing rather than guess. The analysis decided everything; these only put it into words.
 *
 * Kept apart from regressions.ts, which uses the window words for its bug Markdown: this module
 * imports nothing of it, so there is no cycle.
 */
import type { DisruptionRegression, JobRegression, Snapshot, TestRegression } from '../../snapshot/schema.ts';
import { count, percent, seconds, utcDate, utcDateTime } from './format.ts';

type AnyRegression = TestRegression | JobRegression | DisruptionRegression;
type Span = { start: string; end: string };

const UNITS = { h: ['hour', 'hours'], d: ['day', 'days'], w: ['week', 'weeks'] } as const;

/** A scan-window label in words: "12h" → "last 12 hours", "1d" → "last day", "current" → "current window". */
export function windowWords(label: string): string {
  if (label === 'current' || label === 'recent') return `${label} window`;
  const m = /^(\d+)([hdw])$/.exec(label);
  if (!m) return label;
  const n = Number(m[1]);
  const [one, many] = UNITS[m[2] as keyof typeof UNITS];
  return n === 1 ? `last ${one}` : `last ${n} ${many}`;
}

const span = (w: Span | null | undefined): string => (w ? `${utcDateTime(w.start)} to ${utcDateTime(w.end)}` : '');

export interface EvidenceWindows {
  /** The window the verdict rests on, in words ("last 12 hours"); undefined when the snapshot did not say. */
  label: string | undefined;
  /** Version 1's recent window: the newest part of the sample window against every earlier run. */
  recent: boolean;
  /** Dates of the sample counts: the verdict's window. */
  sample: string;
  /** Dates of the basis counts: the basis window, or the frozen basis of an open ratchet regression. */
  basis: string;
  /** Dates of the whole current window (a disruption regression's `current` row). */
  current: string;
  /** The verdict's window is a scan window shorter than the current window (disruption shows it as a row of its own). */
  narrower: boolean;
}

/**
 * The windows a regression's sample and basis counts cover. Version 2: the scan window named by
 * `window`, against the basis window or, for tests and jobs with a frozen line, that line's basis
 * (the counts the verdict was made with). Version 1: the current window against the basis window, or
 * the recent window against every earlier run.
 */
export function evidenceWindows(r: AnyRegression, snapshot: Snapshot): EvidenceWindows {
  const settings = snapshot.regressions?.settings;
  const label = r.window === undefined ? undefined : windowWords(r.window);
  const current = span(settings?.sampleWindow);
  if (r.window === 'recent' && settings?.recentWindow) {
    return {
      label,
      recent: true,
      sample: span(settings.recentWindow),
      basis: `every earlier run, ${utcDateTime(settings.basisWindow.start)} to ${utcDateTime(settings.recentWindow.start)}`,
      current,
      narrower: true,
    };
  }
  const scan = settings?.windows?.find((w) => w.label === r.window);
  const narrower = scan !== undefined && settings !== undefined && (scan.start !== settings.sampleWindow.start || scan.end !== settings.sampleWindow.end);
  // A disruption line freezes only the P75; its basis row is still the basis window's distribution.
  const frozen = r.kind !== 'disruption' && r.line ? r.line.basis : undefined;
  return { label, recent: false, sample: scan ? span(scan) : current, basis: span(frozen ?? settings?.basisWindow), current, narrower };
}

export interface OnsetFacts {
  /** The first bad run, or null when the change point fell before any run the analysis kept. */
  run: { job: string; buildId: string; url: string; started: string | null } | null;
  payloadTag: string | null;
  lastGoodPayloadTag: string | null;
  /** Whether each payload is on this snapshot's payloads page (only the current window's payloads are). */
  payloadListed: boolean;
  lastGoodListed: boolean;
}

/**
 * Where a regression started: undefined when the snapshot did not record it (version 1, compatible
 * mode), null when the analysis could not place it, else the first bad run and the payloads around it.
 */
export function onsetFacts(snapshot: Snapshot, r: AnyRegression): OnsetFacts | null | undefined {
  if (r.onset === undefined || r.onset === null) return r.onset;
  const listed = new Set((snapshot.payloads ?? []).map((p) => p.tag));
  const { run, payloadTag, lastGoodPayloadTag } = r.onset;
  return {
    run,
    payloadTag,
    lastGoodPayloadTag,
    payloadListed: payloadTag !== null && listed.has(payloadTag),
    lastGoodListed: lastGoodPayloadTag !== null && listed.has(lastGoodPayloadTag),
  };
}

/**
 * The frozen line of a ratchet regression that is still open (new or open): the basis it is judged
 * against, how far it fell (or, for disruption, rose), and what would resolve it. Undefined otherwise.
 */
export function frozenLineText(r: AnyRegression): string | undefined {
  if (!r.line || r.status === 'resolved') return undefined;
  const frozen = `Judged against the basis frozen on ${utcDate(r.line.frozenAt)}`;
  if (r.kind === 'disruption') {
    const { basis, roseTo } = r.line;
    const what = basis.historical
      ? `a historical record's P75 of ${seconds(basis.p75)} (${count(basis.runs)} runs)`
      : `P75 ${seconds(basis.p75)} over ${count(basis.runs)} runs`;
    const halfway = (basis.shareAbove + roseTo) / 2;
    return `${frozen}: ${what}, with ${percent(basis.shareAbove)} of runs above it. The share of runs above it rose to at least ${percent(roseTo)}; it resolves when a window since the onset has significantly fewer than ${percent(halfway)} above it.`;
  }
  const { basis, fellTo } = r.line;
  const rate = basis.runs > 0 ? basis.working / basis.runs : null;
  const verb = r.kind === 'job' ? 'passed' : 'working';
  const resolves = rate === null ? '' : `; it resolves when a window since the onset is significantly above ${percent((rate + fellTo) / 2)}`;
  return `${frozen}: ${count(basis.working)} of ${count(basis.runs)} runs ${verb}, ${percent(rate)}. It fell to at most ${percent(fellTo)}${resolves}.`;
}

/** Design effects above 1 (runs clustering by day or payload), in words; undefined when both are 1 or unknown. */
export function designEffectText(r: AnyRegression): string | undefined {
  const d = r.design;
  if (!d) return undefined;
  const shown = (x: number) => x.toFixed(2);
  if (Number(shown(d.sample)) <= 1 && Number(shown(d.basis)) <= 1) return undefined;
  return `Design effect ${shown(d.sample)} in the window and ${shown(d.basis)} in the basis: failures cluster by day or payload, so each side counted as that many times fewer independent runs.`;
}

/** Why a regression is open although this snapshot alone would not flag it; undefined when it is not held. */
export function heldOpenNote(r: AnyRegression): string | undefined {
  if (!r.heldByHysteresis) return undefined;
  if (r.mode === 'compatible') return 'held open: it was open before, and sippy’s thresholds for open regressions are looser';
  // Version 2 ratchet regressions carry their frozen line; version 1 held them open with looser thresholds.
  return r.line
    ? 'held open: not significant in any window now, but not recovered against its frozen basis either'
    : 'held open: it was open before, and open regressions face looser thresholds';
}
