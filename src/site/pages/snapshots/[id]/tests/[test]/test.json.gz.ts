// One test's data, gzip-compressed, beside its page (lib/documents.ts).
import type { APIRoute, GetStaticPaths } from 'astro';
import type { Snapshot, TestSummary } from '../../../../../../snapshot/schema.ts';
import { testDocument } from '../../../../../lib/documents.ts';
import { testPaths } from '../../../../../lib/snapshot-paths.ts';

export const getStaticPaths = testPaths satisfies GetStaticPaths;

export const GET: APIRoute<{ snapshot: Snapshot; test: TestSummary }> = ({ props }) => testDocument(props.snapshot, props.test);
