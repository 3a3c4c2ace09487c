/**
 * Presentation of the analysis's regressions: selection by mode and by subject (a job, a test, a
 * disruption cell), ordering, words, and the Markdown a "copy for bug" button copies. Nothing here
 * decides whether something regressed; the analysis did, and its `reason` sentence is shown as it is.
 */
import type {
  DisruptionCell,
  DisruptionRegression,
  DisruptionStats,
  EvidenceRun,
  JobRegression,
  RegressionMode,
  RegressionStatus,
  Snapshot,
  TestCounts,
  TestRegression,
} from '../../snapshot/schema.ts';
import type { Badge } from './format.ts';
import { count, interval, percent, plural, seconds, utcDateTime } from './format.ts';
import { designEffectText, evidenceWindows, frozenLineText, windowWords } from './regression-facts.ts';

export type AnyRegression = TestRegression | JobRegression | DisruptionRegression;

export const MODE_LABEL: Record<RegressionMode, string> = {
  ratchet: 'Ratchet mode',
  compatible: 'Sippy-compatible mode',
};

/**
 * Every mode. Taken from MODE_LABEL, which the compiler holds to the schema's union, rather than from
 * the schema itself: the compare page's browser script reaches this module, and must not bundle zod.
 */
export const MODES: readonly RegressionMode[] = Object.keys(MODE_LABEL) as RegressionMode[];

/** What each mode does, as version 1 snapshots did it (one window and a recent one). */
const MODE_EXPLANATION: Record<RegressionMode, string> = {
  ratchet:
    'One-sided Fisher exact tests on the 7-day and the recent 3-day window, by variant group and by job, with discrete Benjamini–Hochberg control of the false discovery rate across the whole report (q values), plus a minimum drop.',
  compatible: 'The rules of sippy’s Component Readiness (a p value below 0.05 per cell, with its pity factor) and the job-run-aggregator’s disruption checks.',
};

/**
 * What a mode does, in the words of the snapshot's own settings: a version 2 snapshot names its scan
 * windows, its basis and whether clustered runs were accounted for; a version 1 snapshot gets the
 * explanation of its time.
 */
export function modeExplanation(snapshot: Snapshot, mode: RegressionMode): string {
  const settings = snapshot.regressions?.settings;
  if (mode !== 'ratchet' || !settings?.windows || settings.windows.length === 0) return MODE_EXPLANATION[mode];
  const windows = settings.windows.map((w) => windowWords(w.label).replace(/^last /, ''));
  const list = windows.length > 1 ? `${windows.slice(0, -1).join(', ')} and ${windows.at(-1)}` : windows[0];
  const basisDays = Math.round((Date.parse(settings.basisWindow.end) - Date.parse(settings.basisWindow.start)) / 86_400_000);
  const clustering = settings.clustering?.enabled ? ' Runs whose failures cluster by day or payload count as fewer independent runs (design effects).' : '';
  return `One-sided exact tests of each test and job over the last ${list}, against a ${basisDays}-day basis window, by variant group and by job, with discrete Benjamini–Hochberg control of the false discovery rate across every window of the whole report (q values), plus a minimum drop. An open regression is judged against the basis frozen when it opened, and resolves only when it has clearly recovered.${clustering}`;
}

export interface ModeRegressions {
  mode: RegressionMode;
  tests: TestRegression[];
  jobs: JobRegression[];
  disruption: DisruptionRegression[];
}

const STATUS_ORDER: Record<RegressionStatus, number> = { new: 0, open: 1, resolved: 2 };

/** New, then open, then resolved; extreme before significant; smallest q (else p) first; then title. */
export function byConcern<T extends AnyRegression>(list: readonly T[]): T[] {
  const score = (r: AnyRegression): number => r.q ?? r.p ?? 2;
  return [...list].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      (a.severity === b.severity ? 0 : a.severity === 'extreme' ? -1 : 1) ||
      score(a) - score(b) ||
      regressionTitle(a).localeCompare(regressionTitle(b)) ||
      a.id.localeCompare(b.id),
  );
}

/** The snapshot's default mode, or undefined when the snapshot predates regressions. */
export function defaultMode(snapshot: Snapshot): RegressionMode | undefined {
  return snapshot.regressions?.settings.defaultMode;
}

/** Other modes than the default, in a fixed order: the default always comes first. */
export function modesOf(snapshot: Snapshot): RegressionMode[] {
  const first = defaultMode(snapshot);
  return first ? [first, ...MODES.filter((m) => m !== first)] : [];
}

