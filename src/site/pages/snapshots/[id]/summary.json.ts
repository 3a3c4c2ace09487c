// The snapshot's summary: what the moving pages (home, list, feed) read about it later (lib/summary.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { Snapshot } from '../../../../snapshot/schema.ts';
import { summaryDocument } from '../../../lib/documents.ts';
import { loadSnapshotsToRender, previousId } from '../../../lib/snapshots.ts';

export const getStaticPaths = (async () =>
  Promise.all(
    (await loadSnapshotsToRender()).map(async (snapshot) => ({
      params: { id: snapshot.id },
      props: { snapshot, previous: await previousId(snapshot.id) },
    })),
  )) satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot; previous: string | undefined }> = ({ props }) => summaryDocument(props.snapshot, props.previous);
