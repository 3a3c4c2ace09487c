/**
 * A snapshot's summary: the few facts the pages that move with every build (home, the snapshot list,
 * the feed) need about every published snapshot. It is rendered once with the snapshot, published
 * as /snapshots/<id>/summary.json and kept in the archive, so a build with a long history reads one
 * small file per snapshot instead of every full snapshot.
 *
 * Published summaries are immutable, so this shape only grows: new fields are optional, and readers
 * treat a missing field as "not recorded when this snapshot was published".
 */
import { z } from 'zod';
import { coverageSchema, snapshotSchema, windowSchema } from '../../snapshot/schema.ts';
import type { Snapshot } from '../../snapshot/schema.ts';
import { regressionHref } from './links.ts';
import { forMode, allOf, KIND_LABEL, regressionGroup, regressionTitle } from './regressions.ts';

const SUMMARY_VERSION = 1;

/** A regression that appeared or was resolved in this snapshot: one feed entry. */
const changeSchema = z.object({
  regressionId: z.string(),
  change: z.enum(['new', 'resolved']),
  kind: z.enum(['test', 'job', 'disruption']),
  mode: z.string(),
  severity: z.string(),
  title: z.string(),
  group: z.string(),
  reason: z.string(),
  /** Site path (with the base) of the regression's evidence in this snapshot. */
  href: z.string(),
  /** The component of a test regression (absent before components, and for jobs and disruption). */
  component: z.string().optional(),
});

type RegressionChange = z.infer<typeof changeSchema>;

const summarySchema = z.object({
  summaryVersion: z.literal(SUMMARY_VERSION),
  id: z.string(),
  asOf: z.string(),
  source: z.string(),
  windows: z.object({ current: windowSchema, previous: windowSchema }),
  coverage: coverageSchema,
  headline: snapshotSchema.shape.headline,
  problemCount: z.number().int(),
  /** The snapshot this one was compared with when it was rendered (its diff page), null for the first. */
  previous: z.string().nullable(),
  /** Regressions of the default mode that are new or resolved in this snapshot (empty before regressions existed). */
  changes: z.array(changeSchema).default([]),
  /** New and open regressions of the default mode, by kind; absent before regressions existed. */
  active: z.object({ test: z.number().int(), job: z.number().int(), disruption: z.number().int() }).optional(),
});

export type SnapshotSummary = z.infer<typeof summarySchema>;

/** The feed's entries for one snapshot: its default mode's new and resolved regressions. */
function regressionChanges(snapshot: Snapshot): RegressionChange[] {
  const mode = snapshot.regressions?.settings.defaultMode;
  if (!mode) return [];
  const componentOf = new Map(snapshot.tests.flatMap((t) => (t.component === undefined ? [] : [[t.id, t.component] as const])));
  return allOf(forMode(snapshot, mode))
    .filter((r) => r.status === 'new' || r.status === 'resolved')
    .map((r) => ({
      regressionId: r.id,
      change: r.status === 'new' ? ('new' as const) : ('resolved' as const),
      kind: r.kind,
      mode: r.mode,
      severity: r.severity,
      title: `${KIND_LABEL[r.kind]}: ${regressionTitle(r)}`,
      group: regressionGroup(r),
      reason: r.reason,
      href: regressionHref(snapshot.id, r, mode),
      ...(r.kind === 'test' && componentOf.has(r.testId) ? { component: componentOf.get(r.testId)! } : {}),
    }));
}

export function summarise(snapshot: Snapshot, previous: string | undefined): SnapshotSummary {
  const mode = snapshot.regressions?.settings.defaultMode;
  const active = mode ? allOf(forMode(snapshot, mode)).filter((r) => r.status !== 'resolved') : undefined;
  return {
    changes: regressionChanges(snapshot),
    ...(active
      ? {
          active: {
            test: active.filter((r) => r.kind === 'test').length,
            job: active.filter((r) => r.kind === 'job').length,
            disruption: active.filter((r) => r.kind === 'disruption').length,
          },
        }
      : {}),
    summaryVersion: SUMMARY_VERSION,
    id: snapshot.id,
    asOf: snapshot.asOf,
    source: snapshot.source,
    windows: snapshot.windows,
    coverage: snapshot.coverage,
    headline: snapshot.headline,
    problemCount: snapshot.dataQuality.problemCount,
    previous: previous ?? null,
  };
}

/** A summary read back from the archive; undefined when it is not one this code understands. */
export function parseSummary(value: unknown): SnapshotSummary | undefined {
  const parsed = summarySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** A summary has data when its snapshot read runs: the same rule as report.ts's hasData. */
export function summaryHasData(summary: SnapshotSummary): boolean {
  return summary.coverage.runsRead > 0;
}