export function forMode(snapshot: Snapshot, mode: RegressionMode): ModeRegressions {
  const r = snapshot.regressions;
  return {
    mode,
    tests: byConcern((r?.tests ?? []).filter((x) => x.mode === mode)),
    jobs: byConcern((r?.jobs ?? []).filter((x) => x.mode === mode)),
    disruption: byConcern((r?.disruption ?? []).filter((x) => x.mode === mode)),
  };
}

export function allOf(m: ModeRegressions): AnyRegression[] {
  return [...m.tests, ...m.jobs, ...m.disruption];
}

/** New and open regressions of the default mode, most concerning first: what the home page leads with. */
export function activeRegressions(snapshot: Snapshot): AnyRegression[] {
  const mode = defaultMode(snapshot);
  if (!mode) return [];
  return byConcern(allOf(forMode(snapshot, mode)).filter((r) => r.status !== 'resolved'));
}

/**
 * Everything that regressed in one job, in both modes, most concerning first: the job's own pass rate,
 * the tests that regressed in it, and the disruption of the cells its runs fed.
 */
export function regressionsForJob(snapshot: Snapshot, job: string): AnyRegression[] {
  const r = snapshot.regressions;
  const cells = snapshot.disruption ?? [];
  const fedByJob = (x: DisruptionRegression) => cells.some((c) => c.backend === x.backend && c.variantKey === x.variantKey && c.jobs.includes(job));
  return byConcern<AnyRegression>([
    ...(r?.jobs ?? []).filter((x) => x.job === job),
    ...(r?.tests ?? []).filter((x) => x.jobs.includes(job)),
    ...(r?.disruption ?? []).filter(fedByJob),
  ]);
}

/** The regressions of one test, in both modes and every group, most concerning first. */
export function regressionsForTest(snapshot: Snapshot, testId: string): TestRegression[] {
  return byConcern((snapshot.regressions?.tests ?? []).filter((r) => r.testId === testId));
}

/** The disruption regressions of one backend × variant cell, in both modes, in the snapshot's order. */
export function regressionsForCell(snapshot: Snapshot, cell: Pick<DisruptionCell, 'backend' | 'variantKey'>): DisruptionRegression[] {
  return (snapshot.regressions?.disruption ?? []).filter((r) => r.backend === cell.backend && r.variantKey === cell.variantKey);
}

export function regressionTitle(r: AnyRegression): string {
  switch (r.kind) {
    case 'test':
      return r.name;
    case 'job':
      return r.job;
    case 'disruption':
      return r.backend;
  }
}

/** The cell: variant key or job of a test regression, the job's variant key, the disruption variant. */
export function regressionGroup(r: AnyRegression): string {
  switch (r.kind) {
    case 'test':
      return r.group;
    case 'job':
      return r.variantKey;
    case 'disruption':
      return r.variantKey;
  }
}

export const KIND_LABEL: Record<AnyRegression['kind'], string> = { test: 'Test', job: 'Job pass rate', disruption: 'Disruption' };

export function statusBadge(status: RegressionStatus): Badge {
  switch (status) {
    case 'new':
      return { text: 'New', icon: '▲', tone: 'bad' };
    case 'open':
      return { text: 'Open', icon: '!', tone: 'warn' };
    case 'resolved':
      return { text: 'Resolved', icon: '✓', tone: 'ok' };
  }
}

export function severityBadge(severity: AnyRegression['severity']): Badge {
  return severity === 'extreme' ? { text: 'Extreme', icon: '‼', tone: 'bad' } : { text: 'Significant', icon: '!', tone: 'warn' };
}

/** p and q values: small ones in scientific notation ("4.9e-4"), others to two significant digits. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  if (p === 0) return '0';
  if (p < 0.001) {
    const [mantissa, exponent] = p.toExponential(1).split('e');
    return `${mantissa}e${Number(exponent)}`;
  }
  return String(Number(p.toPrecision(2)));
}

/** A drop in points with its interval: "39.1 points (17.6 to 59.2)". */
export function dropText(drop: number, iv: readonly [number, number]): string {
  return `${drop.toFixed(1)} points (95% interval ${iv[0].toFixed(1)} to ${iv[1].toFixed(1)})`;
}

function testCountsLine(c: TestCounts): string {
  return `${percent(c.workingRate)} working (${count(c.passes + c.flakes)} of ${count(c.runs)} runs; ${count(c.failures)} failures, ${count(c.flakes)} flakes; 95% interval ${interval(c.interval) || '—'})`;
}

