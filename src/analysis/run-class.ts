/**
 * Runs whose test failures say nothing about the tests. An infrastructure outage or a failed install
 * fails a run before (or while) its tests run, and a mass failure fails a large share of them at
 * once: counting those failures against each test would flag dozens of tests that never regressed
 * (CI's clustered noise at its worst). Such runs are kept out of test verdicts; they still count for
 * their job, and the job and data-quality pages list them.
 */
import type { RegressionsConfig } from '../config/config-schema.ts';
import type { RunRecord } from '../ingest/run-record.ts';

type RunClass = 'normal' | 'mass-failure' | 'infrastructure';

export interface RunClassification {
  class: RunClass;
  /** Tests that failed (not flaked) in the run, and tests with a result other than skipped. */
  failed: number;
  tests: number;
  /** Why, in words (empty for a normal run). */
  reason: string;
}

export class RunClassifier {
  readonly #share: number;
  readonly #minFailed: number;
  readonly #infra: RegExp[];

  constructor(settings: RegressionsConfig['massFailure']) {
    this.#share = settings.share;
    this.#minFailed = settings.minFailed;
    this.#infra = settings.infraTests.map((r) => new RegExp(r));
  }

  classify(run: RunRecord): RunClassification {
    let failed = 0;
    let tests = 0;
    let infraTest: string | undefined;
    for (const t of run.tests) {
      if (t.status === 'skip') continue;
      tests++;
      if (t.status !== 'fail') continue;
      failed++;
      if (infraTest === undefined && this.#infra.some((re) => re.test(t.name))) infraTest = t.name;
    }
    if (infraTest !== undefined)
      return { class: 'infrastructure', failed, tests, reason: `failed "${infraTest.slice(0, 200)}": it failed before its tests could tell anything` };
    if (failed >= this.#minFailed && failed >= this.#share * tests) {
      return {
        class: 'mass-failure',
        failed,
        tests,
        reason: `${failed} of ${tests} tests failed (at least ${Math.round(this.#share * 100)} % and ${this.#minFailed}): a mass failure`,
      };
    }
    return { class: 'normal', failed, tests, reason: '' };
  }
}
