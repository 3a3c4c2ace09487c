// `npx node scripts/simulate.ts [--size small|full] [--seed N] [--config '{"regressions":{…}}']`: the
// statistics targets of docs/statistics.md, measured. Every scenario is a CI model (scripts/simulation/)
// driven through the real analysis at successive as-of instants two hours apart, so lifecycle, frozen
// bases, clustering estimates and recovery act as they do in the report. Scenarios run in parallel child
// processes (one per core); `--only <scenario>` runs one and prints JSON (what the parent collects).
// Prints Markdown: each target beside its measured value. `--save <file>` also writes every scenario's
// result as JSON, and `--from <file>` prints the tables from such a file without running anything (a
// full run takes about half an hour; the tables' wording should not need one).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { configSchema } from '../src/config/config-schema.ts';
import { medianHours } from './simulation/metrics.ts';
import { anyRuleShownBy, cusumReference } from './simulation/detection-bounds.ts';
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

/** Time to first flag is a median over a dozen cells a group: one seed's is noisy, so it is pooled over seeds seed … seed + 3. */
const DETECTION_SEEDS = 4;
const DETECTIONS = Array.from({ length: DETECTION_SEEDS }, (_, k) => (k === 0 ? 'detection' : `detection:${k}`));
const SCENARIOS = ['power', ...DETECTIONS, 'persistence', 'persistence:clustered', 'fixed', 'fixed:clustered', ...NULL_MODELS.map((_, i) => `null:${i}`)];

