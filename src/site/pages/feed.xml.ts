// /feed.xml: new and resolved regressions (lib/feed.ts). Moves with every build; reads summaries only.
import type { APIRoute } from 'astro';
import { atomFeed } from '../lib/feed.ts';
import { loadSummaries } from '../lib/snapshots.ts';

export const GET: APIRoute = async ({ site }) =>
  new Response(atomFeed(await loadSummaries(), site?.href ?? 'https://example.github.io/'), {
    headers: { 'content-type': 'application/atom+xml; charset=utf-8' },
  });
