/**
 * The site's one typed loader. Pages never read files themselves: they ask this module for validated
 * `Snapshot` documents, so everything the site renders has passed `snapshotSchema` first.
 *
 *   <RATCHET_SNAPSHOTS_DIR>/<id>/snapshot.json   (default ./data/snapshots)
 *
 * RATCHET_RENDER_IDS (comma-separated) limits which snapshots get their per-snapshot pages built, so a
 * build can add only the snapshots an archive does not have yet. Unset means "all"; set but empty
 * means "none" (the caller found nothing missing). Home, /latest/ and the snapshot list always render.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { snapshotSchema } from '../../snapshot/schema.ts';
import type { Snapshot } from '../../snapshot/schema.ts';
import { isSnapshotId } from '../../snapshot/snapshot-id.ts';
import { isSafeSegment } from '../../util/safe-name.ts';

export const DEFAULT_SNAPSHOTS_DIR = './data/snapshots';
export const SNAPSHOT_FILE = 'snapshot.json';

/** A snapshot the site cannot render; the message names the file so the pipeline run can be traced. */
export class SnapshotLoadError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SnapshotLoadError';
    this.file = file;
  }
}

export function snapshotsDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.RATCHET_SNAPSHOTS_DIR?.trim();
  return path.resolve(dir ? dir : DEFAULT_SNAPSHOTS_DIR);
}

/** null = render every snapshot; otherwise exactly these ids. */
export function renderIdsFromEnv(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> | null {
  const raw = env.RATCHET_RENDER_IDS;
  if (raw === undefined) return null;
  return new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''));
}

/** Read and validate one snapshot file. `expectedId` is the directory name it was found under. */
export async function readSnapshotFile(file: string, expectedId?: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SnapshotLoadError(file, `cannot read the snapshot (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SnapshotLoadError(file, `not valid JSON (${(err as Error).message})`);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    throw new SnapshotLoadError(file, `does not match the snapshot schema:\n${z.prettifyError(parsed.error)}`);
  }
  const snapshot = parsed.data;
  if (expectedId !== undefined && snapshot.id !== expectedId) {
    throw new SnapshotLoadError(file, `its id "${snapshot.id}" differs from its directory "${expectedId}"`);
  }
  assertUrlSafe(file, snapshot);
  return snapshot;
}

/**
 * Ids and job names become directory names in the built site. The ingest already refuses unsafe job
 * names, but a page written outside its folder would be worse than a failed build, so check again.
 */
function assertUrlSafe(file: string, snapshot: Snapshot): void {
  if (!isSnapshotId(snapshot.id)) throw new SnapshotLoadError(file, `id "${snapshot.id}" is not a snapshot id`);
  const seenJobs = new Set<string>();
  for (const job of snapshot.jobs) {
    if (!isSafeSegment(job.name)) throw new SnapshotLoadError(file, `job name ${JSON.stringify(job.name)} cannot be a URL segment`);
    if (seenJobs.has(job.name)) throw new SnapshotLoadError(file, `job "${job.name}" appears twice`);
    seenJobs.add(job.name);
  }
  const seenTests = new Set<string>();
  for (const test of snapshot.tests) {
    if (!isSafeSegment(test.id)) throw new SnapshotLoadError(file, `test id ${JSON.stringify(test.id)} cannot be a URL segment`);
    if (seenTests.has(test.id)) throw new SnapshotLoadError(file, `test id "${test.id}" appears twice`);
    seenTests.add(test.id);
  }
}

function newestFirst(a: Snapshot, b: Snapshot): number {
  const byTime = Date.parse(b.asOf) - Date.parse(a.asOf);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Every snapshot under `dir`, validated, newest first. Entries whose name is not a snapshot id (a
 * generator script, a temporary directory) are ignored; a snapshot directory without its file is an error.
 */
export async function readSnapshots(dir: string): Promise<Snapshot[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new SnapshotLoadError(dir, `cannot list the snapshots directory (${(err as Error).message}); set RATCHET_SNAPSHOTS_DIR`);
  }
  const ids = entries.filter((e) => e.isDirectory() && isSnapshotId(e.name)).map((e) => e.name);
  const snapshots = await Promise.all(ids.map((id) => readSnapshotFile(path.join(dir, id, SNAPSHOT_FILE), id)));
  return snapshots.sort(newestFirst);
}

// Every route's getStaticPaths asks for the snapshots; read the directory once per build.
const cache = new Map<string, Promise<Snapshot[]>>();

/** All snapshots from RATCHET_SNAPSHOTS_DIR, newest first (cached for the build). */
export function loadSnapshots(): Promise<Snapshot[]> {
  const dir = snapshotsDir();
  let pending = cache.get(dir);
  if (!pending) {
    pending = readSnapshots(dir);
    cache.set(dir, pending);
  }
  return pending;
}

/** The newest snapshot, or undefined when there is none yet. */
export async function loadLatest(): Promise<Snapshot | undefined> {
  return (await loadSnapshots())[0];
}

/** Snapshots whose per-snapshot pages this build renders (RATCHET_RENDER_IDS), newest first. */
export async function loadSnapshotsToRender(): Promise<Snapshot[]> {
  const all = await loadSnapshots();
  const wanted = renderIdsFromEnv();
  if (wanted === null) return all;
  const known = new Set(all.map((s) => s.id));
  const unknown = [...wanted].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new SnapshotLoadError(snapshotsDir(), `RATCHET_RENDER_IDS names snapshots that are not there: ${unknown.join(', ')}`);
  }
  return all.filter((s) => wanted.has(s.id));
}
