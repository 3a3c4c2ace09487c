/**
 * Links to the page a regression is about, only where that page exists in the snapshot: not every
 * failing test gets a page (report.ts, testsWithPages), and a regression may name a job the snapshot
 * no longer lists. Kept apart from links.ts, which the browser's compare script bundles, so the page
 * budget's code stays out of it.
 */
import type { Snapshot } from '../../snapshot/schema.ts';
import { disruptionHref, jobHref, testHref } from './links.ts';
import { cellAnchor, type AnyRegression } from './regressions.ts';
import { pagedTestIds } from './report.ts';

/** The test's page, the job's page, or the cell on the disruption page; undefined when there is no such page. */
export function regressionSubjectHref(snapshot: Snapshot, r: AnyRegression): string | undefined {
  switch (r.kind) {
    case 'test':
      return pagedTestIds(snapshot).has(r.testId) ? testHref(snapshot.id, r.testId) : undefined;
    case 'job':
      return snapshot.jobs.some((j) => j.name === r.job) ? jobHref(snapshot.id, r.job) : undefined;
    case 'disruption':
      return `${disruptionHref(snapshot.id)}#${cellAnchor(r)}`;
  }
}
