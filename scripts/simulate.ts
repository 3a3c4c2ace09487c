// `npx node scripts/simulate.ts [seed]`: the "Measured error rates" tables of docs/statistics.md.
// Simulates reports of 5,000 stable test cells plus 25 cells whose working rate drops, judged by
// both modes at default settings in one snapshot a day for ten days after the drop starts, and
// prints Markdown: false alarms per 10,000 stable cells, the measured false discovery rate,
// detection 3 and 7 days after the drop started, detection delay, what each part of ratchet mode
// buys, and a drop confined to one job of a two-job variant group.
import { regressionsConfigSchema } from '../src/config/config-schema.ts';
import { parseWindow } from '../src/config/duration.ts';
import { measureErrorRates, STABLE_MIX, type Drop, type ErrorRateOptions, type ErrorRates, type ModeDetection } from './simulation.ts';

const seed = Number(process.argv[2] ?? 20261128);
const defaults = regressionsConfigSchema.parse({});
const recentDays = defaults.recent === false ? 0 : parseWindow(defaults.recent) / 86_400_000;
const HORIZON = 10;
const drops: Drop[] = [
  { from: 0.99, to: 0.95 },
  { from: 0.99, to: 0.9 },
  { from: 0.95, to: 0.8 },
  // As the bundled sample's planted regression: a test that almost never failed fails often.
  { from: 0.995, to: 0.6 },
];
const common: ErrorRateOptions = {
  seed,
  rules: defaults,
  sampleRuns: [10, 20, 50],
  basisRuns: 'same',
  recentDays,
  jobsPerGroup: 1,
  jobCells: defaults.ratchet.jobCells,
  confined: true,
  drops,
  stableGroups: 5000,
  regressedGroups: 25,
  reports: 40,
  horizon: HORIZON,
};

const started = performance.now();
const same = measureErrorRates(common);
const long = measureErrorRates({ ...common, basisRuns: 250, reports: 20 });
// What each part buys, one change at a time from the ratchet mode of before: plain BH, current window only.
const parts = [
  { label: 'Benjamini–Hochberg, current window (the method before)', options: { procedure: 'bh' as const, recentDays: 0 } },
  { label: 'discrete Benjamini–Hochberg, current window', options: { recentDays: 0 } },
  { label: `discrete Benjamini–Hochberg, current and recent (${recentDays} d) window (default)`, options: {} },
  { label: 'the default with ratchet.fdr = 0.02', options: { rules: { ...defaults, ratchet: { ...defaults.ratchet, fdr: 0.02 } } } },
  { label: 'the default with ratchet.openP = 0.05 (hysteresis as before)', options: { rules: { ...defaults, ratchet: { ...defaults.ratchet, openP: 0.05 } } } },
];
const partDrops = [drops[2]!, drops[3]!];
const ablation = parts.map((p) => ({
  label: p.label,
  rates: measureErrorRates({ ...common, ...p.options, sampleRuns: [20, 50], drops: partDrops, reports: 20 }),
}));
// The length of the recent window.
const lengths = [1, 2, 3, 4].map((days) => ({
  days,
  rates: measureErrorRates({ ...common, recentDays: days, sampleRuns: [20, 50], drops: partDrops, reports: 20 }),
}));
// A drop in one of the two jobs of a variant group (N runs per job): the pooled cell halves it.
const confinedDrops = [{ from: 0.99, to: 0.7 }, drops[3]!];
const twoJobs = { ...common, jobsPerGroup: 2, stableGroups: 2500, sampleRuns: [10, 20, 50], drops: confinedDrops, reports: 20 };
const withJobCells = measureErrorRates(twoJobs);
const withoutJobCells = measureErrorRates({ ...twoJobs, jobCells: false });
// The drop floor for tests that almost never failed only binds in large cells: 200 runs a week
// (a variant group of several busy jobs) against 1,000 basis runs.
const floorDrops = [
  { from: 0.999, to: 0.97 },
  { from: 0.95, to: 0.9 },
];
const floorOptions = { ...common, sampleRuns: [200], basisRuns: 1000, drops: floorDrops, stableGroups: 3000, reports: 6, horizon: 7 };
const floors = [
  { label: `floor ${defaults.ratchet.stableMinDrop}–${defaults.ratchet.minDrop} points (default)`, rates: measureErrorRates(floorOptions) },
  {
    label: `floor ${defaults.ratchet.minDrop} points for every test`,
    rates: measureErrorRates({ ...floorOptions, rules: { ...defaults, ratchet: { ...defaults.ratchet, stableMinDrop: defaults.ratchet.minDrop } } }),
  },
];
// No dropped cells at all: the false discovery rate is then the chance of any false alarm.
const quiet = measureErrorRates({ ...common, drops: [drops[0]!], regressedGroups: 0, reports: 20 });
const seconds = (performance.now() - started) / 1000;

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const per10k = (x: number): string => x.toFixed(2);
const dropText = (d: Drop): string => `${+(d.from * 100).toFixed(1)} → ${+(d.to * 100).toFixed(1)} %`;
const delay = (m: ModeDetection): string => `${m.medianDelay === null ? `> ${m.foundBy.length}` : m.medianDelay} d (${pct(m.foundBy[m.foundBy.length - 1]!)})`;

