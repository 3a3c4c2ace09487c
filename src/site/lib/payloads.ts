/**
 * The payloads page: each payload tag of the current window, newest first, with the jobs that tested
 * it (blocking and informing jobs first, as a release team reads a payload), their runs, the
 * aggregated verdicts, and the regressions whose onset is that payload. Version 1 snapshots recorded
 * no payloads; the page then says so.
 *
 * links.ts builds a payload's address from payloadAnchor, so this module imports no runtime code:
 * the compare page's browser script bundles links.ts.
 */
import type { DisruptionRegression, JobRegression, Payload, Snapshot, TestRegression } from '../../snapshot/schema.ts';
import type { Badge } from './format.ts';

type AnyRegression = TestRegression | JobRegression | DisruptionRegression;
export type PayloadJob = Payload['jobs'][number];
type PayloadRun = PayloadJob['runs'][number];

export interface PayloadView {
  payload: Payload;
  anchor: string;
  /** Blocking, then informing jobs, in the snapshot's order (by name within each kind). */
  release: PayloadJob[];
  /** Every other job that tested the payload. */
  other: PayloadJob[];
  /** Ratchet regressions whose onset is this payload, in the order the analysis listed them. */
  started: AnyRegression[];
  /** Ids in regressionsStarted the snapshot lists no regression for (none, unless the snapshot is inconsistent). */
  unknownStarted: string[];
}

/**
 * The anchor of a payload's section. Tags come from the data (a prowjob label), so anything outside
 * [A-Za-z0-9._-] becomes '-', and a changed tag gets a short hash of the original, keeping two tags
 * that differ only there apart. A usual tag ("4.22.0-0.nightly-2026-11-28-010206") stays readable.
 */
export function payloadAnchor(tag: string): string {
  const safe = tag.replace(/[^A-Za-z0-9._-]+/g, '-');
  return safe === tag ? `payload-${tag}` : `payload-${safe}-${fnv1a(tag)}`;
}

/** FNV-1a, 32 bits, in base 36: enough to tell tags apart in one snapshot, and no crypto in the browser bundle. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

/** The payloads of the current window, newest first as the analysis sorted them; undefined when the snapshot recorded none (version 1). */
export function payloadViews(snapshot: Snapshot): PayloadView[] | undefined {
  if (!snapshot.payloads) return undefined;
  const r = snapshot.regressions;
  const byId = new Map<string, AnyRegression>();
  for (const x of [...(r?.tests ?? []), ...(r?.jobs ?? []), ...(r?.disruption ?? [])]) if (x.mode === 'ratchet') byId.set(x.id, x);
  return snapshot.payloads.map((payload) => ({
    payload,
    anchor: payloadAnchor(payload.tag),
    release: payload.jobs.filter((j) => j.kind !== 'other'),
    other: payload.jobs.filter((j) => j.kind === 'other'),
    started: payload.regressionsStarted.flatMap((id) => byId.get(id) ?? []),
    unknownStarted: payload.regressionsStarted.filter((id) => !byId.has(id)),
  }));
}

export interface PayloadTotals {
  payloads: number;
  /** Payloads with at least one blocking job that failed and never succeeded on it. */
  blockingFailed: number;
  /** Payloads where at least one regression started. */
  withOnsets: number;
  /** Whether the config named any blocking or informing job (otherwise every job is "other"). */
  kindsKnown: boolean;
}

export function payloadTotals(views: readonly PayloadView[]): PayloadTotals {
  return {
    payloads: views.length,
    blockingFailed: views.filter((v) => v.payload.blockingFailed > 0).length,
    withOnsets: views.filter((v) => v.started.length > 0).length,
    kindsKnown: views.some((v) => v.release.length > 0),
  };
}

const KIND_WORD: Record<PayloadJob['kind'], string> = { blocking: 'Blocking', informing: 'Informing', other: 'Other' };

export function payloadJobKind(kind: PayloadJob['kind']): string {
  return KIND_WORD[kind];
}

export interface RunMark {
  /** One letter that says the result without colour: S, F, E, A or P. */
  letter: string;
  icon: string;
  word: string;
  tone: 'ok' | 'bad' | 'muted';
}

const MARKS: Record<PayloadRun['result'], RunMark> = {
  success: { letter: 'S', icon: '✓', word: 'success', tone: 'ok' },
  failure: { letter: 'F', icon: '✗', word: 'failure', tone: 'bad' },
  error: { letter: 'E', icon: '✗', word: 'error', tone: 'bad' },
  aborted: { letter: 'A', icon: '–', word: 'aborted', tone: 'muted' },
  pending: { letter: 'P', icon: '…', word: 'pending', tone: 'muted' },
};

/** A run's result as icon, letter and word (the legend above the tables explains the letters). */
export function runMark(result: PayloadRun['result']): RunMark {
  return MARKS[result];
}

/** Every mark, for the legend. */
export const RUN_MARKS: readonly RunMark[] = Object.values(MARKS);

/**
 * The aggregated verdict of one job on one payload: a badge (failed when any test fails the
 * aggregator's required-passes check or the Fisher test beside it) and the counts in words. Undefined
 * when the job had too few runs on the payload to be judged as a set.
 */
export function aggregatedVerdict(a: PayloadJob['aggregated']): { badge: Badge; detail: string } | undefined {
  if (!a) return undefined;
  const runs = `${a.runs} ${a.runs === 1 ? 'run' : 'runs'}`;
  if (a.failedAggregator === 0 && a.failedFisher === 0) return { badge: { text: 'Passed', icon: '✓', tone: 'ok' }, detail: `${runs}; no test failed` };
  const tests = (n: number) => `${n} ${n === 1 ? 'test' : 'tests'}`;
  return {
    badge: { text: 'Failed', icon: '✗', tone: 'bad' },
    detail: `${runs}; ${tests(a.failedAggregator)} failed the aggregator's check, ${tests(a.failedFisher)} the Fisher test`,
  };
}
