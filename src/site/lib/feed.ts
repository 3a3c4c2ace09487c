/**
 * The Atom feed (RFC 4287): one entry per regression that appeared or was resolved, newest snapshot
 * first. Entry ids are tag URIs (RFC 4151) built from the regression id, the change and the snapshot,
 * so the same event keeps the same id in every later build and readers never see it twice.
 */
import { absoluteUrl, componentFeedHref, feedHref, href, snapshotHref } from './links.ts';
import type { SnapshotSummary } from './summary.ts';

/** Snapshots whose changes the feed carries; older entries have long been read. */
const FEED_SNAPSHOTS = 60;
const FEED_MAX_ENTRIES = 500;
/** Part of every id: must never change, or every reader sees every entry again. */
const TAG_DATE = '2026';

/** XML 1.0 text: escapes markup and drops the characters XML cannot carry at all. */
export function xmlText(value: string): string {
  return (
    value
      // Control characters other than tab, newline and carriage return, lone surrogates, U+FFFE/U+FFFF.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

export function tagId(host: string, ...parts: string[]): string {
  return `tag:${host},${TAG_DATE}:ratchet/${parts.map(encodeURIComponent).join('/')}`;
}

export function atomFeed(summaries: readonly SnapshotSummary[], site: string): string {
  return feedDocument(summaries, site, {
    id: ['feed'],
    title: 'Ratchet: new and resolved regressions',
    subtitle: 'Regressions that appeared or were resolved in each published snapshot, in the mode the report shows first.',
    self: feedHref(),
    keep: () => true,
  });
}

/**
 * One component's feed: the entries of the main feed whose regression belongs to the component (the
 * owners' own subscription). Snapshots published before components were recorded contribute nothing.
 */
export function componentFeed(summaries: readonly SnapshotSummary[], component: { name: string; slug: string }, site: string): string {
  return feedDocument(summaries, site, {
    id: ['component', component.slug, 'feed'],
    title: `Ratchet: ${component.name}: new and resolved regressions`,
    subtitle: `Regressions of ${component.name}'s tests that appeared or were resolved in each published snapshot.`,
    self: componentFeedHref(component.slug),
    keep: (c) => c.component === component.name,
  });
}

function feedDocument(
  summaries: readonly SnapshotSummary[],
  site: string,
  feed: { id: string[]; title: string; subtitle: string; self: string; keep: (change: SnapshotSummary['changes'][number]) => boolean },
): string {
  const host = new URL(site).hostname;
  const latest = summaries[0];
  const updated = latest?.asOf ?? '1970-01-01T00:00:00.000Z';
  const entries: string[] = [];
  for (const s of summaries.slice(0, FEED_SNAPSHOTS)) {
    for (const c of s.changes) {
      if (entries.length >= FEED_MAX_ENTRIES) break;
      if (!feed.keep(c)) continue;
      const verb = c.change === 'new' ? 'New regression' : 'Resolved';
      entries.push(
        [
          '  <entry>',
          `    <id>${xmlText(tagId(host, 'regression', c.regressionId, c.change, s.id))}</id>`,
          `    <title>${xmlText(`${verb}: ${c.title} (${c.group})`)}</title>`,
          `    <updated>${xmlText(s.asOf)}</updated>`,
          `    <published>${xmlText(s.asOf)}</published>`,
          `    <link rel="alternate" type="text/html" href="${xmlText(absoluteUrl(c.href, site))}"/>`,
          `    <link rel="related" type="text/html" href="${xmlText(absoluteUrl(snapshotHref(s.id), site))}"/>`,
          `    <category term="${xmlText(c.kind)}"/>`,
          `    <category term="${xmlText(c.change)}"/>`,
          `    <category term="${xmlText(c.severity)}"/>`,
          `    <summary type="text">${xmlText(`${c.reason} (snapshot ${s.id}, ${c.mode} mode)`)}</summary>`,
          '  </entry>',
        ].join('\n'),
      );
    }
  }
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlText(tagId(host, ...feed.id))}</id>`,
    `  <title>${xmlText(feed.title)}</title>`,
    `  <subtitle>${xmlText(feed.subtitle)}</subtitle>`,
    `  <updated>${xmlText(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(absoluteUrl(feed.self, site))}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlText(absoluteUrl(href(), site))}"/>`,
    '  <author><name>Ratchet</name></author>',
    '  <generator>Ratchet</generator>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
