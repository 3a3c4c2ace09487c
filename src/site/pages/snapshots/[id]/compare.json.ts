// What the compare page diffs in the browser (lib/diff.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { Snapshot } from '../../../../snapshot/schema.ts';
import { compareDocument } from '../../../lib/documents.ts';
import { snapshotPaths } from '../../../lib/snapshot-paths.ts';

export const getStaticPaths = snapshotPaths satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot }> = ({ props }) => compareDocument(props.snapshot);
