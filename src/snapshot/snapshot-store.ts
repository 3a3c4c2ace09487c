/**
 * Snapshots on disk: <dir>/<id>/snapshot.json. A snapshot is validated against the schema before it
 * is written and when it is read back; writes are atomic so a failed run never leaves half a file.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { snapshotSchema, type Snapshot } from './schema.ts';
import { isSnapshotId } from './snapshot-id.ts';
import { writeAtomic } from '../ingest/run-cache.ts';
import { resolveInside } from '../util/safe-name.ts';

export function serializeSnapshot(snapshot: Snapshot): string {
  return JSON.stringify(snapshot, null, 1) + '\n';
}

export async function writeSnapshot(dir: string, snapshot: Snapshot): Promise<string> {
  const checked = snapshotSchema.parse(snapshot);
  if (!isSnapshotId(checked.id)) throw new Error(`snapshot id "${checked.id}" is not a valid id`);
  const file = resolveInside(dir, checked.id, 'snapshot.json');
  await writeAtomic(file, serializeSnapshot(checked));
  return file;
}

export async function readSnapshot(file: string): Promise<Snapshot> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`snapshot ${file} could not be read: ${(error as Error).message}`);
  }
  const result = snapshotSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new Error(`snapshot ${file} does not match schema version 1: ${first?.path.join('.')}: ${first?.message}`);
  }
  return result.data;
}

/** Snapshot ids present in the directory, oldest first. */
export async function listSnapshotIds(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isSnapshotId).sort();
  } catch {
    return [];
  }
}

export function snapshotFile(dir: string, id: string): string {
  return path.join(dir, id, 'snapshot.json');
}
