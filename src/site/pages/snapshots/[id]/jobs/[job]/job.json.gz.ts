// One job's data, gzip-compressed, beside its page (lib/documents.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { JobSummary, Snapshot } from '../../../../../../snapshot/schema.ts';
import { jobDocument } from '../../../../../lib/documents.ts';
import { jobPaths } from '../../../../../lib/snapshot-paths.ts';

export const getStaticPaths = jobPaths satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot; job: JobSummary }> = ({ props }) => jobDocument(props.snapshot, props.job);
