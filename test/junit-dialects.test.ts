/**
 * Every common JUnit dialect read right: the files under fixtures/dialects are written from each tool's documented
 * format (see their README). Per file, the counts `ratchet junit` prints, and the combined tests a run record
 * holds: tests of different classes stay apart, retries and Surefire's flaky reruns become flakes, and skips
 * given only by attribute are skips.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJunitText } from '../src/ingest/junit-parser.ts';
import { reportJunitFile } from '../src/ingest/junit-report.ts';
import { combineCases } from '../src/ingest/test-outcomes.ts';

const read = (name: string): string => readFileSync(new URL(`./fixtures/dialects/${name}`, import.meta.url), 'utf8');
const report = (name: string) => {
  const { file: _file, ...counts } = reportJunitFile(name, parseJunitText(read(name)));
  return counts;
};
const tests = (name: string) => combineCases(parseJunitText(read(name)).cases).map((t) => [t.suite, t.name, t.status]);

describe('JUnit dialects', () => {
  it('Maven Surefire reruns: flakyFailure and flakyError make a passing case a flake, rerunFailure beside failure stays a failure', () => {
    expect(report('surefire-rerun.xml')).toEqual({ cases: 6, passed: 1, failed: 2, skipped: 1, flaked: 2, tests: 6, partial: false, problem: null });
    const { cases } = parseJunitText(read('surefire-rerun.xml'));
    const gateway = cases.find((c) => c.name === 'paymentGatewayAnswers')!;
    // "1,000.025": Surefire groups thousands (SUREFIRE_TIME); the flaky run's message and stack trace, not its output.
    expect(gateway).toEqual({
      suite: 'com.example.shop.CheckoutTest',
      name: 'paymentGatewayAnswers',
      classname: 'com.example.shop.CheckoutTest',
      durationSec: 1000.025,
      outcome: 'flaky',
      message:
        'expected: <200> but was: <503>\norg.opentest4j.AssertionFailedError: expected: <200> but was: <503>\n\tat com.example.shop.CheckoutTest.paymentGatewayAnswers(CheckoutTest.java:41)',
    });
    expect(cases.find((c) => c.name === 'refundIsRejected')!.message).toBe(
      'refund rejected: amount 0\njava.lang.AssertionError: refund rejected: amount 0\n\tat com.example.shop.CheckoutTest.refundIsRejected(CheckoutTest.java:77)',
    );
    const suite = 'com.example.shop.CheckoutTest';
    expect(tests('surefire-rerun.xml')).toEqual([
      [suite, 'giftCardsWork', 'skip'],
      [suite, 'inventoryLoads', 'flake'],
      [suite, 'paymentGatewayAnswers', 'flake'],
      [suite, 'refundIsRejected', 'fail'],
      [suite, 'taxIsComputed', 'fail'],
      [suite, 'totalsAddUp', 'pass'],
    ]);
  });

  it('googletest: DISABLED_ tests (status="notrun" result="suppressed") and GTEST_SKIP are skips; names stay as written', () => {
    expect(report('googletest.xml')).toEqual({ cases: 5, passed: 2, failed: 1, skipped: 2, flaked: 0, tests: 5, partial: false, problem: null });
    expect(tests('googletest.xml')).toEqual([
      ['MathTest', 'Addition', 'fail'],
      ['MathTest', 'DISABLED_Division', 'skip'],
      ['MathTest', 'Subtraction', 'pass'],
      ['NetTest', 'Ping', 'skip'],
      ['NetTest', 'Resolve', 'pass'],
    ]);
  });

  it('skips given only by a status or result attribute, in any case', () => {
    expect(report('skip-attributes.xml')).toMatchObject({ cases: 6, passed: 1, skipped: 5 });
  });

  it('pytest: test_create of two modules is two tests, one passing and one failing, not a flake', () => {
    expect(report('pytest.xml')).toEqual({ cases: 8, passed: 4, failed: 2, skipped: 2, flaked: 0, tests: 8, partial: false, problem: null });
    expect(tests('pytest.xml')).toEqual([
      ['pytest', 'tests.test_api.TestAuth.test_login[admin]', 'pass'],
      ['pytest', 'tests.test_api.TestAuth.test_login[guest]', 'pass'],
      ['pytest', 'tests.test_api.test_cleanup', 'fail'],
      ['pytest', 'tests.test_api.test_create', 'pass'],
      ['pytest', 'tests.test_api.test_list', 'pass'],
      ['pytest', 'tests.test_db.test_create', 'fail'],
      ['pytest', 'tests.test_db.test_known_bug', 'skip'],
      ['pytest', 'tests.test_db.test_migrate', 'skip'],
    ]);
  });

  it('jest-junit: the default templates keep the name; one title in two describe blocks is two tests', () => {
    expect(report('jest-junit.xml')).toEqual({ cases: 6, passed: 3, failed: 2, skipped: 1, flaked: 0, tests: 6, partial: false, problem: null });
    expect(tests('jest-junit.xml')).toEqual([
      ['addition', 'addition negative numbers should add up', 'fail'],
      ['addition', 'addition positive numbers should add up', 'pass'],
      ['addition', 'addition zero should be neutral', 'skip'],
      ['subtraction', 'subtraction handles NaN', 'pass'],
      ['subtraction', 'subtraction negative numbers.should subtract', 'fail'],
      ['subtraction', 'subtraction positive numbers.should subtract', 'pass'],
    ]);
  });

  it('Ant/Eclipse: a suite of several classes keeps their same-named methods apart', () => {
    expect(report('ant-aggregate.xml')).toEqual({ cases: 5, passed: 3, failed: 1, skipped: 1, flaked: 0, tests: 5, partial: false, problem: null });
    expect(tests('ant-aggregate.xml').map(([, name, status]) => `${name} ${status}`)).toEqual([
      'org.example.lang.LexerTest.testEmptyInput pass',
      'org.example.lang.LexerTest.testNumbers pass',
      'org.example.lang.ParserTest.testEmptyInput fail',
      'org.example.lang.ParserTest.testNumbers pass',
      'org.example.lang.PrinterTest.testEmptyInput skip',
    ]);
  });

  it('go-junit-report v1: a classname that is the last element of the suite path adds nothing to the name', () => {
    expect(report('go-junit-report-v1.xml')).toEqual({ cases: 3, passed: 1, failed: 1, skipped: 1, flaked: 0, tests: 3, partial: false, problem: null });
    expect(tests('go-junit-report-v1.xml')).toEqual([
      ['example.com/shop/cart', 'TestAdd', 'pass'],
      ['example.com/shop/cart', 'TestEmpty', 'skip'],
      ['example.com/shop/cart', 'TestRemove', 'fail'],
    ]);
  });

  it('gotestsum --rerun-fails: a failed attempt and its passing rerun are one flaky test', () => {
    expect(report('gotestsum-rerun.xml')).toEqual({ cases: 4, passed: 3, failed: 1, skipped: 0, flaked: 0, tests: 3, partial: false, problem: null });
    const charge = combineCases(parseJunitText(read('gotestsum-rerun.xml')).cases).find((t) => t.name === 'TestCharge')!;
    expect(charge).toEqual({
      suite: 'example.com/shop/payment',
      name: 'TestCharge',
      status: 'flake',
      durationSec: 0.55,
      message: 'Failed\n=== RUN   TestCharge\n    payment_test.go:20: gateway timeout\n--- FAIL: TestCharge (0.30s)',
    });
  });

  it('ginkgo v2 (Kubernetes e2e): status attributes agree with the children; pending is a skip', () => {
    expect(report('ginkgo-v2.xml')).toEqual({ cases: 4, passed: 1, failed: 1, skipped: 2, flaked: 0, tests: 4, partial: false, problem: null });
    expect(tests('ginkgo-v2.xml').map(([suite]) => suite)).toEqual(Array(4).fill('Kubernetes e2e suite'));
    expect(tests('ginkgo-v2.xml').find(([, , status]) => status === 'fail')![1]).toBe('[It] [sig-network] DNS should provide DNS for services [Conformance]');
  });
});
