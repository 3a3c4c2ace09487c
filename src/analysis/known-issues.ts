/**
 * Known issues: regressions (and failure clusters) already tracked by a bug, from the config's
 * knownIssues list. Each entry's regexes must all match: `test` the test name (the backend of a
 * disruption regression), `job` one of the regression's jobs, `text` one of the test's failure texts,
 * as reported or normalised. The first matching entry is the one shown.
 */
import type { KnownIssueConfig } from '../config/config-schema.ts';
import type { DisruptionCell, Snapshot, TestSummary } from '../snapshot/schema.ts';

type Regressions = NonNullable<Snapshot['regressions']>;
type AnyRegression = Regressions['tests'][number] | Regressions['jobs'][number] | Regressions['disruption'][number];
type Tracked = NonNullable<Snapshot['knownIssues']>[number];
type FailureCluster = NonNullable<Snapshot['failureClusters']>[number];

interface Compiled {
  index: number;
  test?: RegExp;
  job?: RegExp;
  text?: RegExp;
  bug: string;
  note: string | null;
}

/** What a regression offers the regexes: its subject, its jobs and its failure texts. */
interface Subject {
  test: string | null;
  jobs: readonly string[];
  texts: readonly string[];
}

export class KnownIssues {
  readonly #issues: Compiled[];

  constructor(issues: readonly KnownIssueConfig[]) {
    this.#issues = issues.map((k, index) => ({
      index,
      ...(k.test !== undefined ? { test: new RegExp(k.test) } : {}),
      ...(k.job !== undefined ? { job: new RegExp(k.job) } : {}),
      ...(k.text !== undefined ? { text: new RegExp(k.text) } : {}),
      bug: k.bug,
      note: k.note ?? null,
    }));
  }

  get empty(): boolean {
    return this.#issues.length === 0;
  }

  #match(subject: Subject): Compiled | undefined {
    return this.#issues.find(
      (k) =>
        (!k.test || (subject.test !== null && k.test.test(subject.test))) &&
        (!k.job || subject.jobs.some((j) => k.job!.test(j))) &&
        (!k.text || subject.texts.some((t) => k.text!.test(t))),
    );
  }

  /** Every regression of both modes that a known issue tracks, in the snapshot's order. */
  regressions(regressions: Pick<Regressions, 'tests' | 'jobs' | 'disruption'>, tests: readonly TestSummary[], cells: readonly DisruptionCell[]): Tracked[] {
    if (this.empty) return [];
    const testsById = new Map(tests.map((t) => [t.id, t]));
    const out: Tracked[] = [];
    const all: AnyRegression[] = [...regressions.tests, ...regressions.jobs, ...regressions.disruption];
    for (const r of all) {
      const issue = this.#match(subjectOf(r, testsById, cells));
      if (issue) out.push({ regressionId: r.id, issue: issue.index, bug: issue.bug, note: issue.note });
    }
    return out;
  }

  /** The known issue of a failure cluster: its text, one of its tests and one of its jobs. */
  cluster(cluster: FailureCluster): { issue: number; bug: string; note: string | null } | null {
    if (this.empty) return null;
    const texts = [cluster.text, cluster.example];
    const issue = this.#issues.find(
      (k) =>
        (!k.test || cluster.tests.some((t) => k.test!.test(t.name))) &&
        (!k.job || cluster.jobs.some((j) => k.job!.test(j.job))) &&
        (!k.text || texts.some((t) => k.text!.test(t))),
    );
    return issue ? { issue: issue.index, bug: issue.bug, note: issue.note } : null;
  }
}

function subjectOf(r: AnyRegression, tests: ReadonlyMap<string, TestSummary>, cells: readonly DisruptionCell[]): Subject {
  switch (r.kind) {
    case 'test': {
      const groups = tests.get(r.testId)?.failureGroups ?? [];
      // The texts of the regression's own jobs when it names them, else every text of the test.
      const own = groups.filter((g) => g.runs.some((run) => r.jobs.includes(run.job)));
      return { test: r.name, jobs: r.jobs, texts: (own.length > 0 ? own : groups).flatMap((g) => [g.text, g.example]) };
    }
    case 'job':
      return { test: null, jobs: [r.job], texts: [] };
    case 'disruption':
      return { test: r.backend, jobs: cells.find((c) => c.backend === r.backend && c.variantKey === r.variantKey)?.jobs ?? [], texts: [] };
  }
}
