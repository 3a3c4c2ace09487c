// `npx node scripts/simulate.ts [seed]`: the "Measured error rates" tables of docs/statistics.md.
// Simulates reports of 5,000 stable test cells plus 25 cells with an injected drop, at default
// settings, and prints Markdown: false alarms per 10,000 stable cells, and detection rates for
// each drop and sample size, next to the job-run-aggregator's exact rates.
import { regressionsConfigSchema } from '../src/config/config-schema.ts';
import { measureErrorRates, STABLE_MIX, type ErrorRates } from '../src/analysis/simulate.ts';

const seed = Number(process.argv[2] ?? 20261128);
const rules = regressionsConfigSchema.parse({});
const common = {
  seed,
  rules,
  sampleRuns: [10, 20, 50],
  drops: [
    { from: 0.99, to: 0.95 },
    { from: 0.99, to: 0.9 },
    { from: 0.95, to: 0.8 },
  ],
  stableCells: 5000,
  regressedCells: 25,
  reports: 40,
};

const started = performance.now();
const same = measureErrorRates({ ...common, basisRuns: 'same' });
const long = measureErrorRates({ ...common, basisRuns: 250 });
const seconds = (performance.now() - started) / 1000;

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const per10k = (x: number): string => x.toFixed(2);

function falseAlarms(rates: ErrorRates): string[] {
  const rows = ['| mode | ' + rates.falseAlarms.map((r) => `N = ${r.sampleRuns}`).join(' | ') + ' |', '|---|' + rates.falseAlarms.map(() => '---:').join('|') + '|'];
  rows.push('| ratchet (default) | ' + rates.falseAlarms.map((r) => per10k(r.ratchet)).join(' | ') + ' |');
  rows.push('| compatible (sippy) | ' + rates.falseAlarms.map((r) => per10k(r.compatible)).join(' | ') + ' |');
  rows.push('| aggregator table (one payload, exact) | ' + rates.falseAlarms.map((r) => per10k(r.aggregator)).join(' | ') + ' |');
  return rows;
}

function detection(rates: ErrorRates): string[] {
  const rows = ['| drop | N | ratchet | compatible | aggregator table |', '|---|---:|---:|---:|---:|'];
  for (const d of rates.detection) {
    rows.push(`| ${d.drop.from * 100} → ${d.drop.to * 100} % | ${d.sampleRuns} | ${pct(d.ratchet)} | ${pct(d.compatible)} | ${pct(d.aggregator)} |`);
  }
  return rows;
}

const stableCells = same.falseAlarms[0]!.stableCells;
const lines = [
  `<!-- Produced by \`npx node scripts/simulate.ts ${seed}\` in ${seconds.toFixed(0)} s; do not edit by hand. -->`,
  '',
  `Each simulated report holds ${common.stableCells.toLocaleString('en-US')} stable cells and ${common.regressedCells} cells with the drop under study, ` +
    `${common.reports} reports per drop and sample size (${stableCells.toLocaleString('en-US')} stable cells per column), seed ${seed}, default settings. ` +
    'Stable working rates are drawn from ' +
    STABLE_MIX.map((b) => `${Math.round(b.share * 100)} % in [${b.from * 100}, ${b.to * 100}]`).join(', ') +
    ' (percent).',
  '',
  '**Basis as long as the sample** (the default: previous window = current window, N runs each)',
  '',
  'False alarms per 10,000 stable cells:',
  '',
  ...falseAlarms(same),
  '',
  'Detection rate of injected drops:',
  '',
  ...detection(same),
  '',
  '**Basis of 250 runs** (a longer `regressions.basis`, like sippy\'s 30 days and the aggregator\'s 250-run history)',
  '',
  'False alarms per 10,000 stable cells:',
  '',
  ...falseAlarms(long),
  '',
  'Detection rate of injected drops:',
  '',
  ...detection(long),
  '',
];
process.stdout.write(lines.join('\n'));
