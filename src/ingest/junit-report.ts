/**
 * What Ratchet made of one JUnit file, in the terms a user can check against their own report: the shape of
 * `npx ratchet junit`. Counts are of <testcase> elements by outcome; `tests` counts distinct tests after repeated
 * cases were combined (test-outcomes.ts), which is what a run record holds.
 */
import { junitProblem, type JunitParseResult } from './junit-parser.ts';
import { combineCases } from './test-outcomes.ts';

export interface JunitFileReport {
  file: string;
  /** <testcase> elements read (a case cut off inside its failure included). */
  cases: number;
  passed: number;
  /** Cases with a <failure> or <error>. */
  failed: number;
  skipped: number;
  /** Cases that failed and then passed on a rerun (Surefire's <flakyFailure>/<flakyError>). */
  flaked: number;
  /** Distinct tests after combining repeated cases of one test. */
  tests: number;
  /** true when the file was damaged: empty, not JUnit, truncated or malformed. */
  partial: boolean;
  /** The data-quality message a run record would list for this file, or null. */
  problem: string | null;
}

export function reportJunitFile(file: string, result: JunitParseResult): JunitFileReport {
  const report: JunitFileReport = {
    file,
    cases: result.cases.length,
    passed: 0,
    failed: 0,
    skipped: 0,
    flaked: 0,
    tests: 0,
    partial: result.partial,
    problem: null,
  };
  for (const c of result.cases) {
    if (c.outcome === 'passed') report.passed++;
    else if (c.outcome === 'failed') report.failed++;
    else if (c.outcome === 'skipped') report.skipped++;
    else report.flaked++;
  }
  report.tests = combineCases(result.cases).length;
  report.problem = junitProblem(result) ?? null;
  return report;
}
