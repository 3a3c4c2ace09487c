/**
 * What the JUnit parser holds stays bounded whatever the file: attribute values are cut at VALUE_CAP with a marker
 * (the same result however the bytes are chunked), huge comments before the root and huge failure text are read
 * through without failing the file, and absurd shapes (too many attributes, too deep, endless names) are damage.
 * The memory itself is measured on 1 GB inputs by scripts/junit-memory.ts, outside npm test.
 */
import { describe, expect, it } from 'vitest';
import { CUT_MARK, MESSAGE_CUT, parseJunitStream, parseJunitText, VALUE_CAP } from '../src/ingest/junit-parser.ts';

async function* chunksOf(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** A document made of pieces produced lazily, so a test never holds it whole. */
async function* generated(parts: Iterable<string>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

function* repeat(piece: string, times: number): Generator<string> {
  for (let i = 0; i < times; i++) yield piece;
}

describe('bounded attribute values', () => {
  const longName = 'n'.repeat(200_000);
  const xml = `<testsuite name="s"><testcase name="${longName}" time="1"/><testcase name="short"/></testsuite>`;

  it('cuts a test name longer than VALUE_CAP and marks it, noting it once', () => {
    const r = parseJunitText(xml);
    expect(r.partial).toBe(false);
    expect(r.cases[0]!.name).toBe('n'.repeat(VALUE_CAP) + CUT_MARK);
    expect(r.cases[1]!.name).toBe('short');
    expect(r.notes).toEqual(['1 attribute value longer than 65,536 characters cut']);
  });

  it('gives the same cut whatever the chunk size, also when the value spans many chunks', async () => {
    const whole = parseJunitText(xml);
    for (const size of [1000, 65_536, 100_001]) expect(await parseJunitStream(chunksOf(xml, size))).toEqual(whole);
  });

  it('a 5 MB failure message attribute ends as a capped message', async () => {
    const message = 'm'.repeat(5_000_000);
    const r = await parseJunitStream(
      generated(['<testsuite name="s"><testcase name="t"><failure message="', ...repeat('m'.repeat(50_000), 100), '">text</failure></testcase></testsuite>']),
    );
    expect(r.partial).toBe(false);
    expect(r.cases[0]!.message).toBe(message.slice(0, 4096) + MESSAGE_CUT);
  });
});

describe('big content around and inside the document', () => {
  it('a 20 MB comment before the root, and one before the declaration, do not fail the file', async () => {
    for (const declaration of ['', '<?xml version="1.0" encoding="UTF-8"?>']) {
      const parts = [
        '<!-- ',
        ...repeat('log line without end\n'.repeat(3_000), 320),
        ' -->',
        declaration,
        '<testsuite name="s"><testcase name="a"/></testsuite>',
      ];
      const r = await parseJunitStream(generated(parts));
      expect(r).toEqual({ cases: [{ suite: 's', name: 'a', durationSec: 0, outcome: 'passed' }], partial: false, suites: ['s'] });
    }
  });

  it('a 20 MB <system-out> between cases is read through', async () => {
    const parts = [
      '<testsuite name="s"><testcase name="a"><system-out>',
      ...repeat('x &amp; y\n'.repeat(6_000), 320),
      '</system-out></testcase><testcase name="b"/></testsuite>',
    ];
    const r = await parseJunitStream(generated(parts));
    expect(r.cases.map((c) => c.name)).toEqual(['a', 'b']);
    expect(r.partial).toBe(false);
  });
});

describe('absurd shapes are damage, not a crash', () => {
  it('a tag with more than 4,096 attributes', async () => {
    const attributes = Array.from({ length: 5000 }, (_, i) => ` a${i}="v"`).join('');
    const r = await parseJunitStream(chunksOf(`<testsuite name="s"><testcase name="a"/><testcase${attributes} name="b"/></testsuite>`, 4096));
    expect(r.partial).toBe(true);
    expect(r.cases.map((c) => c.name)).toEqual(['a']);
    expect(r.error).toMatch(/^malformed XML at line 1, column \d+: a tag with more than 4,096 attributes; kept the 1 test case completed before it$/);
  });

  it('elements nested more than 4,096 deep', () => {
    const r = parseJunitText(`<testsuite name="s"><testcase name="a"/>${'<x>'.repeat(5000)}${'</x>'.repeat(5000)}</testsuite>`);
    expect(r.partial).toBe(true);
    expect(r.error).toMatch(/elements nested more than 4,096 deep; kept the 1 test case/);
  });

  it('a tag name longer than VALUE_CAP', async () => {
    const r = await parseJunitStream(generated(['<testsuite name="s"><testcase name="a"/><', ...repeat('n'.repeat(10_000), 10), '/></testsuite>']));
    expect(r.partial).toBe(true);
    expect(r.error).toMatch(/a tag or attribute name longer than 65,536 characters; kept the 1 test case/);
  });
});