async function run(scenario: string): Promise<NullResult | DetectionResult> {
  if (scenario.startsWith('null:')) return nullModel(NULL_MODELS[Number(scenario.slice(5))]!, size, seed + Number(scenario.slice(5)), config);
  if (scenario === 'detection') return detection(size, seed, config);
  if (scenario.startsWith('detection:')) {
    const k = Number(scenario.slice(10));
    if (!Number.isInteger(k) || k < 1) throw new Error(`--only ${scenario}: expected detection:<n>, n a positive integer (the seed is --seed + n)`);
    return detection(size, seed + k, config);
  }
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
/** What `--save` writes: the command's settings, its time, and every scenario's result. */
interface SavedRun {
  command: string;
  size: keyof typeof SIZES;
  config: unknown;
  seconds: number;
  results: Record<string, NullResult | DetectionResult>;
}
const from = option('from');
const command = `npx node scripts/simulate.ts --size ${sizeName} --seed ${seed}${option('config') ? ` --config '${option('config')}'` : ''}`;
const saved: SavedRun = from
  ? (JSON.parse(readFileSync(from, 'utf8')) as SavedRun)
  : {
      command,
      size: sizeName,
      config,
      results: Object.fromEntries(await Promise.all(SCENARIOS.map((s) => limit(async () => [s, await child(s)] as const)))),
      seconds: (performance.now() - started) / 1000,
    };
if (!SIZES[saved.size]) throw new Error(`--from ${from}: size ${saved.size} is not small or full; expected a file written by --save`);
const results = new Map(Object.entries(saved.results));
const missing = SCENARIOS.filter((s) => !results.has(s));
if (missing.length) throw new Error(`--from ${from}: no result for ${missing.join(', ')}; write one with --save from a run of this version`);
const save = option('save');
if (save) writeFileSync(save, `${JSON.stringify(saved)}\n`);
// The tables describe the run they come from, whatever this command's --size and --config.
const shown = SIZES[saved.size];
const nulls = NULL_MODELS.map((_, i) => results.get(`null:${i}`) as NullResult);
// The detection runs' cells, pooled by group.
const detections = DETECTIONS.map((s) => results.get(s) as DetectionResult);
const det: DetectionResult = {
  ...detections[0]!,
  groups: detections[0]!.groups.map((g, i) => ({ ...g, cells: detections.flatMap((d) => d.groups[i]!.cells) })),
};
const per = results.get('persistence') as DetectionResult;
const perClustered = results.get('persistence:clustered') as DetectionResult;
const pow = results.get('power') as DetectionResult;
const fixedIndependent = results.get('fixed') as DetectionResult;
const fixedClustered = results.get('fixed:clustered') as DetectionResult;

const fmt = (x: number | null, digits = 1): string => (x === null ? 'never' : x.toFixed(digits));
const mark = (ok: boolean): string => (ok ? 'met' : '**not met**');
const lines: string[] = [];
lines.push(`<!-- Produced by \`${saved.command}\` in ${saved.seconds.toFixed(0)} s; do not edit by hand. -->`);
lines.push('');
lines.push('### Clustered null models: false alarms and the displayed list');
lines.push('');
lines.push(
  `Each: ${nulls[0]!.stableCells.toLocaleString('en')} stable cells and 8 regressed ones, 12 runs a day, one snapshot every 2 hours for ${shown.nullDays} days.`,
);
lines.push('');
lines.push(
  '| null model | false alarms | per 10,000 stable cells per week (target ≤ 1) | displayed regressions that are stable cells (target ≤ 5 %) | stable cells displayed per snapshot, per 10,000 | regressions displayed per snapshot | new disruption verdicts on stable cells |',
);
lines.push('|---|---|---|---|---|---|---|');
for (const r of nulls) {
  const m = r.measured;
  lines.push(
    `| ${r.model} | ${m.falseNew} | ${m.falseAlarmsPer10kWeek.toFixed(2)} (${mark(m.falseAlarmsPer10kWeek <= 1)}) | ${m.displayedStableShare === null ? '–' : `${(m.displayedStableShare * 100).toFixed(1)} %`} (${mark((m.displayedStableShare ?? 0) <= 0.05)}) | ${m.stableShownPer10k.toFixed(2)} | ${m.displayedPerSnapshot.toFixed(1)} | ${m.falseNewDisruption} of ${4 * shown.nullJobs} cells |`,
  );
}
lines.push('');
lines.push('### Time to first flag, 2-hour cadence');
lines.push('');
lines.push(
  `Onsets spread over the hours of a day; ${det.snapshots} snapshots over ${shown.detectionDays} days; ${DETECTION_SEEDS} seeds, cells pooled. New verdicts on the scenario's stable cells, by seed: ${detections.map((d) => d.falseNew).join(', ')} (its ${det.groups.filter((g) => g.drop).reduce((a, g) => a + g.cells.length, 0) / DETECTION_SEEDS} test regressions a seed lower the false-discovery bar for every test cell).`,
);
lines.push('');
const minFailures = configSchema.parse(saved.config).regressions.minFailures;
lines.push(
  `Beside each, what the runs allow. *Third failure*: the median hours from onset to the first snapshot whose runs since the onset hold \`minFailures\` (${minFailures}) failures of the cell, the earliest a rule that needs that many failures since the onset can flag (runs take 90 minutes and are read at the next snapshot). *Any rule, at most*: no rule whose false alarms on a stable cell like these average at most 10⁻⁴ a week (the issue's 1 per 10,000 cells, spent evenly) can show more than this share of such drops by the target's hour, in expectation, one that knows both rates included (Neyman–Pearson on the runs shown by then; runs evenly spaced, independent). *CUSUM*: a reference detector that knows both rates, held to the same budget: its median hours. All from \`scripts/simulation/detection-bounds.ts\` (computed, not sampled).`,
);
lines.push('');
lines.push(
  "| regression | cells | median hours to first flag | target | third failure shown, median hours | any rule, at most: shown by the target's hour | CUSUM knowing both rates, median hours | flagged within 7 days |",
);
lines.push('|---|---|---|---|---|---|---|---|');
const BUDGET = 1e-4;
const targets: Record<string, [string, number, (h: number | null, byWeek: number) => boolean]> = {
  '99.5 % → 60 %, 12 runs a day': ['≤ 12 h', 12, (h) => h !== null && h <= 12],
  '99.5 % → 60 %, 24 runs a day': ['≤ 12 h', 12, (h) => h !== null && h <= 12],
  '99.5 % → 80 %, 12 runs a day': ['≤ 48 h', 48, (h) => h !== null && h <= 48],
  '95 % → 80 %, 50 runs a week': ['≥ 50 % by day 7', 168, (_h, byWeek) => byWeek >= 0.5],
  'disruption P50 × 10, 12 runs a day': ['≤ 12 h', 12, (h) => h !== null && h <= 12],
};
const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;
for (const g of det.groups) {
  const hours = g.cells.map((c) => c.firstFlagHours);
  const median = medianHours(hours);
  const byWeek = g.cells.filter((c) => c.firstFlagHours !== null && c.firstFlagHours <= 168).length / g.cells.length;
  const [text, targetHours, ok] = targets[g.label] ?? ['–', 168, () => true];
  const floors = g.cells.map((c) => c.floorHours);
  // Results without the column (saved by an older version) print none rather than a median that counts them as never.
  const floor = floors.some((f) => f === undefined) ? '–' : fmt(medianHours(floors.map((f) => f ?? null)));
  const drop = g.drop && { ...g.drop, falseAlarmsPerWeek: BUDGET };
  const anyRule = drop ? pct(anyRuleShownBy(drop, targetHours)) : '–';
  const cusum = drop ? fmt(cusumReference(drop).medianHours) : '–';
  lines.push(`| ${g.label} | ${g.cells.length} | ${fmt(median)} | ${text} (${mark(ok(median, byWeek))}) | ${floor} | ${anyRule} | ${cusum} | ${pct(byWeek)} |`);
}
lines.push('');
lines.push(
  `The issue's power measurement (${pow.snapshots} snapshots over ${shown.powerDays} days; stable cells ${(Math.max(shown.powerTests, 25) * 4 - 25).toLocaleString('en')}, 50 runs a week each; ${pow.falseNew} false alarms):`,
);
lines.push('');
lines.push(
  '| regression | cells | median hours to first flag | flagged by day 7 (target ≥ 50 %) | flagged by day 14 | any rule, at most: shown by day 7 | CUSUM knowing both rates: shown by day 7 |',
);
lines.push('|---|---|---|---|---|---|---|');
for (const g of pow.groups) {
  const within = (h: number) => g.cells.filter((c) => c.firstFlagHours !== null && c.firstFlagHours <= h).length / g.cells.length;
  const drop = g.drop && { ...g.drop, falseAlarmsPerWeek: BUDGET };
  lines.push(
    `| ${g.label} | ${g.cells.length} | ${fmt(medianHours(g.cells.map((c) => c.firstFlagHours)))} | ${pct(within(168))} (${mark(within(168) >= 0.5)}) | ${pct(within(336))} | ${drop ? pct(anyRuleShownBy(drop, 168)) : '–'} | ${drop ? pct(cusumReference(drop).byWeek) : '–'} |`,
  );
}
lines.push('');
lines.push('### Regressions never fixed');
lines.push('');
lines.push(
  `${per.snapshots} snapshots over ${shown.persistenceDays} days; a cell counts as held when every snapshot from its first flag on shows it (target: 100 %).`,
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
lines.push('### Regressions fixed');
lines.push('');
lines.push(
  `Fixed ${FIX_AFTER / 3_600_000} hours after their onset, then ${shown.fixedDays} days of snapshots; hours from the fix until the report stops showing the regression for good. No target in the issue: a fixed regression should leave the report within a week (7 days of runs against its line).`,
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
