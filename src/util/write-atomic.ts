/**
 * Atomic file writes: readers see the old file or the new one, never half of either. The content goes to a
 * temporary file, which is renamed into place only once every byte is known to be written: a write can come back
 * short without an error (a disk filling up), so each write is continued until done (the next one then fails with
 * ENOSPC) and the file's size is checked before the rename.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

let tempCounter = 0;

/** Write to a temporary file, then rename it into place: readers see the old file or the new one, never half. */
export async function writeAtomic(file: string, content: string | Uint8Array | Uint8Array[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // Unique per process and thread: ingest workers write into the same cache.
  const temp = `${file}.${process.pid}.${threadId}.${++tempCounter}.tmp`;
  const parts = typeof content === 'string' ? [Buffer.from(content)] : Array.isArray(content) ? content : [content];
  const expected = parts.reduce((sum, part) => sum + part.byteLength, 0);
  try {
    const handle = await open(temp, 'w');
    try {
      await writeAll(handle, parts);
      const { size } = await handle.stat();
      if (size !== expected) throw shortWrite(file, size, expected);
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Every byte of `parts`, continuing after short writes (writev may write less than it was given). */
async function writeAll(handle: Awaited<ReturnType<typeof open>>, parts: Uint8Array[]): Promise<void> {
  let pending = parts.filter((part) => part.byteLength > 0);
  while (pending.length > 0) {
    let { bytesWritten } = await handle.writev(pending);
    if (bytesWritten === 0) throw Object.assign(new Error('the disk accepted no more bytes'), { code: 'ENOSPC' });
    const rest: Uint8Array[] = [];
    for (const part of pending) {
      if (bytesWritten >= part.byteLength) bytesWritten -= part.byteLength;
      else {
        rest.push(part.subarray(bytesWritten));
        bytesWritten = 0;
      }
    }
    pending = rest;
  }
}

function shortWrite(file: string, size: number, expected: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`${file}: ${size} of ${expected} bytes reached the disk; the file was not replaced`), { code: 'ENOSPC', path: file });
}
