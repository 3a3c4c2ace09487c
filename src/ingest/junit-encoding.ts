/**
 * Which character encoding a JUnit file's bytes are in, decided from its first bytes as XML 1.0 (appendix F)
 * describes: a byte-order mark (UTF-8, UTF-16 LE or BE), else the byte pattern of '<' in UTF-16 without a mark,
 * else the `encoding` of the XML declaration, else UTF-8. Any encoding the WHATWG Encoding Standard knows
 * (TextDecoder: ISO-8859-x, windows-125x, Shift_JIS, GBK, ...) is decoded as declared; one it does not know is
 * read as UTF-8 and named in a note, so a report never silently shows mojibake.
 *
 * Kept apart from the parser: the parser takes text, this module turns bytes into text.
 */

/** At most this many leading bytes are looked at before choosing: the declaration comes first, or after a short comment. */
const SNIFF_BYTES = 1024;

/**
 * Whether the first bytes suffice to choose: a byte-order mark, the end of a declaration or processing instruction
 * ('?>'), or an element's start (no declaration may follow it); else SNIFF_BYTES of them. Deciding early lets a
 * stream that is plainly not XML stop after its first chunk.
 */
export function enoughToChoose(head: Uint8Array): boolean {
  if (head.byteLength >= SNIFF_BYTES) return true;
  const [b0, b1, b2] = head;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff) || (b0 === 0xef && b1 === 0xbb && b2 === 0xbf)) return true;
  return /\?>|<[A-Za-z_]/.test(latin1(head));
}

export interface EncodingChoice {
  /** A label TextDecoder accepts. */
  encoding: string;
  /** What the reader should know about the choice (an unknown or contradictory declaration), if anything. */
  note?: string;
}

// Only ASCII can be read before the encoding is known; a declaration is ASCII in every 8-bit encoding.
const DECLARED = /<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._:-]{0,39})\1/;

/** Decide from the first bytes (the first SNIFF_BYTES of them are read; fewer when the file is shorter). */
export function chooseEncoding(head: Uint8Array): EncodingChoice {
  const [b0, b1, b2] = head;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { encoding: 'utf-8' };
  if (b0 === 0xff && b1 === 0xfe) return { encoding: 'utf-16le' };
  if (b0 === 0xfe && b1 === 0xff) return { encoding: 'utf-16be' };
  // '<' (or whitespace) as UTF-16 without a mark: one zero byte per ASCII character.
  if (b0 !== undefined && b1 !== undefined) {
    if (b0 !== 0 && b1 === 0 && isAsciiMarkupStart(b0)) return { encoding: 'utf-16le' };
    if (b0 === 0 && b1 !== 0 && isAsciiMarkupStart(b1)) return { encoding: 'utf-16be' };
  }
  const declared = DECLARED.exec(latin1(head))?.[2];
  if (declared === undefined) return { encoding: 'utf-8' };
  let known: string;
  try {
    known = new TextDecoder(declared).encoding;
  } catch {
    return { encoding: 'utf-8', note: `the file declares encoding "${declared}", which Ratchet cannot decode; read as UTF-8` };
  }
  if (known.startsWith('utf-16')) {
    // A declaration readable as ASCII is not UTF-16, whatever it says.
    return { encoding: 'utf-8', note: `the file declares encoding "${declared}" but its bytes are not UTF-16; read as UTF-8` };
  }
  return { encoding: known };
}

function isAsciiMarkupStart(byte: number): boolean {
  return byte === 0x3c || byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** The first SNIFF_BYTES bytes as Latin-1: every byte one character, so ASCII reads as itself. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, SNIFF_BYTES)).toString('latin1');
}

/**
 * Counts U+FFFD characters a UTF-8 decoder made up for invalid bytes: those in the text minus the ones the file
 * wrote itself (EF BF BD). Fed every chunk with its decoded text; only called when the text has a U+FFFD, so
 * valid files pay nothing. Sequences split across chunks are counted through the last two bytes kept.
 */
export class ReplacementCounter {
  #written = 0;
  #decoded = 0;
  #tail = new Uint8Array(0);

  add(bytes: Uint8Array, text: string): void {
    let n = 0;
    for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) n++;
    this.#decoded += n;
    const joined = this.#tail.length === 0 ? bytes : Buffer.concat([this.#tail, bytes]);
    for (let i = joined.indexOf(0xef); i !== -1 && i + 2 < joined.length; i = joined.indexOf(0xef, i + 1)) {
      // Sequences wholly inside the kept tail were counted with the chunk before.
      if (joined[i + 1] === 0xbf && joined[i + 2] === 0xbd && i + 2 >= this.#tail.length) this.#written++;
    }
  }

  /** Keeps the last two bytes of every chunk, for a sequence that continues in the next one. */
  keepTail(bytes: Uint8Array): void {
    this.#tail = bytes.length >= 2 ? bytes.slice(-2) : Uint8Array.from([...this.#tail, ...bytes].slice(-2));
  }

  /** Replacement characters that stand for bytes the encoding does not allow. */
  get invalid(): number {
    return Math.max(0, this.#decoded - this.#written);
  }
}
