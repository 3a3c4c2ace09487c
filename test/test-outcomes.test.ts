/**
 * Combining JUnit cases into one result per test per run: retries become flakes, several files of
 * one run are merged, tests are told apart by (suite, classname, name), and the output order does not depend on
 * the input order.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJunitText, type JunitCase } from '../src/ingest/junit-parser.ts';
import { combineCases, testName } from '../src/ingest/test-outcomes.ts';

const readFixture = (rel: string): string => readFileSync(new URL(`./fixtures/${rel}`, import.meta.url), 'utf8');

const UPGRADE_FILES = ['prow/upgrade-run/junit_e2e__20240501-103512.xml', 'prow/upgrade-run/junit_e2e__20240501-123040.xml'];

const NODES_READY = '[sig-arch][Feature:ClusterUpgrade] All nodes should be in ready state [Early][Suite:upgrade]';
const UPGRADEABLE = '[sig-arch][Feature:ClusterUpgrade] Cluster should be upgradeable before beginning upgrade [Early][Suite:upgrade]';
const FUNCTIONAL = '[sig-arch][Feature:ClusterUpgrade] Cluster should remain functional during upgrade [Disruptive] [Serial]';
const EVENTS = '[sig-arch] events should not repeat pathologically';
const TELEMETRY =
  '[sig-instrumentation] Prometheus [apigroup:image.openshift.io] when installed on the cluster should report telemetry [Serial] [Late] [Skipped:Disconnected] [Suite:openshift/conformance/serial]';
const INGRESS =
  '[sig-instrumentation] Prometheus [apigroup:image.openshift.io] when installed on the cluster should provide ingress metrics [Skipped:Disconnected] [Suite:openshift/conformance/parallel]';
const CADVISOR =
  '[sig-instrumentation] Prometheus [apigroup:image.openshift.io] when installed on the cluster should have non-Pod host cAdvisor metrics [Skipped:Disconnected] [Suite:openshift/conformance/parallel]';

const kase = (over: Partial<JunitCase> & Pick<JunitCase, 'name' | 'outcome'>): JunitCase => ({ suite: 'openshift-tests', durationSec: 1, ...over });

describe('combineCases', () => {
  it('a test that failed and then passed on retry in one file is a flake, with both durations and the failure message', () => {
    const { cases } = parseJunitText(readFixture(UPGRADE_FILES[0]!));
    const nodes = combineCases(cases).find((t) => t.name === NODES_READY);
    expect(nodes).toEqual({
      suite: 'openshift-tests-upgrade',
      name: NODES_READY,
      status: 'flake',
      durationSec: 31.5 + 2.5,
      message: 'fail [github.com/openshift/origin/test/e2e/upgrade/upgrade.go:112]: node ci-op-b8kq1m3x-f3a9c-worker-b-7xq2v is not ready: KubeletNotReady',
    });
  });

  it('merges both JUnit files of an upgrade run, keyed by suite and name, sorted by suite then name', () => {
    const cases = UPGRADE_FILES.flatMap((f) => parseJunitText(readFixture(f)).cases);
    expect(cases).toHaveLength(11); // 6 + 5 <testcase> elements (grep -c '<testcase')
    const results = combineCases(cases);
    expect(results.map((t) => [t.suite, t.name, t.status])).toEqual([
      ['openshift-tests', EVENTS, 'fail'],
      ['openshift-tests', CADVISOR, 'pass'],
      ['openshift-tests', INGRESS, 'flake'],
      ['openshift-tests', TELEMETRY, 'skip'],
      ['openshift-tests-upgrade', EVENTS, 'pass'],
      ['openshift-tests-upgrade', NODES_READY, 'flake'],
      ['openshift-tests-upgrade', UPGRADEABLE, 'pass'],
      ['openshift-tests-upgrade', FUNCTIONAL, 'fail'],
      ['openshift-tests-upgrade', TELEMETRY, 'skip'],
    ]);
    const ingress = results.find((t) => t.name === INGRESS)!;
    expect(ingress.durationSec).toBe(12 + 8.25);
    expect(ingress.message).toMatch(/^fail \[github.com\/openshift\/origin\/test\/extended\/prometheus\/prometheus.go:586\]: Unexpected error:\n/);
    expect(results.filter((t) => t.status === 'pass' || t.status === 'skip').every((t) => t.message === undefined)).toBe(true);
  });

  it('the same test in two files of one run combines across them', () => {
    const first = [kase({ name: 'a', outcome: 'failed', message: 'boom', durationSec: 2 })];
    const second = [kase({ name: 'a', outcome: 'passed', durationSec: 3 })];
    expect(combineCases([...first, ...second])).toEqual([{ suite: 'openshift-tests', name: 'a', status: 'flake', durationSec: 5, message: 'boom' }]);
  });

  it('applies the status rules: fail only, pass only, skip only, skip with pass, skip with fail', () => {
    const results = combineCases([
      kase({ name: 'fail-twice', outcome: 'failed', message: 'first' }),
      kase({ name: 'fail-twice', outcome: 'failed', message: 'second' }),
      kase({ name: 'pass', outcome: 'passed' }),
      kase({ name: 'skip', outcome: 'skipped' }),
      kase({ name: 'skip', outcome: 'skipped' }),
      kase({ name: 'skip-pass', outcome: 'skipped' }),
      kase({ name: 'skip-pass', outcome: 'passed' }),
      kase({ name: 'skip-fail', outcome: 'skipped' }),
      kase({ name: 'skip-fail', outcome: 'failed' }),
    ]);
    expect(Object.fromEntries(results.map((t) => [t.name, t.status]))).toEqual({
      'fail-twice': 'fail',
      pass: 'pass',
      skip: 'skip',
      'skip-pass': 'pass',
      'skip-fail': 'fail',
    });
    expect(results.find((t) => t.name === 'fail-twice')).toMatchObject({ message: 'first', durationSec: 2 });
    expect(results.find((t) => t.name === 'skip-fail')!.message).toBeUndefined();
  });

  it('the message is the first failure that has one', () => {
    const [t] = combineCases([
      kase({ name: 'x', outcome: 'failed' }),
      kase({ name: 'x', outcome: 'failed', message: 'second attempt' }),
      kase({ name: 'x', outcome: 'failed', message: 'third attempt' }),
    ]);
    expect(t!.message).toBe('second attempt');
  });

  it('the same name in different suites stays separate', () => {
    const results = combineCases([
      kase({ suite: 'openshift-tests', name: 'n', outcome: 'failed' }),
      kase({ suite: 'openshift-tests-upgrade', name: 'n', outcome: 'passed' }),
    ]);
    expect(results.map((t) => [t.suite, t.status])).toEqual([
      ['openshift-tests', 'fail'],
      ['openshift-tests-upgrade', 'pass'],
    ]);
  });

  it('no cases give no results', () => {
    expect(combineCases([])).toEqual([]);
  });

  it('the result does not depend on the order of files or cases, except which failure message comes first', () => {
    const outcome = fc.constantFrom<JunitCase['outcome']>('passed', 'failed', 'skipped');
    const caseArb = fc.record({
      suite: fc.constantFrom('openshift-tests', 'openshift-tests-upgrade', 'step graph', ''),
      name: fc.constantFrom('[sig-a] one', '[sig-a] two', '[sig-b] Three', 'ünïcode', 'a'),
      durationSec: fc.integer({ min: 0, max: 1000 }),
      outcome,
    });
    fc.assert(
      fc.property(fc.array(caseArb, { maxLength: 30 }), fc.func(fc.integer()), (cases, rank) => {
        const shuffled = cases
          .map((c, i) => ({ c, k: rank(i) }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.c);
        const a = combineCases(cases);
        expect(combineCases(shuffled)).toEqual(a);
        // Sorted, one entry per (suite, name), durations add up.
        const keys = a.map((t) => [t.suite, t.name] as const);
        const sorted = [...keys].sort(([s1, n1], [s2, n2]) => (s1 < s2 ? -1 : s1 > s2 ? 1 : n1 < n2 ? -1 : n1 > n2 ? 1 : 0));
        expect(keys).toEqual(sorted);
        expect(new Set(keys.map(([s, n]) => `${s}/${n}`)).size).toBe(keys.length);
        expect(a.reduce((sum, t) => sum + t.durationSec, 0)).toBe(cases.reduce((sum, c) => sum + c.durationSec, 0));
      }),
    );
  });

  it('a flaky case (Surefire: failed, then passed on a rerun) is a flake with its failure message', () => {
    expect(combineCases([kase({ name: 'f', outcome: 'flaky', message: 'first run failed' })])).toEqual([
      { suite: 'openshift-tests', name: 'f', status: 'flake', durationSec: 1, message: 'first run failed' },
    ]);
    // Beside a plain failure of the same test it still makes a flake: it passed once.
    expect(combineCases([kase({ name: 'f', outcome: 'failed', message: 'a' }), kase({ name: 'f', outcome: 'flaky', message: 'b' })])[0]).toMatchObject({
      status: 'flake',
      message: 'a',
    });
  });
});

describe('test identity: (suite, classname, name)', () => {
  it('same-named cases of different classes are different tests; one failing and one passing is no flake', () => {
    const results = combineCases([
      kase({ suite: 'pytest', classname: 'tests.test_api', name: 'test_x', outcome: 'passed' }),
      kase({ suite: 'pytest', classname: 'tests.test_db', name: 'test_x', outcome: 'failed', message: 'boom' }),
    ]);
    expect(results.map((t) => [t.name, t.status])).toEqual([
      ['tests.test_api.test_x', 'pass'],
      ['tests.test_db.test_x', 'fail'],
    ]);
  });

  it('repeated cases of one identity still combine: a failure then a pass of the same class is a flake', () => {
    const results = combineCases([
      kase({ suite: 's', classname: 'pkg.FooTest', name: 'testA', outcome: 'failed', message: 'm' }),
      kase({ suite: 's', classname: 'pkg.FooTest', name: 'testA', outcome: 'passed' }),
    ]);
    expect(results).toEqual([{ suite: 's', name: 'pkg.FooTest.testA', status: 'flake', durationSec: 2, message: 'm' }]);
  });

  it('OpenShift names are kept: no classname, or a classname equal to the suite', () => {
    const name = '[sig-network] Services should serve endpoints [Suite:openshift/conformance/parallel]';
    expect(testName('openshift-tests', undefined, name)).toBe(name);
    expect(testName('openshift-tests', '', name)).toBe(name);
    expect(testName('openshift-tests', 'openshift-tests', name)).toBe(name);
    expect(testName('Kubernetes e2e suite', 'Kubernetes e2e suite', '[It] x')).toBe('[It] x');
  });

  it('a classname that is the last path or dotted segment of the suite, or the other way round, adds nothing', () => {
    expect(testName('example.com/shop/cart', 'cart', 'TestAdd')).toBe('TestAdd');
    expect(testName('cart', 'example.com/shop/cart', 'TestAdd')).toBe('TestAdd');
    expect(testName('com.example.FooTest', 'FooTest', 'testA')).toBe('testA');
    // Not a whole segment: "art" is not "cart".
    expect(testName('example.com/shop/cart', 'art', 'TestAdd')).toBe('art.TestAdd');
  });

  it('a classname equal to the name, or its first words, adds nothing (jest-junit defaults)', () => {
    expect(testName('addition', 'addition positive numbers should add up', 'addition positive numbers should add up')).toBe(
      'addition positive numbers should add up',
    );
    expect(testName('s', 'addition positive', 'addition positive numbers should add up')).toBe('addition positive numbers should add up');
    expect(testName('s', 'Foo', 'Foo.testBar')).toBe('Foo.testBar');
    // A prefix that is not a whole word is no such thing.
    expect(testName('s', 'Foo', 'Football')).toBe('Foo.Football');
  });

  it('otherwise the name is qualified as classname.name', () => {
    expect(testName('pytest', 'tests.test_api.TestAuth', 'test_login[admin]')).toBe('tests.test_api.TestAuth.test_login[admin]');
    expect(testName('', 'e2e.go', 'Up')).toBe('e2e.go.Up');
  });
});

describe('combineCases order', () => {
  it('is plain code-unit order however often names repeat, change or come new (the rank cache is invisible)', () => {
    const word = fc.constantFrom('[sig-a]', '[sig-b]', 'x', 'ä', '😀', 'Z', 'z', ' ', 'should', '[Suite:k8s]', '\uD800');
    const name = fc.array(word, { minLength: 1, maxLength: 6 }).map((w) => w.join(' '));
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(name, { minLength: 0, maxLength: 400 }), { minLength: 1, maxLength: 6 }), (runs) => {
        for (const names of runs) {
          const results = combineCases(names.map((n) => kase({ name: n, outcome: 'passed' })));
          expect(results.map((t) => t.name)).toEqual([...names].sort());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('orders a run of thousands of known names, with a few new ones among them, exactly as sort() does', () => {
    const base = Array.from(
      { length: 3000 },
      (_, i) => `[sig-area${i % 30}] component ${(i * 7919) % 3000} should work [Suite:openshift/conformance/parallel]`,
    );
    const again = [...base.slice(0, 2990), 'a new test', '[sig-area3] a new one', 'zzz', '[sig-area29] component 9999 should work'];
    for (const names of [base, again, base.slice(500), [...again].reverse()]) {
      const results = combineCases(names.map((n) => kase({ name: n, outcome: 'passed' })));
      expect(results.map((t) => t.name)).toEqual([...new Set(names)].sort());
    }
  });
});
