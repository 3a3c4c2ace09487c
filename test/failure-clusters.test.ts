/**
 * Failure clusters (src/analysis/failure-clusters.ts): the similarity rule pinned at its threshold,
 * and clustering quality on real failure texts (the JUnit files with real messages in
 * ../shared/real-data, see PROVENANCE.md) and on the sample bucket's failures, whose shapes
 * data/sample/README.md documents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_DISTANCE_SHARE, clusterTexts, gramProfile, gramsTooFar, similarTexts, withoutNumbers } from '../src/analysis/failure-clusters.ts';
import { normalizeFailureText } from '../src/analysis/failure-text.ts';
import { parseJunitText } from '../src/ingest/junit-parser.ts';
import { renderSample } from '../src/sample/generate.ts';

// Copied from ../shared/real-data (test/fixtures/real/PROVENANCE.md): a fresh clone has no ../shared.
const REAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'real');

/** Cluster `texts` (normalised, exact duplicates merged) and give each input its cluster number. */
function clustersOf(texts: readonly { text: string; hint?: number }[]): number[] {
  const distinct = new Map<string, { weight: number; hint: number }>();
  for (const t of texts) {
    const n = normalizeFailureText(t.text);
    const seen = distinct.get(n);
    if (seen) seen.weight++;
    else distinct.set(n, { weight: 1, hint: t.hint ?? 0 });
  }
  const list = [...distinct].map(([text, v]) => ({ text, ...v }));
  const { clusterOf } = clusterTexts(list);
  const index = new Map(list.map((t, i) => [t.text, clusterOf[i]!]));
  return texts.map((t) => index.get(normalizeFailureText(t.text))!);
}

describe('the similarity rule', () => {
  // 100 distinct characters, so each substitution adds exactly one edit.
  const base = Array.from({ length: 100 }, (_, i) => String.fromCharCode(0x4e00 + i)).join('');
  const substitute = (k: number) => [...base].map((c, i) => (i < k ? 'x' : c)).join('');

  it('joins texts whose edit distance is below 10 % of their mean length, and no others', () => {
    expect(CLUSTER_DISTANCE_SHARE).toBe(0.1);
    expect(similarTexts(base, substitute(9))).toBe(true);
    expect(similarTexts(base, substitute(10))).toBe(false);
    // Lengths 100 and 109: mean 104.5, limit 10.45; nine insertions are within it, eleven are not.
    expect(similarTexts(base, `${base}${'y'.repeat(9)}`)).toBe(true);
    expect(similarTexts(base, `${base}${'y'.repeat(11)}`)).toBe(false);
  });

  it('does not tell numbers apart', () => {
    expect(withoutNumbers('fired for 120 seconds, want 3')).toBe('fired for 0 seconds, want 0');
    expect(similarTexts('exit status 1', 'exit status 137')).toBe(true);
  });

  it('never skips a similar pair by the 4-gram bound (L1 ≤ 8 × edit distance)', () => {
    const words = 'the pod could not reach the gateway over the primary network before the deadline'.split(' ');
    for (let seed = 1; seed <= 200; seed++) {
      const a = Array.from({ length: 30 }, (_, i) => words[(i * seed) % words.length]).join(' ');
      const edits = seed % 25;
      const b = a.slice(0, 40) + 'q'.repeat(edits) + a.slice(40 + edits);
      // b is a with `edits` substitutions: its 4-gram distance stays within 8 × edits.
      expect(gramsTooFar(gramProfile(a), gramProfile(b), 8 * edits)).toBe(false);
    }
  });
});

