// The snapshot itself, gzip-compressed, beside its pages (see lib/documents.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { Snapshot } from '../../../../snapshot/schema.ts';
import { snapshotDocument } from '../../../lib/documents.ts';
import { snapshotPaths } from '../../../lib/snapshot-paths.ts';

export const getStaticPaths = snapshotPaths satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot }> = ({ props }) => snapshotDocument(props.snapshot);
