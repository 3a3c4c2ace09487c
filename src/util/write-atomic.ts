/** Atomic file writes: readers see the old file or the new one, never half of either. */
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

let tempCounter = 0;

/** Write to a temporary file, then rename it into place: readers see the old file or the new one, never half. */
export async function writeAtomic(file: string, content: string | Uint8Array | Uint8Array[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // Unique per process and thread: ingest workers write into the same cache.
  const temp = `${file}.${process.pid}.${threadId}.${++tempCounter}.tmp`;
  try {
    if (Array.isArray(content)) {
      const handle = await open(temp, 'w');
      try {
        await handle.writev(content);
      } finally {
        await handle.close();
      }
    } else {
      await writeFile(temp, content);
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
