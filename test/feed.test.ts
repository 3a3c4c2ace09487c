/**
 * The Atom feed: well-formed XML that a strict parser (saxes) accepts, the elements RFC 4287 requires,
 * one entry per new or resolved regression with the snapshot permalink, and entry ids that stay the
 * same when later snapshots are added.
 */
import { SaxesParser } from 'saxes';
import { beforeAll, describe, expect, it } from 'vitest';
import { atomFeed, tagId, xmlText } from '../src/site/lib/feed.ts';
import { readSnapshots } from '../src/site/lib/snapshots.ts';
import { summarise, type SnapshotSummary } from '../src/site/lib/summary.ts';
import type { Snapshot } from '../src/snapshot/schema.ts';
import { FIXTURES } from './support/site-fixture.ts';

const ATOM = 'http://www.w3.org/2005/Atom';
const SITE = 'https://example.github.io';

interface Node {
  name: string;
  ns: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

/** Parse strictly (namespaces on) into a small tree; saxes throws on anything that is not well-formed XML. */
function parseXml(xml: string): Node {
  const parser = new SaxesParser({ xmlns: true });
  const root: Node = { name: '#document', ns: '', attrs: {}, children: [], text: '' };
  const stack: Node[] = [root];
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const [k, a] of Object.entries(tag.attributes)) attrs[k] = typeof a === 'string' ? a : a.value;
    const node: Node = { name: tag.local ?? tag.name, ns: tag.uri ?? '', attrs, children: [], text: '' };
    stack.at(-1)!.children.push(node);
    stack.push(node);
  });
  parser.on('text', (t) => {
    stack.at(-1)!.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.write(xml).close();
  return root.children[0]!;
}

const child = (node: Node, name: string): Node | undefined => node.children.find((c) => c.name === name);
const children = (node: Node, name: string): Node[] => node.children.filter((c) => c.name === name);

let snapshots: Snapshot[] = [];
let summaries: SnapshotSummary[] = [];

beforeAll(async () => {
  snapshots = await readSnapshots(FIXTURES);
  summaries = snapshots.map((s, i) => summarise(s, snapshots[i + 1]?.id));
});

describe('Atom feed', () => {
  it('is well-formed Atom with the required feed elements', () => {
    const feed = parseXml(atomFeed(summaries, SITE));
    expect(feed.name).toBe('feed');
    expect(feed.ns).toBe(ATOM);
    expect(child(feed, 'id')!.text).toBe(tagId('example.github.io', 'feed'));
    expect(child(feed, 'title')!.text).toMatch(/regressions/);
    expect(child(feed, 'updated')!.text).toBe(snapshots[0]!.asOf);
    expect(child(child(feed, 'author')!, 'name')!.text).toBe('Ratchet');
    const self = children(feed, 'link').find((l) => l.attrs.rel === 'self')!;
    expect(self.attrs.href).toMatch(/^https:\/\/example\.github\.io\/.*feed\.xml$/);
  });

  it('has one entry per new or resolved regression of the default mode, linked to its snapshot permalink', () => {
    const feed = parseXml(atomFeed(summaries, SITE));
    const entries = children(feed, 'entry');
    const expected = snapshots.flatMap((s) =>
      [...(s.regressions?.tests ?? []), ...(s.regressions?.jobs ?? []), ...(s.regressions?.disruption ?? [])]
        .filter((r) => r.mode === s.regressions!.settings.defaultMode && r.status !== 'open')
        .map((r) => tagId('example.github.io', 'regression', r.id, r.status, s.id)),
    );
    expect(entries.map((e) => child(e, 'id')!.text).sort()).toEqual(expected.sort());
    expect(entries.length).toBeGreaterThan(3);
    for (const entry of entries) {
      for (const required of ['id', 'title', 'updated', 'summary']) expect(child(entry, required), required).toBeDefined();
      const alternate = children(entry, 'link').find((l) => l.attrs.rel === 'alternate')!;
      const snapshotId = /\/snapshots\/([^/]+)\/regressions\//.exec(alternate.attrs.href!)![1];
      expect(child(entry, 'id')!.text.endsWith(`/${snapshotId}`)).toBe(true);
      expect(alternate.attrs.href).toMatch(/^https:\/\/example\.github\.io\/.*#r-[0-9a-f]+$/);
      expect(child(entry, 'updated')!.text).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const resolved = entries.find((e) => child(e, 'title')!.text.startsWith('Resolved: '));
    expect(resolved).toBeDefined();
  });

  it('keeps every entry id when a newer snapshot is added', () => {
    const ids = (list: SnapshotSummary[]) => children(parseXml(atomFeed(list, SITE)), 'entry').map((e) => child(e, 'id')!.text);
    const before = ids(summaries.slice(1));
    const after = ids(summaries);
    expect(before.length).toBeGreaterThan(0);
    for (const id of before) expect(after).toContain(id);
    expect(new Set(after).size).toBe(after.length);
  });

  it('carries hostile names as text and drops what XML cannot hold', () => {
    const xml = atomFeed(summaries, SITE);
    const hostile = children(parseXml(xml), 'entry').find((e) => child(e, 'title')!.text.includes('<script>'));
    // Parsed back, the title is the literal text: the markup never became elements.
    expect(hostile).toBeDefined();
    expect(child(hostile!, 'title')!.text).toContain('<script>alert(1)</script> names "><img src=x onerror=alert(1)>');
    expect(hostile!.children.map((c) => c.name)).not.toContain('script');
    expect(xmlText('a\u0000b\u001bc\ud800d<&>"\'')).toBe('abcd&lt;&amp;&gt;&quot;&apos;');
  });

  it('is still valid without any snapshot', () => {
    const feed = parseXml(atomFeed([], SITE));
    expect(children(feed, 'entry')).toEqual([]);
    expect(child(feed, 'updated')!.text).toBe('1970-01-01T00:00:00.000Z');
  });
});
