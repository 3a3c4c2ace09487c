/**
 * The JSON published beside the pages, so scripts read the same facts the pages show:
 *
 *   /snapshots/index.json                         every snapshot, newest first, with its URLs (moves)
 *   /snapshots/<id>/snapshot.json.gz              the snapshot itself (schema: docs/snapshot-schema.md)
 *   /snapshots/<id>/summary.json                  headline, coverage, new and resolved regressions (summary.ts)
 *   /snapshots/<id>/compare.json                  what the compare page diffs (diff.ts)
 *   /snapshots/<id>/jobs/<job>/job.json.gz        one job: its JobSummary with the snapshot's context
 *   /snapshots/<id>/tests/<test>/test.json.gz     one test: its TestSummary with the snapshot's context
 *
 * Per-snapshot documents are immutable like the pages. The large ones are gzip files: GitHub Pages
 * cannot serve a pre-compressed file with Content-Encoding, and at OpenShift size (300 jobs, 10,000
 * tests) the plain JSON would be several times the size of all the pages together. gzip output here
 * is deterministic (no timestamp in the header). Read them with `curl -s URL | gunzip`, or in a
 * browser with `new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).json()`.
 */
import { gzipSync } from 'node:zlib';
import type { JobSummary, Snapshot, TestSummary } from '../../snapshot/schema.ts';
import { compareInput } from './diff.ts';
import { compareJsonHref, jobHref, snapshotHref, snapshotJsonHref, summaryJsonHref, testHref } from './links.ts';
import { summarise, type SnapshotSummary } from './summary.ts';

const DOCUMENT_VERSION = 1;

function json(value: unknown): Response {
  return new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json; charset=utf-8' } });
}

function gzipJson(value: unknown): Response {
  return new Response(gzipSync(JSON.stringify(value), { level: 9 }), { headers: { 'content-type': 'application/gzip' } });
}

/** Where a per-job or per-test document came from, so it can be read on its own. */
function context(snapshot: Snapshot) {
  return {
    documentVersion: DOCUMENT_VERSION,
    schemaVersion: snapshot.schemaVersion,
    snapshot: { id: snapshot.id, asOf: snapshot.asOf, windows: snapshot.windows, url: snapshotHref(snapshot.id), json: snapshotJsonHref(snapshot.id) },
  };
}

export const snapshotDocument = (snapshot: Snapshot): Response => gzipJson(snapshot);

export const summaryDocument = (snapshot: Snapshot, previous: string | undefined): Response => json(summarise(snapshot, previous));

export const compareDocument = (snapshot: Snapshot): Response => json(compareInput(snapshot));

export function jobDocument(snapshot: Snapshot, job: JobSummary): Response {
  return gzipJson({ ...context(snapshot), url: jobHref(snapshot.id, job.name), job });
}

export function testDocument(snapshot: Snapshot, test: TestSummary): Response {
  return gzipJson({ ...context(snapshot), url: testHref(snapshot.id, test.id), test });
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
