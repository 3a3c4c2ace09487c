/**
 * The JSON published beside the pages, so scripts read the same facts the pages show:
 *
 *   /snapshots/index.json                         every snapshot, newest first, with its URLs (moves)
 *   /snapshots/<id>/snapshot.json                 the snapshot itself (schema: docs/snapshot-schema.md)
 *   /snapshots/<id>/summary.json                  headline, coverage (summary.ts)
 *   /snapshots/<id>/compare.json                  what the compare page diffs (diff.ts)
 *   /snapshots/<id>/jobs/<job>/job.json           one job: its JobSummary with the snapshot's context
 *   /snapshots/<id>/tests/<test>/test.json        one test: its TestSummary with the snapshot's context
 *
 * Per-snapshot documents are immutable like the pages. They are written compact (no indentation):
 * at OpenShift size the indentation alone would be a third of the site.
 */
import type { JobSummary, Snapshot, TestSummary } from '../../snapshot/schema.ts';
import { compareInput } from './diff.ts';
import { compareJsonHref, jobHref, snapshotHref, snapshotJsonHref, summaryJsonHref, testHref } from './links.ts';
import { summarise, type SnapshotSummary } from './summary.ts';

export const DOCUMENT_VERSION = 1;

function json(value: unknown): Response {
  return new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json; charset=utf-8' } });
}

/** Where a per-job or per-test document came from, so it can be read on its own. */
function context(snapshot: Snapshot) {
  return {
    documentVersion: DOCUMENT_VERSION,
    schemaVersion: snapshot.schemaVersion,
    snapshot: { id: snapshot.id, asOf: snapshot.asOf, windows: snapshot.windows, url: snapshotHref(snapshot.id), json: snapshotJsonHref(snapshot.id) },
  };
}

export const snapshotDocument = (snapshot: Snapshot): Response => json(snapshot);

export const summaryDocument = (snapshot: Snapshot, previous: string | undefined): Response => json(summarise(snapshot, previous));

export const compareDocument = (snapshot: Snapshot): Response => json(compareInput(snapshot));

export function jobDocument(snapshot: Snapshot, job: JobSummary): Response {
  return json({ ...context(snapshot), url: jobHref(snapshot.id, job.name), job });
}

export function testDocument(snapshot: Snapshot, test: TestSummary): Response {
  return json({ ...context(snapshot), url: testHref(snapshot.id, test.id), test });
}

export function snapshotIndexDocument(summaries: readonly SnapshotSummary[]): Response {
  return json({
    documentVersion: DOCUMENT_VERSION,
    latest: summaries[0]?.id ?? null,
    snapshots: summaries.map((s) => ({
      id: s.id,
      asOf: s.asOf,
      runsRead: s.coverage.runsRead,
      url: snapshotHref(s.id),
      snapshot: snapshotJsonHref(s.id),
      summary: summaryJsonHref(s.id),
      compare: compareJsonHref(s.id),
    })),
  });
}