function falseAlarms(rates: ErrorRates): string[] {
  const rows = [`| mode | ${rates.falseAlarms.map((r) => `N = ${r.sampleRuns}`).join(' | ')} |`, `|---|${rates.falseAlarms.map(() => '---:').join('|')}|`];
  rows.push(`| ratchet (default) | ${rates.falseAlarms.map((r) => per10k(r.ratchet)).join(' | ')} |`);
  rows.push(`| compatible (sippy) | ${rates.falseAlarms.map((r) => per10k(r.compatible)).join(' | ')} |`);
  rows.push(`| aggregator table (one payload, exact) | ${rates.falseAlarms.map((r) => per10k(r.aggregator)).join(' | ')} |`);
  rows.push(`| *share of flagged cells that are stable: ratchet* | ${rates.falseAlarms.map((r) => pct(r.fdr.ratchet)).join(' | ')} |`);
  rows.push(`| *… ratchet, new verdicts only (without hysteresis)* | ${rates.falseAlarms.map((r) => pct(r.fdrStrict)).join(' | ')} |`);
  rows.push(`| *share of flagged cells that are stable: compatible* | ${rates.falseAlarms.map((r) => pct(r.fdr.compatible)).join(' | ')} |`);
  return rows;
}

function detection(rates: ErrorRates): string[] {
  const rows = [
    '| drop | N | ratchet, day 3 | ratchet, day 7 | compatible, day 3 | compatible, day 7 | aggregator table |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const d of rates.detection) {
    rows.push(
      `| ${dropText(d.drop)} | ${d.sampleRuns} | ${pct(d.ratchet.flagged[2]!)} | ${pct(d.ratchet.flagged[6]!)} | ${pct(d.compatible.flagged[2]!)} | ${pct(d.compatible.flagged[6]!)} | ${pct(d.aggregator)} |`,
    );
  }
  return rows;
}

function delays(rates: ErrorRates): string[] {
  const rows = ['| drop | N | ratchet | compatible |', '|---|---:|---:|---:|'];
  for (const d of rates.detection) rows.push(`| ${dropText(d.drop)} | ${d.sampleRuns} | ${delay(d.ratchet)} | ${delay(d.compatible)} |`);
  return rows;
}

function variants(list: Array<{ label: string; rates: ErrorRates }>): string[] {
  const rows = [
    '| ratchet mode | N | false alarms / 10,000 | stable among flagged | drop | day 3 | day 7 | median delay (share found) |',
    '|---|---:|---:|---:|---|---:|---:|---:|',
  ];
  for (const { label, rates } of list) {
    for (const d of rates.detection) {
      const fa = rates.falseAlarms.find((f) => f.sampleRuns === d.sampleRuns)!;
      rows.push(
        `| ${label} | ${d.sampleRuns} | ${per10k(fa.ratchet)} | ${pct(fa.fdr.ratchet)} | ${dropText(d.drop)} | ${pct(d.ratchet.flagged[2]!)} | ${pct(d.ratchet.flagged[6]!)} | ${delay(d.ratchet)} |`,
      );
    }
  }
  return rows;
}

