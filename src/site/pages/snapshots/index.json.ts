// Every snapshot with its URLs, newest first: the entry point for scripts. Moves with every build.
import type { APIRoute } from 'astro';
import { snapshotIndexDocument } from '../../lib/documents.ts';
import { loadSummaries } from '../../lib/snapshots.ts';

export const GET: APIRoute = async () => snapshotIndexDocument(await loadSummaries());