function disruptionLine(s: DisruptionStats | null): string {
  if (!s) return 'no runs';
  return `P50 ${seconds(s.p50)}, P75 ${seconds(s.p75)}, P95 ${seconds(s.p95)}, P99 ${seconds(s.p99)}, max ${seconds(s.max)} over ${count(s.runs)} runs`;
}

/** Failed runs of a regression: tests carry them; job and disruption regressions point at their job pages. */
function evidenceRuns(r: AnyRegression): EvidenceRun[] {
  return r.kind === 'test' ? r.failedRuns : [];
}

/**
 * Markdown escaping for text from the data inside a bug snippet: no links, emphasis, HTML or tables
 * sneak in. Data never starts a line here (lines start with "- " or "**"), so '#' and '+' can stay.
 */
export function mdText(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()|<>~]/g, (c) => `\\${c}`)
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/\s*\n\s*/g, ' ');
}

/** Only http(s) URLs become Markdown links; anything else is shown as text. */
function mdLink(text: string, url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'https:' || u.protocol === 'http:') return `[${mdText(text)}](${u.href.replace(/[()\s]/g, encodeURIComponent)})`;
  } catch {
    // fall through
  }
  return mdText(text);
}

const BUG_RUNS = 10;

/**
 * The Markdown a "copy for bug" button copies: what regressed, where, the evidence with its numbers,
 * the permanent link to this snapshot's page and the Prow runs that failed.
 */
