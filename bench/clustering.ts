/**
 * `npm run bench:clustering` (also part of `npm run bench`): 100,000 failure texts normalised and
 * clustered as the analysis does it (failure-text.ts, then failure-clusters.ts). Target: under 60 s
 * and 1 GB peak RSS on the project's 2-core machine.
 *
 *   npx node bench/clustering.ts [failures]
 *
 * The texts are shaped like OpenShift's: 1,500 tests fail in one to four of 600 kinds of failure each
 * (a few kinds common to many tests, most rare: Zipf-like), in words of a made-up vocabulary, each failure carries run-specific noise the normaliser strips (times,
 * pods, namespaces, addresses) and small numbers it keeps (counts, seconds, line numbers), so many
 * distinct normalised texts remain for the clustering to join; 3 % are one-off texts that join nothing,
 * and some kinds carry a goroutine dump of a few KB. Prints failures, distinct texts, clusters,
 * seconds, peak RSS and heap, and exits 1 when a target is missed.
 */
import { clusterTexts } from '../src/analysis/failure-clusters.ts';
import { normalizeFailureText } from '../src/analysis/failure-text.ts';
import { mulberry32 } from '../src/util/mulberry32.ts';

const FAILURES = Number(process.argv[2] ?? 100_000);
const TESTS = 1500;
const KINDS = 600;
const TARGET_SECONDS = 60;
const TARGET_BYTES = 1024 ** 3;

/** 3,000 made-up words from syllables: kinds of failure share some words, as real messages do. */
const WORDS = (() => {
  const rng = mulberry32(3);
  const syllables = 'ka ro ti na pe lo su mi de va qu ex or an ze bu fo gi ha ju'.split(' ');
  const words = new Set<string>();
  while (words.size < 3000) words.add(Array.from({ length: 2 + Math.floor(rng() * 3) }, () => syllables[Math.floor(rng() * syllables.length)]).join(''));
  return [...words];
})();

type Rng = () => number;
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
const alnum = (rng: Rng, n: number): string => Array.from({ length: n }, () => pick(rng, [...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
/** Words drawn Zipf-like: a few common, most rare. */
const word = (rng: Rng): string => WORDS[Math.floor(rng() ** 3 * WORDS.length)]!;
const sentence = (rng: Rng, n: number): string => Array.from({ length: n }, () => word(rng)).join(' ');

/** A kind of failure: fixed words, with slots filled per failure. */
function kindTemplate(k: number): (rng: Rng, test: number) => string {
  const shape = mulberry32(7919 * (k + 1));
  const head = sentence(shape, 4 + Math.floor(shape() * 10));
  const tail = sentence(shape, 3 + Math.floor(shape() * 20));
  const dump =
    shape() < 0.08
      ? Array.from(
          { length: 20 + Math.floor(shape() * 40) },
          (_, i) => `goroutine ${i} [${word(shape)}]:\n\t${sentence(shape, 3)}.go:${Math.floor(shape() * 900)}`,
        ).join('\n')
      : '';
  return (rng, test) => {
    const at = new Date(Date.UTC(2026, 10, 1 + Math.floor(rng() * 27), Math.floor(rng() * 24), Math.floor(rng() * 60), Math.floor(rng() * 60)));
    return (
      `fail [github.com/openshift/origin/test/extended/${WORDS[test % WORDS.length]}/${WORDS[(test * 7) % WORDS.length]}.go:${100 + (test % 700)}]: ${head}\n` +
      `    pod "${pick(rng, ['client', 'server', 'execpod'])}-${alnum(rng, 5)}" in namespace "e2e-test-${alnum(rng, 5)}" on node ip-10-0-${Math.floor(rng() * 255)}-${Math.floor(rng() * 255)}.ec2.internal: ` +
      `${tail} after ${1 + Math.floor(rng() * 9)} attempts (${Math.floor(rng() * 300)} seconds, want ${Math.floor(rng() * 4)} replicas)\n` +
      `${at.toISOString()}: INFO: ${10 + Math.floor(rng() * 200)}.${Math.floor(rng() * 255)}.${Math.floor(rng() * 255)}.${Math.floor(rng() * 255)}:${1024 + Math.floor(rng() * 60000)} ${word(rng)}` +
      (dump ? `\n${dump}` : '')
    );
  };
}

function* failureTexts(): Generator<{ test: number; text: string }> {
  const rng = mulberry32(20261128);
  const kinds = Array.from({ length: KINDS }, (_, k) => kindTemplate(k));
  // Zipf-like: kind k with weight 1/(k+1); a test fails in a handful of kinds.
  const harmonic = Array.from({ length: KINDS }, (_, k) => 1 / (k + 1));
  const total = harmonic.reduce((a, b) => a + b, 0);
  const cumulative = harmonic.map(
    (
      (sum) => (w) =>
        (sum += w / total)
    )(0),
  );
  const drawKind = (): number => {
    const k = cumulative.findIndex((c) => c >= rng());
    return k < 0 ? KINDS - 1 : k;
  };
  // A test fails in one to four ways; the common kinds (an API that refuses connections) hit many tests.
  const testKinds = Array.from({ length: TESTS }, () => Array.from({ length: 1 + Math.floor(rng() * 4) }, drawKind));
  for (let i = 0; i < FAILURES; i++) {
    const test = Math.floor(rng() ** 2 * TESTS);
    if (rng() < 0.03) {
      yield { test, text: `panic: ${sentence(rng, 8 + Math.floor(rng() * 30))} ${alnum(rng, 12)}` };
      continue;
    }
    yield { test, text: kinds[pick(rng, testKinds[test]!)]!(rng, test) };
  }
}

const startRss = process.memoryUsage().rss;
let peakRss = startRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const raw = [...failureTexts()];
const started = performance.now();
const byText = new Map<string, { weight: number; hint: number }>();
for (const { test, text } of raw) {
  const normalised = normalizeFailureText(text);
  const seen = byText.get(normalised);
  if (seen) seen.weight++;
  else byText.set(normalised, { weight: 1, hint: test });
}
const normalisedAt = performance.now();
const texts = [...byText].map(([text, { weight, hint }]) => ({ text, weight, hint }));
const { keys } = clusterTexts(texts);
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const heap = process.memoryUsage().heapUsed;

console.log(
  `clustering: ${FAILURES.toLocaleString('en')} failure texts → ${texts.length.toLocaleString('en')} distinct after normalisation → ${keys.length.toLocaleString('en')} clusters`,
);
console.log(
  `  ${seconds.toFixed(1)} s (normalise ${((normalisedAt - started) / 1000).toFixed(1)} s, cluster ${((performance.now() - normalisedAt) / 1000).toFixed(1)} s); ` +
    `peak RSS ${(peakRss / 1e6).toFixed(0)} MB (${((peakRss - startRss) / 1e6).toFixed(0)} MB above the start), heap ${(heap / 1e6).toFixed(0)} MB`,
);
console.log(`  target: under ${TARGET_SECONDS} s and ${(TARGET_BYTES / 1e9).toFixed(1)} GB peak RSS`);
if (seconds > TARGET_SECONDS || peakRss > TARGET_BYTES) {
  console.log('  target missed');
  process.exit(1);
}
