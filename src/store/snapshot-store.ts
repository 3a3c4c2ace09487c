/**
 * Snapshots on disk: <dir>/<id>/snapshot.json. A snapshot is validated against the schema before it
 * is written and when it is read back; writes are atomic so a failed run never leaves half a file.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { snapshotSchema, type Snapshot } from '../snapshot/schema.ts';
import { isSnapshotId } from '../snapshot/snapshot-id.ts';
import { writeAtomic } from '../util/write-atomic.ts';
import { resolveInside } from '../util/safe-name.ts';

export function serializeSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 1)}\n`;
}

export async function writeSnapshot(dir: string, snapshot: Snapshot): Promise<string> {
  const checked = snapshotSchema.parse(snapshot);
  if (!isSnapshotId(checked.id)) throw new Error(`snapshot id "${checked.id}" is not a valid id`);
  const file = resolveInside(dir, checked.id, 'snapshot.json');
  await writeAtomic(file, serializeSnapshot(checked));
  return file;
}

/** A snapshot file or directory that cannot be read; the message starts with the path. */
export class SnapshotReadError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SnapshotReadError';
    this.file = file;
  }
}

/** Read and validate one snapshot file: the one reader the pipeline and the site share. */
export async function readSnapshot(file: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SnapshotReadError(file, `cannot read the snapshot (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SnapshotReadError(file, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) throw new SnapshotReadError(file, `does not match the snapshot schema:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Snapshot ids with a directory under `dir`, oldest first (ids sort chronologically); none when `dir` does not exist. */
export async function listSnapshotIds(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SnapshotReadError(dir, `cannot list the snapshots directory (${(error as Error).message})`);
  }
  return entries
    .filter((e) => e.isDirectory() && isSnapshotId(e.name))
    .map((e) => e.name)
    .sort();
}

export function snapshotFile(dir: string, id: string): string {
  return path.join(dir, id, 'snapshot.json');
}
