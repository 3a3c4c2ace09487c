/**
 * Provenance of a run: one digest over every object its record was made from, so a snapshot can say exactly what
 * it was computed from without listing tens of thousands of objects. Each object contributes one line: its name,
 * its generation (or update time when the source has no generation), its listed size and the sha-256 of the bytes
 * read (decoded). An object refused before download (over its size limit) still contributes, with "-" for the
 * checksum, because leaving it out also shaped the record. Lines are sorted, so the digest does not depend on the
 * order reads finished in.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ObjectInfo } from '../source/source.ts';

/** One object's line; `listed` is its listing entry, undefined when it was read without one (the listing failed). */
export function inputLine(name: string, listed: ObjectInfo | undefined, sha256: string | null, bytesRead: number): string {
  const version = listed?.generation ?? listed?.updated ?? '';
  const size = listed?.size ?? bytesRead;
  return `${name}\u0000${version}\u0000${size}\u0000${sha256 ?? '-'}`;
}

/** The digest of a run's lines: 32 hex digits (128 bits) of sha-256, enough to tell any two inputs apart. */
export function inputsDigest(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of [...lines].sort()) hash.update(`${line}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** Pass chunks through, hashing them into `hash` as they go. */
export async function* hashing(stream: AsyncIterable<Uint8Array>, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    hash.update(chunk);
    yield chunk;
  }
}
