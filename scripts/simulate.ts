// `npx node scripts/simulate.ts [--size small|full] [--seed N] [--config '{"regressions":{…}}']`: the
// statistics targets of docs/statistics.md, measured. Every scenario is a CI model (scripts/simulation/)
// driven through the real analysis at successive as-of instants two hours apart, so lifecycle, frozen
// bases, clustering estimates and recovery act as they do in the report. Scenarios run in parallel child
// processes (one per core); `--only <scenario>` runs one and prints JSON (what the parent collects).
// Prints Markdown: each target beside its measured value.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { medianHours } from './simulation/metrics.ts';
import { oracleBound } from './simulation/oracle-cusum.ts';
import { type DetectionResult, detection, FIX_AFTER, NULL_MODELS, type NullResult, nullModel, persistence, power, SIZES } from './simulation/scenarios.ts';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const sizeName = (option('size') ?? 'full') as keyof typeof SIZES;
const size = SIZES[sizeName];
if (!size) throw new Error(`--size ${sizeName}: expected small or full`);
const seed = Number(option('seed') ?? 20261206);
const config = JSON.parse(option('config') ?? '{}');
const only = option('only');

const SCENARIOS = ['power', 'detection', 'persistence', 'persistence:clustered', 'fixed', 'fixed:clustered', ...NULL_MODELS.map((_, i) => `null:${i}`)];

async function run(scenario: string): Promise<NullResult | DetectionResult> {
  if (scenario.startsWith('null:')) return nullModel(NULL_MODELS[Number(scenario.slice(5))]!, size, seed + Number(scenario.slice(5)), config);
  if (scenario === 'detection') return detection(size, seed, config);
  if (scenario === 'persistence') return persistence(size, seed, config);
  const clustered = NULL_MODELS.find((m) => m.dayCv === 1 && !m.dayShared);
  if (scenario === 'persistence:clustered') return persistence(size, seed, config, clustered);
  if (scenario === 'fixed') return persistence(size, seed, config, undefined, true);
  if (scenario === 'fixed:clustered') return persistence(size, seed, config, clustered, true);
  if (scenario === 'power') return power(size, seed, config);
  throw new Error(`--only ${scenario}: expected one of ${SCENARIOS.join(', ')}`);
}

/** One scenario in a child process (the analysis is CPU-bound and single-threaded). */
function child(scenario: string): Promise<NullResult | DetectionResult> {
  return new Promise((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const args = [self, '--size', sizeName, '--seed', String(seed), '--config', JSON.stringify(config), '--only', scenario];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`scenario ${scenario} exited with ${code}`))));
  });
}

if (only) {
  process.stdout.write(JSON.stringify(await run(only)));
  process.exit(0);
}

const started = performance.now();
const limit = pLimit(Math.max(1, Math.min(availableParallelism(), 4)));
const results = new Map(await Promise.all(SCENARIOS.map((s) => limit(async () => [s, await child(s)] as const))));
const nulls = NULL_MODELS.map((_, i) => results.get(`null:${i}`) as NullResult);
const det = results.get('detection') as DetectionResult;
const per = results.get('persistence') as DetectionResult;
const perClustered = results.get('persistence:clustered') as DetectionResult;
const pow = results.get('power') as DetectionResult;
const fixedIndependent = results.get('fixed') as DetectionResult;
const fixedClustered = results.get('fixed:clustered') as DetectionResult;