export function bugMarkdown(r: AnyRegression, snapshot: Snapshot, permalink: string, tracked?: { bug: string; note: string | null }): string {
  const lines: string[] = [];
  lines.push(`**${KIND_LABEL[r.kind]} regression** (${MODE_LABEL[r.mode]}, ${r.severity}, ${r.status}): ${mdText(regressionTitle(r))}`);
  lines.push('');
  lines.push(`- Where: ${mdText(regressionGroup(r))}`);
  const windows = evidenceWindows(r, snapshot);
  const sampleLabel = `${windows.label ? `${windows.label}, ` : ''}${windows.sample}`;
  if (r.kind === 'test') {
    lines.push(`- Suite: ${mdText(r.suite)}`);
    lines.push(`- Sample (${sampleLabel}): ${testCountsLine(r.sample)}`);
    lines.push(`- Basis (${windows.basis}): ${r.basis ? testCountsLine(r.basis) : 'never ran (new test)'}`);
    lines.push(`- Drop: ${dropText(r.drop, r.dropInterval)}`);
  } else if (r.kind === 'job') {
    lines.push(
      `- Sample (${sampleLabel}): pass rate ${percent(r.sample.passRate)} (${count(r.sample.success)} of ${count(r.sample.success + r.sample.failure + r.sample.error)} finished runs; 95% interval ${interval(r.sample.interval) || '—'})`,
    );
    lines.push(
      `- Basis (${windows.basis}): pass rate ${percent(r.basis.passRate)} (${count(r.basis.success)} of ${count(r.basis.success + r.basis.failure + r.basis.error)} finished runs; 95% interval ${interval(r.basis.interval) || '—'})`,
    );
    lines.push(`- Drop: ${dropText(r.drop, r.dropInterval)}`);
  } else {
    lines.push(`- Current (${windows.current}): ${disruptionLine(r.current)}`);
    if (windows.narrower && r.sample) lines.push(`- Window the verdict rests on (${sampleLabel}): ${disruptionLine(r.sample)}`);
    lines.push(
      `- Basis: ${r.basis ? disruptionLine(r.basis) : r.historical ? `historical P50 ${seconds(r.historical.p50)}, P95 ${seconds(r.historical.p95)} over ${count(r.historical.jobRuns)} runs` : 'none'}`,
    );
    if (r.failedChecks.length > 0) lines.push(`- Failed checks: ${r.failedChecks.map(mdText).join(', ')}`);
  }
  const line = frozenLineText(r);
  if (line) lines.push(`- ${mdText(line)}`);
  const design = designEffectText(r);
  if (design) lines.push(`- ${design}`);
  lines.push(`- p = ${pValue(r.p)}, q = ${pValue(r.q)}`);
  if (r.onset) {
    const { run, payloadTag, lastGoodPayloadTag } = r.onset;
    if (run) lines.push(`- First bad run: ${mdLink(`${run.job} #${run.buildId}`, run.url)}, started ${utcDateTime(run.started)}`);
    lines.push(`- First bad payload: ${payloadTag ? mdText(payloadTag) : 'none named (the run carries no payload tag)'}`);
    lines.push(
      `- Last good payload: ${lastGoodPayloadTag ? mdText(lastGoodPayloadTag) : 'none seen'}${payloadTag && lastGoodPayloadTag ? ' (the change to revert lies between the two)' : ''}`,
    );
  }
  lines.push(`- First seen: ${utcDateTime(r.firstSeen)}${r.resolvedAt ? `; resolved: ${utcDateTime(r.resolvedAt)}` : ''}`);
  lines.push(`- Why: ${mdText(r.reason)}`);
  if (tracked) lines.push(`- Tracked by: ${mdLink(tracked.bug, tracked.bug)}${tracked.note ? ` (${mdText(tracked.note)})` : ''}`);
  lines.push(`- Report: ${permalink}`);
  const runs = evidenceRuns(r);
  if (runs.length > 0) {
    lines.push('');
    lines.push(`Failed runs (newest first${runs.length > BUG_RUNS ? `, ${BUG_RUNS} of ${runs.length}` : ''}):`);
    for (const run of runs.slice(0, BUG_RUNS)) lines.push(`- ${mdLink(`${run.job} #${run.buildId}`, run.url)}${run.status === 'flake' ? ' (flake)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Disruption cells worth a closer look: regressed in either mode, or a failed aggregator check. */
export function flaggedCells(cells: readonly DisruptionCell[]): DisruptionCell[] {
  return cells.filter((c) => c.ratchet === 'regressed' || c.compatible === 'regressed' || c.checks.some((k) => k.verdict === 'fail'));
}

const TOP_DISRUPTION_CELLS = 15;

/**
 * The cells with the highest current P95, highest first (ties by backend), for the disruption
 * overview. Cells without current runs have nothing to show, and excluded backends are never checked,
 * so neither takes a place.
 */
export function topDisruptionCells(cells: readonly DisruptionCell[], limit = TOP_DISRUPTION_CELLS): DisruptionCell[] {
  const p95 = (c: DisruptionCell) => c.current?.p95 ?? 0;
  return cells
    .filter((c) => c.current && !c.excluded)
    .sort((a, b) => p95(b) - p95(a) || a.backend.localeCompare(b.backend))
    .slice(0, limit);
}

/**
 * Which runs the aggregator's checks judged in a cell (compatible mode): one payload's runs, or the
 * newest runs where runs carry no payload tag. Undefined for version 1 snapshots, which judged the
 * whole current window, and for cells that are never judged (excluded, or without a basis).
 */
export function cellSetText(cell: Pick<DisruptionCell, 'set' | 'excluded' | 'basisKind'>): string | undefined {
  if (cell.set === undefined) return undefined;
  const judged = 'The aggregator’s checks judged';
  if (cell.set === null) {
    // An excluded backend or one without a basis is never judged; the page says so already.
    return cell.excluded || cell.basisKind === 'none'
      ? undefined
      : 'The aggregator’s checks had no set to judge: too few runs on any one payload, or without a payload tag.';
  }
  return cell.set.payloadTag === null
    ? `${judged} the newest ${plural(cell.set.runs, 'run')} (the runs name no payload).`
    : `${judged} the ${plural(cell.set.runs, 'run')} of payload ${cell.set.payloadTag}.`;
}

/** The scan window of a cell's ratchet test in words ("last 3 days"); undefined for version 1 (the current window). */
export function cellTestWindow(cell: Pick<DisruptionCell, 'test'>): string | undefined {
  return cell.test?.window === undefined ? undefined : windowWords(cell.test.window);
}

export type CellStatus = DisruptionCell['ratchet'];

/** A cell's status for the table filter: regressed in either mode, else checked and ok in either, else not checked. */
export function cellStatus(cell: Pick<DisruptionCell, 'ratchet' | 'compatible'>): CellStatus {
  if (cell.ratchet === 'regressed' || cell.compatible === 'regressed') return 'regressed';
  if (cell.ratchet === 'ok' || cell.compatible === 'ok') return 'ok';
  return 'not-checked';
}

/** The filter's choices, one per value cellStatus gives. */
export const CELL_STATUSES: { value: CellStatus; label: string }[] = [
  { value: 'regressed', label: 'Regressed in either mode' },
  { value: 'ok', label: 'Checked, not regressed' },
  { value: 'not-checked', label: 'Not checked' },
];

/** Anchor id of a disruption cell on the disruption page. */
export function cellAnchor(cell: Pick<DisruptionCell, 'backend' | 'variantKey'>): string {
  return `cell-${cell.backend}-${cell.variantKey}`.replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** Anchor id of a regression on its mode's page. */
export const regressionAnchor = (r: Pick<AnyRegression, 'id'>): string => `r-${r.id}`;
