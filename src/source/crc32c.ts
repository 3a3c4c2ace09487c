/**
 * CRC32C (Castagnoli) with slicing-by-16 tables, as a validator for @google-cloud/storage downloads.
 *
 * Why: the client checks every download against the object's crc32c, and its own implementation walks the bytes
 * one at a time through a Buffer iterator: about 55 MB/s on our 2-core runners, slower than parsing the JUnit it
 * guards. This one does the same sum at roughly 1 GB/s. crc32c (not md5) stays the check because every GCS object
 * has one, composite objects included.
 */

const POLY = 0x82f63b78; // CRC32C, reflected

/** TABLE[k * 256 + b]: the CRC of byte b followed by k zero bytes. */
const TABLE = ((): Int32Array => {
  const table = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 16; k++) {
      const previous = table[(k - 1) * 256 + n]!;
      table[k * 256 + n] = (previous >>> 8) ^ table[previous & 0xff]!;
    }
  }
  return table;
})();

/** Whether this machine stores words little-endian (nearly every platform Node runs on): the word loop needs it. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Extend a CRC32C (as a signed 32-bit value; 0 for no data yet) with more bytes. */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  const t = TABLE;
  const b = bytes;
  const n = b.length;
  let c = ~crc;
  let i = 0;
  if (LITTLE_ENDIAN && n >= 64) {
    // Up to a 4-byte boundary byte by byte, then 16 bytes at a time read as four aligned words: a third faster
    // than assembling them from sixteen byte reads (about 1,200 against 850 MB/s).
    for (const head = (4 - (b.byteOffset & 3)) & 3; i < head; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
    const words = new Int32Array(b.buffer, b.byteOffset + i, ((n - i) >>> 4) << 2);
    for (let w = 0; w < words.length; w += 4) c = sixteen(words[w]! ^ c, words[w + 1]!, words[w + 2]!, words[w + 3]!);
    i += words.length << 2;
  }
  for (const end = n - 16; i <= end; i += 16) c = sixteen(word(b, i) ^ c, word(b, i + 4), word(b, i + 8), word(b, i + 12));
  for (; i < n; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return ~c;
}

/** The little-endian word at `i`. */
function word(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** One slicing-by-16 step: the CRC after 16 bytes given as four little-endian words, the first xored with the CRC. */
function sixteen(a: number, x: number, y: number, z: number): number {
  return four(a, 12) ^ four(x, 8) ^ four(y, 4) ^ four(z, 0);
}

/** The four bytes of word `w`, followed by `zeros` + 3 ... `zeros` zero bytes, through the tables. */
function four(w: number, zeros: number): number {
  const t = TABLE;
  const k = zeros * 256;
  return t[k + 768 + (w & 0xff)]! ^ t[k + 512 + ((w >>> 8) & 0xff)]! ^ t[k + 256 + ((w >>> 16) & 0xff)]! ^ t[k + (w >>> 24)]!;
}

/** Base64 of the big-endian 4 bytes: the form GCS uses in object metadata and x-goog-hash. */
export function crc32cBase64(crc: number): string {
  const out = Buffer.alloc(4);
  out.writeInt32BE(crc | 0);
  return out.toString('base64');
}

/** The client's CRC32CValidator interface (update, validate, toString), backed by crc32cUpdate. */
export class FastCrc32c {
  #crc = 0;

  update(data: Uint8Array): void {
    this.#crc = crc32cUpdate(this.#crc, data);
  }

  validate(expected: string | number | Uint8Array | { toString(): string }): boolean {
    if (typeof expected === 'number') return expected === this.#crc;
    if (expected instanceof Uint8Array) return Buffer.from(expected).toString('base64') === this.toString();
    return String(expected) === this.toString();
  }

  toString(): string {
    return crc32cBase64(this.#crc);
  }

  toJSON(): string {
    return this.toString();
  }

  valueOf(): number {
    return this.#crc;
  }
}