const fmt = (x: number | null, digits = 1): string => (x === null ? 'never' : x.toFixed(digits));
const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');
const lines: string[] = [];
lines.push(
  `<!-- Produced by \`npx node scripts/simulate.ts --size ${sizeName} --seed ${seed}${option('config') ? ` --config '${option('config')}'` : ''}\` in ${((performance.now() - started) / 1000).toFixed(0)} s; do not edit by hand. -->`,
);
lines.push('');
lines.push('#### Clustered null models: false alarms and the displayed list');
lines.push('');
lines.push(
  `Each: ${nulls[0]!.stableCells.toLocaleString('en')} stable cells and 8 regressed ones, 12 runs a day, one snapshot every 2 hours for ${size.nullDays} days.`,
);
lines.push('');
lines.push(
  '| null model | false alarms | per 10,000 stable cells per week (target ≤ 1) | displayed regressions that are stable cells (target ≤ 5 %) | stable cells displayed per snapshot, per 10,000 | regressions displayed per snapshot | new disruption verdicts on stable cells |',
);
lines.push('|---|---|---|---|---|---|---|');
for (const r of nulls) {
  const m = r.measured;
  lines.push(
    `| ${r.model} | ${m.falseNew} | ${m.falseAlarmsPer10kWeek.toFixed(2)} (${mark(m.falseAlarmsPer10kWeek <= 1)}) | ${m.displayedStableShare === null ? '–' : `${(m.displayedStableShare * 100).toFixed(1)} %`} (${mark((m.displayedStableShare ?? 0) <= 0.05)}) | ${m.stableShownPer10k.toFixed(2)} | ${m.displayedPerSnapshot.toFixed(1)} | ${m.falseNewDisruption} of ${4 * size.nullJobs} cells |`,
  );
}
lines.push('');
lines.push('#### Time to first flag, 2-hour cadence');
lines.push('');
lines.push(`Onsets spread over the hours of a day; ${det.snapshots} snapshots over ${size.detectionDays} days.`);
lines.push('');
lines.push(
  'The floor is what no rule that waits for `minFailures` (3) failing runs can beat, whatever its statistics: the median hours from onset to the first snapshot whose runs since the onset hold three failures of the cell (runs take 90 minutes and are read at the next snapshot).',
);
lines.push('');
lines.push(
  "The bound is the best any rule could do at the false-alarm target: a CUSUM that knows the cell's rates before and after the change, its threshold set for 1 false alarm per 10,000 stable cells a week (`scripts/simulation/oracle-cusum.ts`, exact, not sampled). The report's rules must estimate the rate before from a basis and do not know the rate after.",
);
lines.push('');
lines.push(
  '| regression | cells | median hours to first flag | target | floor: median hours to the third failure shown | bound: median hours (shown within 7 days) | flagged within 7 days |',
);
lines.push('|---|---|---|---|---|---|---|');
const bound = (drop: { from: number; to: number; runsPerDay: number } | undefined): string => {
  if (!drop) return '–';
  const b = oracleBound({ ...drop, falseAlarmsPerWeek: 1e-4 });
  return `${fmt(b.medianHours)} (${(b.byWeek * 100).toFixed(0)} %)`;
};
const targets: Record<string, [string, (h: number | null, byWeek: number) => boolean]> = {
  '99.5 % → 60 %, 12 runs a day': ['≤ 12 h', (h) => h !== null && h <= 12],
  '99.5 % → 60 %, 24 runs a day': ['≤ 12 h', (h) => h !== null && h <= 12],
  '99.5 % → 80 %, 12 runs a day': ['≤ 48 h', (h) => h !== null && h <= 48],
  '95 % → 80 %, 50 runs a week': ['≥ 50 % by day 7', (_h, byWeek) => byWeek >= 0.5],
  'disruption P50 × 10, 12 runs a day': ['≤ 12 h', (h) => h !== null && h <= 12],
};
for (const g of det.groups) {
  const hours = g.cells.map((c) => c.firstFlagHours);
  const median = medianHours(hours);
  const byWeek = g.cells.filter((c) => c.firstFlagHours !== null && c.firstFlagHours <= 168).length / g.cells.length;
  const [text, ok] = targets[g.label] ?? ['–', () => true];
  const floors = g.cells.map((c) => c.floorHours);
  const floor = floors.every((f) => f === undefined) ? '–' : fmt(medianHours(floors.map((f) => f ?? null)));
  lines.push(
    `| ${g.label} | ${g.cells.length} | ${fmt(median)} | ${text} (${mark(ok(median, byWeek))}) | ${floor} | ${bound(g.drop)} | ${(byWeek * 100).toFixed(0)} % |`,
  );
}
lines.push('');
lines.push(
  `The issue's power measurement (${pow.snapshots} snapshots over ${size.powerDays} days; stable cells ${(Math.max(size.powerTests, 25) * 4 - 25).toLocaleString('en')}, 50 runs a week each; ${pow.falseNew} false alarms):`,
);
lines.push('');
lines.push('| regression | cells | median hours to first flag | flagged by day 7 (target ≥ 50 %) | flagged by day 14 | bound: shown by day 7 |');
lines.push('|---|---|---|---|---|---|');
for (const g of pow.groups) {
  const within = (h: number) => g.cells.filter((c) => c.firstFlagHours !== null && c.firstFlagHours <= h).length / g.cells.length;
  lines.push(
    `| ${g.label} | ${g.cells.length} | ${fmt(medianHours(g.cells.map((c) => c.firstFlagHours)))} | ${(within(168) * 100).toFixed(0)} % (${mark(within(168) >= 0.5)}) | ${(within(336) * 100).toFixed(0)} % | ${g.drop ? `${(oracleBound({ ...g.drop, falseAlarmsPerWeek: 1e-4 }).byWeek * 100).toFixed(0)} %` : '–'} |`,
  );
}
lines.push('');
lines.push('#### Regressions never fixed');
lines.push('');
lines.push(
  `${per.snapshots} snapshots over ${size.persistenceDays} days; a cell counts as held when every snapshot from its first flag on shows it (target: 100 %).`,
);
lines.push('');
lines.push('| regression | noise | cells | flagged | held open in every later snapshot |');
lines.push('|---|---|---|---|---|');
for (const [noise, result] of [
  ['independent', per],
  ['clustered by day', perClustered],
] as const) {
  for (const g of result.groups) {
    const flagged = g.cells.filter((c) => c.firstFlagHours !== null);
    const held = flagged.filter((c) => c.shownAfterFirst === 1).length;
    lines.push(
      `| ${g.label} | ${noise} | ${g.cells.length} | ${flagged.length} | ${flagged.length ? ((held / flagged.length) * 100).toFixed(0) : '–'} % (${mark(held === flagged.length && flagged.length === g.cells.length)}) |`,
    );
  }
}
lines.push('');
lines.push('#### Regressions fixed');
lines.push('');
lines.push(
  `Fixed ${FIX_AFTER / 3_600_000} hours after their onset, then ${size.fixedDays} days of snapshots; hours from the fix until the report stops showing the regression for good. No target in the issue: a fixed regression should leave the report within a week (7 days of runs against its line).`,
);
lines.push('');
lines.push('| regression | noise | cells | flagged | median hours from fix to resolved | resolved within 7 days of the fix |');
lines.push('|---|---|---|---|---|---|');
for (const [noise, result] of [
  ['independent', fixedIndependent],
  ['clustered by day', fixedClustered],
] as const) {
  for (const g of result.groups) {
    const flagged = g.cells.filter((c) => c.firstFlagHours !== null);
    const within = flagged.filter((c) => c.resolvedHours !== null && c.resolvedHours <= 168).length;
    lines.push(
      `| ${g.label} | ${noise} | ${g.cells.length} | ${flagged.length} | ${fmt(medianHours(flagged.map((c) => c.resolvedHours)))} | ${flagged.length ? ((within / flagged.length) * 100).toFixed(0) : '–'} % |`,
    );
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
