// One job's data, gzip-compressed, beside its page (lib/documents.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { JobSummary, Snapshot } from '../../../../../../snapshot/schema.ts';
import { jobDocument } from '../../../../../lib/documents.ts';
import { loadSnapshotsToRender } from '../../../../../lib/snapshots.ts';

export const getStaticPaths = (async () =>
  (await loadSnapshotsToRender()).flatMap((snapshot) =>
    snapshot.jobs.map((job) => ({ params: { id: snapshot.id, job: job.name }, props: { snapshot, job } })),
  )) satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot; job: JobSummary }> = ({ props }) => jobDocument(props.snapshot, props.job);
