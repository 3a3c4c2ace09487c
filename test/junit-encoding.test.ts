/**
 * JUnit files in any encoding a writer declares: UTF-16 with or without a byte-order mark, ISO-8859-15 and
 * windows-1252 by their XML declaration; an encoding Ratchet cannot decode, or bytes that are not the UTF-8 they
 * claim to be, are named in a note instead of turning names into U+FFFD silently. Also: a comment, processing
 * instruction or whitespace before the declaration does not make a file "not JUnit".
 */
import { describe, expect, it } from 'vitest';
import { chooseEncoding } from '../src/ingest/junit-encoding.ts';
import { parseJunitStream, parseJunitText } from '../src/ingest/junit-parser.ts';

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Parse the bytes whole and in 1-, 3- and 7-byte chunks; every way must give the same result. */
async function parseBytes(bytes: Uint8Array) {
  const whole = await parseJunitStream(chunksOf(bytes, bytes.length || 1));
  for (const size of [1, 3, 7]) expect(await parseJunitStream(chunksOf(bytes, size))).toEqual(whole);
  return whole;
}

const NAMES = ['Prüfung kostet 5 € — naïve façade', '日本語のテスト 🚀'];
const doc = (decl: string) =>
  `${decl}<testsuite name="s">` +
  `<testcase name="${NAMES[0]}" time="1"/>` +
  `<testcase name="${NAMES[1]}" time="2"><failure message="ошибка">échec</failure></testcase>` +
  '</testsuite>\n';

function utf16le(text: string): Buffer {
  return Buffer.from(text, 'utf16le');
}
function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

describe('encodings', () => {
  it('reads UTF-16 LE and BE with a byte-order mark, as they were written', async () => {
    const text = doc('<?xml version="1.0" encoding="UTF-16"?>\n');
    for (const bytes of [utf16le(`\uFEFF${text}`), utf16be(`\uFEFF${text}`)]) {
      const r = await parseBytes(bytes);
      expect(r.partial).toBe(false);
      expect(r.notes).toBeUndefined();
      expect(r.cases.map((c) => c.name)).toEqual(NAMES);
      expect(r.cases[1]).toMatchObject({ outcome: 'failed', message: 'ошибка\néchec' });
    }
  });

  it('reads UTF-16 without a byte-order mark from the zero bytes around "<"', async () => {
    const text = doc('<?xml version="1.0" encoding="UTF-16"?>');
    for (const bytes of [utf16le(text), utf16be(text)]) {
      expect((await parseBytes(bytes)).cases.map((c) => c.name)).toEqual(NAMES);
    }
  });

  it('decodes ISO-8859-15 and windows-1252 as declared: € is A4 in one and 80 in the other', async () => {
    // "Prüfung 5 €" in ISO-8859-15: ü = FC, € = A4.
    const latin9 = Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="ISO-8859-15"?>\n<testsuite name="s"><testcase name="Pr'),
      Buffer.from([0xfc]),
      Buffer.from('fung 5 '),
      Buffer.from([0xa4]),
      Buffer.from('"/></testsuite>'),
    ]);
    const r = await parseBytes(latin9);
    expect(r.notes).toBeUndefined();
    expect(r.cases[0]!.name).toBe('Prüfung 5 €');
    const cp1252 = Buffer.from(latin9.toString('latin1').replace('ISO-8859-15', 'windows-1252').replace('\u00a4', '\u0080'), 'latin1');
    expect((await parseBytes(cp1252)).cases[0]!.name).toBe('Prüfung 5 €');
  });

  it('names an encoding it cannot decode, reads the file as UTF-8 and keeps its cases', async () => {
    const r = await parseBytes(Buffer.from('<?xml version="1.0" encoding="EBCDIC-US"?><testsuite name="s"><testcase name="a"/></testsuite>'));
    expect(r.partial).toBe(false);
    expect(r.cases.map((c) => c.name)).toEqual(['a']);
    expect(r.notes).toEqual(['the file declares encoding "EBCDIC-US", which Ratchet cannot decode; read as UTF-8']);
  });

  it('says so when bytes are not valid UTF-8 (a Latin-1 file without a declaration), and only then', async () => {
    const latin1 = Buffer.from('<testsuite name="s"><testcase name="caf\u00e9 cr\u00e8me"/></testsuite>', 'latin1');
    const r = await parseBytes(latin1);
    expect(r.cases[0]!.name).toBe('caf\uFFFD cr\uFFFDme');
    expect(r.notes).toEqual(['2 byte sequences are not valid UTF-8 (shown as U+FFFD); if the file is in another encoding, its XML declaration should name it']);
    // A U+FFFD the file itself wrote, in valid UTF-8, is nothing to report.
    const honest = await parseBytes(Buffer.from('<testsuite name="s"><testcase name="replacement \uFFFD char"/></testsuite>'));
    expect(honest.cases[0]!.name).toBe('replacement \uFFFD char');
    expect(honest.notes).toBeUndefined();
  });

  it('a declaration of UTF-16 in an 8-bit file is read as UTF-8, with a note', async () => {
    const r = await parseBytes(Buffer.from(doc('<?xml version="1.0" encoding="UTF-16"?>')));
    expect(r.cases.map((c) => c.name)).toEqual(NAMES);
    expect(r.notes).toEqual(['the file declares encoding "UTF-16" but its bytes are not UTF-16; read as UTF-8']);
  });

  it('chooses from the first bytes: a mark wins over the declaration; no declaration means UTF-8', () => {
    expect(chooseEncoding(Buffer.from('\uFEFF<?xml version="1.0" encoding="ISO-8859-1"?>'))).toEqual({ encoding: 'utf-8' });
    expect(chooseEncoding(Buffer.from('<testsuite/>'))).toEqual({ encoding: 'utf-8' });
    expect(chooseEncoding(Buffer.from("<?xml version='1.0' encoding='latin1'?>"))).toEqual({ encoding: 'windows-1252' });
    expect(chooseEncoding(Buffer.from('<!-- made by hand --><?xml version="1.0" encoding="ISO-8859-15"?>'))).toEqual({ encoding: 'iso-8859-15' });
    expect(chooseEncoding(new Uint8Array(0))).toEqual({ encoding: 'utf-8' });
  });
});

describe('before the XML declaration', () => {
  it('a comment, a processing instruction or whitespace before the declaration is fine', () => {
    for (const prefix of ['<!-- generated by a wrapper script -->\n', '<?xml-stylesheet href="junit.xsl"?>', '\n  ', '<!-- a --><!-- b -->\n']) {
      const r = parseJunitText(`${prefix}<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="s"><testcase name="a"/></testsuite>`);
      expect(r, JSON.stringify(prefix)).toEqual({ cases: [{ suite: 's', name: 'a', durationSec: 0, outcome: 'passed' }], partial: false, suites: ['s'] });
    }
  });

  it('a second declaration inside the root is still damage', () => {
    const r = parseJunitText('<testsuite name="s"><testcase name="a"/><?xml version="1.0"?><testcase name="b"/></testsuite>');
    expect(r.partial).toBe(true);
    expect(r.error).toMatch(/^malformed XML at line 1, column \d+: an XML declaration must be at the start of the document; kept the 1 test case/);
  });
});
