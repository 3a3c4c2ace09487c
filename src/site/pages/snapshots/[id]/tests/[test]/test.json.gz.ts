// One test's data, gzip-compressed, beside its page (lib/documents.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { Snapshot, TestSummary } from '../../../../../../snapshot/schema.ts';
import { testDocument } from '../../../../../lib/documents.ts';
import { loadSnapshotsToRender } from '../../../../../lib/snapshots.ts';
import { testsWithPages } from '../../../../../lib/report.ts';

export const getStaticPaths = (async () =>
  (await loadSnapshotsToRender()).flatMap((snapshot) =>
    testsWithPages(snapshot).map((test) => ({ params: { id: snapshot.id, test: test.id }, props: { snapshot, test } })),
  )) satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot; test: TestSummary }> = ({ props }) => testDocument(props.snapshot, props.test);