function confined(): string[] {
  const rows = ['| drop in one job | N per job | ratchet with job cells (default) | ratchet, variant cells only | compatible |', '|---|---:|---:|---:|---:|'];
  withJobCells.detection.forEach((d, i) => {
    const w = withoutJobCells.detection[i]!;
    rows.push(
      `| ${dropText(d.drop)} | ${d.sampleRuns} | ${pct(d.ratchet.flagged[6]!)}, ${delay(d.ratchet)} | ${pct(w.ratchet.flagged[6]!)}, ${delay(w.ratchet)} | ${pct(d.compatible.flagged[6]!)}, ${delay(d.compatible)} |`,
    );
  });
  rows.push('');
  rows.push(
    'False alarms per 10,000 stable groups (any of their cells flagged), and in brackets the share of flagged groups that are stable: ' +
      withJobCells.falseAlarms
        .map((f, i) => {
          const w = withoutJobCells.falseAlarms[i]!;
          return `N = ${f.sampleRuns}: ${per10k(f.ratchet)} (${pct(f.fdr.ratchet)}; new verdicts only ${pct(f.fdrStrict)}; per flagged cell ${pct(f.fdrRows)}) with job cells, ${per10k(w.ratchet)} (${pct(w.fdr.ratchet)}; ${pct(w.fdrStrict)}; ${pct(w.fdrRows)}) without, ${per10k(f.compatible)} (${pct(f.fdr.compatible)}) compatible`;
        })
        .join('; ') +
      '.',
  );
  return rows;
}

const stable = same.falseAlarms[0]!.stableGroups;
const lines = [
  `<!-- Produced by \`npx node scripts/simulate.ts ${seed}\` in ${seconds.toFixed(0)} s; do not edit by hand. -->`,
  '',
  `Each simulated report holds ${common.stableGroups.toLocaleString('en-US')} stable cells and ${common.regressedGroups} cells whose working rate drops at time 0, ` +
    `judged at default settings in one snapshot a day for ${HORIZON} days after the drop started (hysteresis included: a cell flagged yesterday is open today). ` +
    `N is the runs per cell per 7 days, spread evenly; ${common.reports} reports per drop and N in the first tables ` +
    `(${stable.toLocaleString('en-US')} stable cell-snapshots per column), seed ${seed}. ` +
    'Stable working rates are drawn from ' +
    STABLE_MIX.map((b) => `${Math.round(b.share * 100)} % in [${b.from * 100}, ${b.to * 100}]`).join(', ') +
    ' (percent).',
  '',
  '**Basis as long as the sample** (the default: previous window = current window = 7 days)',
  '',
  'False alarms per 10,000 stable cells per snapshot, and the share of flagged cells that are stable (the false discovery proportion, averaged over snapshots):',
  '',
  ...falseAlarms(same),
  '',
  'With no dropped cells in the report at all (20 reports), false alarms per 10,000 stable cells per snapshot: ' +
    quiet.falseAlarms.map((f) => `N = ${f.sampleRuns}: ratchet ${per10k(f.ratchet)}, compatible ${per10k(f.compatible)}`).join('; ') +
    '.',
  '',
  'Share of the dropped cells flagged in the snapshot 3 and 7 days after the drop started (day 7: the drop fills the current window):',
  '',
  ...detection(same),
  '',
  `Detection delay: days from the start of the drop to the first snapshot that flags it (median over the dropped cells; in brackets the share flagged within ${HORIZON} days):`,
  '',
  ...delays(same),
  '',
  "**Basis of 250 runs** (a longer `regressions.basis`, like sippy's 30 days and the aggregator's 250-run history; 20 reports)",
  '',
  ...falseAlarms(long),
  '',
  ...detection(long),
  '',
  ...delays(long),
  '',
  '**What each part of ratchet mode buys** (default basis, 20 reports; each row changes one thing; hysteresis as today in all rows):',
  '',
  ...variants(ablation),
  '',
  '**The length of the recent window** (`regressions.recent`; default basis, 20 reports):',
  '',
  ...variants(lengths.map((l) => ({ label: `${l.days} d`, rates: l.rates }))),
  '',
  '**The drop floor for tests that almost never failed** (N = 200 runs a week against 1,000 basis runs, 3,000 stable cells, 6 reports, 7 days):',
  '',
  ...variants(floors),
  '',
  `**A drop confined to one job** of a variant group of two jobs with N runs each (2,500 stable groups of two jobs, 25 regressed ones, 20 reports): share flagged on day 7, median delay (share found within ${HORIZON} days). A group counts as flagged when any of its cells is (the variant cell, or with job cells either job).`,
  '',
  ...confined(),
  '',
];
process.stdout.write(lines.join('\n'));
