/**
 * Provenance of a run: one digest over every object its record was made from, so a snapshot can say exactly what
 * it was computed from without listing tens of thousands of objects. Each object contributes one line: its name,
 * its generation (or update time when the source has no generation), its listed size and a checksum: the stored
 * checksum the source checked every byte against ("crc32c:…" or "md5:…", GCS) when it served the listed generation,
 * else the sha-256 of the bytes read (decoded). A generation never holds two contents, and with the checked
 * checksum it pins the bytes; hashing them again cost about 0.5-0.8 ms of CPU a run (bench/ingest.ts). The form
 * of a line depends on the source and its validation setting, so the same objects read from a directory and
 * through GCS give different digests; a run's digest is fixed when it is read. An object refused before download
 * (over its size limit) still contributes, with "-" for the checksum, because leaving it out also shaped the record.
 * Lines are sorted, so the digest does not depend on the order reads finished in.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ObjectBytes, ObjectInfo } from '../source/source.ts';

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

/** An object's bytes and how its line's checksum is had: from the source, or by hashing the bytes as they pass. */
export interface ChecksummedBytes {
  bytes: AsyncIterable<Uint8Array>;
  /** The line's checksum; call once the bytes were read. */
  checksum(): string;
}

/**
 * `read` as read from `listed`: the source's checksum when it served the generation the listing gave, else sha-256
 * on the way (no listing entry, a local file, or an object rewritten between the listing and the read).
 */
export function checksummed(read: ObjectBytes, listed: ObjectInfo | undefined): ChecksummedBytes {
  const stored = read.checksum;
  if (stored !== undefined && read.generation !== undefined && read.generation === listed?.generation) return { bytes: read, checksum: () => stored };
  const hash = createHash('sha256');
  return { bytes: hashing(read, hash), checksum: () => hash.digest('hex') };
}

/** Pass chunks through, hashing them into `hash` as they go. */
async function* hashing(stream: AsyncIterable<Uint8Array>, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    hash.update(chunk);
    yield chunk;
  }
}