describe('clustering real failure texts (test/fixtures/real, from ../shared/real-data)', () => {
  const messages = [
    'redhat-openshift-ecosystem/provider-certification-plugins/openshift-tests-plugin/test/testdata/suites/junit5.xml',
    'kubernetes/test-infra/kettle/testdata/standard.xml',
    'openshift/ci-tools/test/e2e/observer/artifacts/multi-observers-junit_operator.xml',
  ].flatMap((file) =>
    parseJunitText(readFileSync(path.join(REAL, file), 'utf8'))
      .cases.filter((c) => c.outcome === 'failed' && c.message)
      .map((c) => ({ test: c.name, text: c.message! })),
  );

  it('finds the four real failure messages', () => {
    expect(messages.map((m) => m.text.split('\n')[0])).toEqual([
      'fake forced failure to opct-plugin-tests',
      'failed reading external test suites: unable to extract k8s-tests binary',
      'error during go run',
      "+ echo 'this is going to fail'",
    ]);
  });

  it('keeps four different failures in four clusters', () => {
    // Nothing in common: a forced failure, a missing binary, a go run error and a failed step.
    expect(new Set(clustersOf(messages)).size).toBe(4);
  });

  it('joins the same step failure from other runs, whatever its time, exit code and pid', () => {
    const step = messages[3]!.text;
    const reruns = [
      step.replace(/"time":"whatever"/, '"time":"2026-11-27T08:41:13Z"'),
      step.replaceAll('exit status 1', 'exit status 137').replace('exit 1', 'exit 137'),
      step.replace('this is going to fail', 'this is going to fail (pid 4121)'),
    ];
    const clusters = clustersOf([...messages, ...reruns.map((text) => ({ test: 'step', text }))]);
    // The three reruns join the step failure's cluster; the other three stay apart.
    expect(clusters.slice(4)).toEqual([clusters[3], clusters[3], clusters[3]]);
    expect(new Set(clusters).size).toBe(4);
  });
});

describe('clustering the sample bucket', () => {
  type Failure = { test: number; name: string; text: string };
  const failures: Failure[] = [];
  let clusters: number[] = [];

  beforeAll(() => {
    const names = new Map<string, number>();
    for (const file of renderSample().files) {
      if (!/\/(junit_e2e__[^/]*|junit_operator)\.xml$/.test(file.path)) continue;
      for (const c of parseJunitText(file.content).cases) {
        if (c.outcome !== 'failed' || !c.message) continue;
        if (!names.has(c.name)) names.set(c.name, names.size);
        failures.push({ test: names.get(c.name)!, name: c.name, text: c.message });
      }
    }
    clusters = clustersOf(failures.map((f) => ({ text: f.text, hint: f.test })));
  }, 60_000);

  const where = (pick: (f: Failure & { cluster: number }) => boolean): (Failure & { cluster: number })[] =>
    failures.map((f, i) => ({ ...f, cluster: clusters[i]! })).filter(pick);

  it('puts every failure of the planted UDN regression in one cluster of its own', () => {
    // One shape with fresh pods, namespaces, addresses and times each run (README, scenario 1); the
    // test's rare failures before the regression have another shape and are not in it.
    const udn = where((f) => f.text.includes('over the primary UDN'));
    expect(udn.length).toBeGreaterThanOrEqual(10);
    expect(new Set(udn.map((f) => f.cluster)).size).toBe(1);
    expect(where((f) => f.cluster === udn[0]!.cluster).every((f) => f.text.includes('over the primary UDN'))).toBe(true);
  });

  it('joins install failures that differ in the build farm they ran on, which the normaliser keeps', () => {
    const installs = where((f) => f.text.startsWith('Installing from release registry.'));
    expect(new Set(installs.map((f) => normalizeFailureText(f.text))).size).toBeGreaterThan(1);
    expect(new Set(installs.map((f) => f.cluster)).size).toBe(1);
  });

  it('joins one kind of failure across tests, and keeps different kinds apart', () => {
    // The "connection refused" shape differs between tests only in its source line: one cluster spans tests.
    const refused = where((f) => f.text.includes('connect: connection refused'));
    const refusedClusters = new Set(refused.map((f) => f.cluster));
    const spanning = [...refusedClusters].filter((c) => new Set(refused.filter((f) => f.cluster === c).map((f) => f.test)).size > 1);
    expect(spanning.length).toBeGreaterThan(0);
    // ... and no "connection refused" failure shares a cluster with "timed out waiting for the condition".
    const timedOut = new Set(where((f) => f.text.includes('timed out waiting for the condition')).map((f) => f.cluster));
    expect([...refusedClusters].some((c) => timedOut.has(c))).toBe(false);
  });
});
