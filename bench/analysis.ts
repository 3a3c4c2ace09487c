/**
 * `npm run bench` (via scripts/bench.js): analysis of 6 million test results — 2,000 runs × 3,000
 * tests — through analyze(), as the pipeline runs it. Target: under 10 s and 2 GB peak RSS on the
 * project's 2-core machine. Records are generated one at a time, as the run cache streams them.
 *
 *   npx node bench/analysis.ts [runs] [tests]
 *
 * Prints runs, results, seconds, peak RSS, and exits 1 when a target is missed.
 */
import { analyze } from '../src/analysis/analyze.ts';
import { configSchema } from '../src/config/config-schema.ts';
import { RUN_RECORD_VERSION, type RunRecord, type TestResult } from '../src/ingest/run-record.ts';
import { variantsFromJobName } from '../src/ingest/variants.ts';
import { drawFlakeRate, drawStableRate, simulationJobNames } from '../scripts/simulation/ci-model.ts';
import { mulberry32 as createRng } from '../src/util/mulberry32.ts';
import { serializeSnapshot } from '../src/store/snapshot-store.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import { resolveAnalysisPlan } from '../src/config/run-plan.ts';

const RUNS = Number(process.argv[2] ?? 2000);
const TESTS = Number(process.argv[3] ?? 3000);
const JOBS = 20;
const TARGET_SECONDS = 10;
const TARGET_BYTES = 2 * 1024 ** 3;
const AS_OF = new Date('2026-11-28T06:00:00Z');
const DAY = 86_400_000;
const BACKENDS = [
  'kube-api-new-connections',
  'kube-api-reused-connections',
  'openshift-api-new-connections',
  'oauth-api-new-connections',
  'image-registry-new-connections',
  'ingress-to-console-new-connections',
];

/** One record at a time: each run gets fresh test-name strings, as JSON.parse of a cached record would give. */
function* records(): Generator<RunRecord> {
  const rng = createRng(42);
  const rates = Float64Array.from({ length: TESTS }, () => drawStableRate(rng));
  const flakes = Float64Array.from({ length: TESTS }, () => drawFlakeRate(rng));
  for (let r = 0; r < RUNS; r++) {
    const j = r % JOBS;
    const job = simulationJobNames(j + 1)[j]!;
    const started = AS_OF.getTime() - 14 * DAY + Math.floor(((r + 0.5) * 14 * DAY) / RUNS);
    const current = started >= AS_OF.getTime() - 7 * DAY;
    const tests: TestResult[] = new Array(TESTS);
    let failed = false;
    for (let t = 0; t < TESTS; t++) {
      // Test 7 regresses in the current window of job 3: a real signal among the noise.
      const working = current && t === 7 && j === 3 ? 0.5 : rates[t]!;
      const u = rng();
      const status = u >= working ? 'fail' : rng() < flakes[t]! ? 'flake' : 'pass';
      if (status === 'fail') failed = true;
      const result: TestResult = {
        suite: 'openshift-tests',
        name: `[sig-bench] test number ${t} should pass [Suite:openshift/conformance/parallel]`.slice(0),
        status,
        durationSec: 3.2,
      };
      if (status !== 'pass')
        result.message = `fail [k8s.io/e2e/framework.go:${100 + (t % 50)}]: timed out after 300s waiting for pod e2e-${t}-${(rng() * 1e6) | 0} in namespace e2e-test-${r}`;
      tests[t] = result;
    }
    const buildId = String(1_900_000_000_000_000_000n + BigInt(r));
    yield {
      recordVersion: RUN_RECORD_VERSION,
      inputsDigest: `bench-${buildId}`,
      job,
      buildId,
      kind: 'periodic',
      path: `logs/${job}/${buildId}/`,
      started: new Date(started).toISOString(),
      finished: new Date(started + 2 * 3_600_000).toISOString(),
      result: failed ? 'failure' : 'success',
      final: true,
      complete: true,
      // Runs of an aggregated-style job share a payload tag ten at a time.
      ...(j === 0 ? { payloadTag: `4.22.0-0.nightly-2026-11-${String(1 + Math.floor(r / 200)).padStart(2, '0')}-000000` } : {}),
      variants: variantsFromJobName(job),
      tests,
      disruption: BACKENDS.map((backend) => ({ backend, seconds: rng() < 0.7 ? 0 : Math.ceil(rng() * 8) })),
      problems: [],
      objectsRead: 8,
      bytesRead: 0,
    };
  }
}

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const config = configSchema.parse({});
const started = performance.now();
const snapshot = await analyze({
  runs: records(),
  plan: resolveAnalysisPlan(config, AS_OF),
  source: 'bench',
  bucket: 'test-platform-results',
});
const analysisSeconds = (performance.now() - started) / 1000;
peak = Math.max(peak, process.memoryUsage().rss);
const serializeStarted = performance.now();
const bytes = Buffer.byteLength(serializeSnapshot(snapshotSchema.parse(snapshot)));
const serializeSeconds = (performance.now() - serializeStarted) / 1000;
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(sampler);

const results = RUNS * TESTS;
const ok = analysisSeconds < TARGET_SECONDS && peak < TARGET_BYTES;
console.log(
  `analysis: ${RUNS} runs, ${results.toLocaleString('en-US')} test results: ${analysisSeconds.toFixed(2)} s (target < ${TARGET_SECONDS} s), ` +
    `peak RSS ${(peak / 1024 ** 2).toFixed(0)} MB (target < ${TARGET_BYTES / 1024 ** 3} GB); ` +
    `snapshot ${(bytes / 1e6).toFixed(1)} MB validated and serialised in ${serializeSeconds.toFixed(2)} s` +
    (ok ? '' : ' — TARGET MISSED'),
);
process.exit(ok ? 0 : 1);
