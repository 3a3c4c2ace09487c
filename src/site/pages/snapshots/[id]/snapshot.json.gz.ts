// The snapshot itself, gzip-compressed, beside its pages (see lib/documents.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { Snapshot } from '../../../../snapshot/schema.ts';
import { snapshotDocument } from '../../../lib/documents.ts';
import { loadSnapshotsToRender } from '../../../lib/snapshots.ts';

export const getStaticPaths = (async () =>
  (await loadSnapshotsToRender()).map((snapshot) => ({ params: { id: snapshot.id }, props: { snapshot } }))) satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot }> = ({ props }) => snapshotDocument(props.snapshot);
