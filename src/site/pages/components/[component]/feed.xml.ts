// /components/<slug>/feed.xml: one component's new and resolved regressions (lib/feed.ts). Moves with
// every build; a feed for each component of the newest snapshot whose alerts.feed is on.
import type { APIRoute, GetStaticPaths } from 'astro';
import { componentFeed } from '../../../lib/feed.ts';
import { loadLatest, loadSummaries } from '../../../lib/snapshots.ts';

export const getStaticPaths: GetStaticPaths = async () => {
  const latest = await loadLatest();
  return (latest?.components?.list ?? []).filter((c) => c.alerts.feed).map((c) => ({ params: { component: c.slug }, props: { name: c.name } }));
};

export const GET: APIRoute = async ({ params, props, site }) =>
  new Response(
    componentFeed(await loadSummaries(), { name: (props as { name: string }).name, slug: params.component! }, site?.href ?? 'https://example.github.io/'),
    {
      headers: { 'content-type': 'application/atom+xml; charset=utf-8' },
    },
  );
