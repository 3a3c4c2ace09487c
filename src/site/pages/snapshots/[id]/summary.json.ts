// The snapshot's summary: what the moving pages (home, list, feed) read about it later (lib/summary.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { Snapshot } from '../../../../snapshot/schema.ts';
import { summaryDocument } from '../../../lib/documents.ts';
import { snapshotPathsWithPreviousId } from '../../../lib/snapshot-paths.ts';

export const getStaticPaths = snapshotPathsWithPreviousId satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot; previous: string | undefined }> = ({ props }) => summaryDocument(props.snapshot, props.previous);
