/**
 * `npm run sample`: writes the sample bucket (default data/sample/bucket/) and prints what was
 * planted.
 *
 *   npx node src/sample/cli.ts [--out DIR] [--seed N] [--end-time ISO] [--manifest]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_END_TIME, DEFAULT_SEED, generateSample } from './generate.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    seed: { type: 'string' },
    'end-time': { type: 'string' },
    manifest: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    [
      'Usage: npm run sample -- [--out DIR] [--seed N] [--end-time ISO] [--manifest]',
      '',
      `  --out DIR        bucket directory to (re)write (default data/sample/bucket)`,
      `  --seed N         PRNG seed (default ${DEFAULT_SEED})`,
      `  --end-time ISO   end of the 14-day period (default ${DEFAULT_END_TIME})`,
      '  --manifest       print the full manifest of planted scenarios as JSON',
    ].join('\n'),
  );
  process.exit(0);
}

const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
if (!Number.isSafeInteger(seed)) {
  console.error(`--seed must be an integer, got ${values.seed}`);
  process.exit(2);
}
const endTime = values['end-time'] ?? DEFAULT_END_TIME;
if (!Number.isFinite(Date.parse(endTime))) {
  console.error(`--end-time must be an ISO 8601 time, got ${endTime}`);
  process.exit(2);
}
const outDir = resolve(values.out ?? resolve(projectRoot, 'data/sample/bucket'));

const began = performance.now();
const { runs, files, bytes, manifest } = await generateSample(outDir, { seed, endTime });
const seconds = (performance.now() - began) / 1000;

if (values.manifest) {
  console.log(JSON.stringify(manifest, null, 2));
} else {
  const mb = (bytes / 1024 / 1024).toFixed(1);
  console.log(`Sample bucket written to ${outDir}`);
  console.log(`  seed ${seed}, ${manifest.startTime} .. ${manifest.endTime}`);
  console.log(`  ${runs} runs, ${files} files, ${mb} MiB in ${seconds.toFixed(1)} s`);
  const r = manifest.results;
  console.log(`  results: ${r.success} success, ${r.failure} failure, ${r.aborted} aborted, ${r.error} error, ${r.pending} pending`);
  console.log('Planted:');
  const t = manifest.testRegression;
  for (const j of t.jobs) {
    console.log(`  test regression on ${j.job}: ${j.before.failures}/${j.before.runs} failed before ${t.since}, ${j.after.failures}/${j.after.runs} after`);
  }
  const d = manifest.disruptionRegression;
  console.log(
    `  disruption regression ${d.backend} on ${d.job}: max ${d.before.maxSeconds}s over ${d.before.runs} runs before, ${d.after.minSeconds}-${d.after.maxSeconds}s over ${d.after.runs} runs after`,
  );
  console.log(`  truncated JUnit:      ${manifest.truncatedJunit.object}`);
  console.log(`  malformed JSON:       ${manifest.malformedJson.object}`);
  console.log(`  odd artifact:         ${manifest.oddArtifact.object}`);
  console.log(`  pending run:          ${manifest.pendingRun.path}`);
  console.log(`  no finished.json:     ${manifest.runWithoutFinished.path}`);
  console.log(`  aborted run:          ${manifest.abortedRun.path}`);
  console.log(
    `  ${manifest.installFailures.length} install failures, ${manifest.zeroDisruptionRuns.length} all-zero disruption runs, ${manifest.crierFinished.length} crier-written finished.json`,
  );
}
