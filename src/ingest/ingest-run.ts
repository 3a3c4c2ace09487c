/**
 * Read one run: its root JSON files, every JUnit file and disruption file found by listing artifacts/,
 * and the newest cluster-data file. Never downloads build logs or archives. Every object that fails
 * to fetch or parse becomes a DataProblem on the record; a fetch failure also marks the record
 * incomplete so the next fetch retries it.
 *
 * Three steps: one deep listing of the run folder, every object read at once, then the record assembled in a
 * fixed order, so it does not depend on which read finished first.
 *
 * Memory is bounded per object: each kind has a size limit (ObjectLimits, limits.* in the config), checked against
 * the listing's size before download and enforced while reading, and JSON deeper than limits.jsonDepth is not
 * parsed. An object over its limit is a problem of kind too-large, not a fetch failure: the run stays complete, and
 * it carries a fingerprint of its listing (names, sizes, generations), so later fetches re-check it with one
 * listing and read it again only when something changed.
 */
import { createHash } from 'node:crypto';
import type { ObjectLimits } from '../config/run-plan.ts';
import { DEFAULT_OBJECT_LIMITS } from '../config/run-plan.ts';
import type { BucketSource, ObjectInfo } from '../source/source.ts';
import { formatBytes, limitBytes, listAll, SourceError } from '../source/source.ts';
import { isSafeObjectName } from '../util/safe-name.ts';
import type { DataProblem, RunRecord } from './run-record.ts';
import { RUN_RECORD_VERSION } from './run-record.ts';
import type { RunLocation } from './discover.ts';
import { junitProblem, NameTable, parseJunitStream, type JunitCase, type JunitParseOptions } from './junit-parser.ts';
import { combineCases } from './test-outcomes.ts';
import { combineDisruption, parseDisruptionFile, type BackendDisruption } from './disruption-parser.ts';
import { parseFinishedJson, parseProwJob, parseStartedJson, resolveRunOutcome, type FinishedJson, type ProwJobInfo, type StartedJson } from './run-metadata.ts';
import { parseClusterData, type ClusterData } from './cluster-data.ts';
import { mergeClusterData, variantsFromJobName } from './variants.ts';
import { checksummed, inputLine, inputsDigest } from './object-digest.ts';

/** Matches sippy's `**junit**.xml` under artifacts/. */
function isJunitObject(relative: string): boolean {
  return /junit/i.test(relative) && relative.toLowerCase().endsWith('.xml');
}

function isDisruptionObject(relative: string): boolean {
  return /(^|\/)backend-disruption_[^/]*\.json$/.test(relative);
}

function isClusterDataObject(relative: string): boolean {
  return /(^|\/)cluster-data_[^/]*\.json$/.test(relative);
}

export interface IngestOptions {
  /** Extra attempts for an object whose stream broke mid-way (the source retries requests itself). */
  objectAttempts?: number;
  maxMessageLength?: number;
  /** How large each kind of object may be (default: the config's defaults). */
  limits?: ObjectLimits;
}

/** What one object's read contributed: its problems (kept in object order) and its counts. */
interface ObjectOutcome<T> {
  value: T | undefined;
  problems: DataProblem[];
  /** false when the object could not be fetched: the run is then incomplete. */
  fetched: boolean;
  objectsRead: number;
  bytesRead: number;
  /** Provenance lines of the objects read (or refused for their size): see object-digest.ts. */
  inputs: string[];
}

/** How objects are read: through which source, how often a broken stream is tried, how JUnit is parsed, how large. */
interface ObjectReader {
  source: BucketSource;
  attempts: number;
  parseOptions: JunitParseOptions;
  limits: ObjectLimits;
}

/** A kind of object's size limit, and the setting that holds it (for the problem's reason). */
interface SizeLimit {
  bytes: number | null;
  setting: string;
}

/** What the run folder's one deep listing found. */
interface RunFolder {
  /** The objects at the folder's root, by name; undefined when the listing failed. */
  rootNames: Map<string, ObjectInfo> | undefined;
  /** Everything under artifacts/, sorted by name. */
  artifacts: ObjectInfo[];
  /** The source refused the folder itself (a symlink out of a local source): nothing in it is expected. */
  refused: boolean;
  /** Names and sizes of every object, hashed: lets an unfinished run be re-checked with one listing. */
  fingerprint: string | undefined;
}

/** What reading each object a run's record is made from gave. */
interface RunObjects {
  started: ObjectOutcome<StartedJson>;
  finished: ObjectOutcome<FinishedJson>;
  prowjob: ObjectOutcome<ProwJobInfo>;
  junit: Array<ObjectOutcome<JunitCase[]>>;
  disruption: Array<ObjectOutcome<BackendDisruption[]>>;
  clusterData: ObjectOutcome<ClusterData> | undefined;
}

/** The names of every JUnit file this thread reads: runs of a job repeat them (see NameTable). */
const names = new NameTable();

export async function ingestRun(source: BucketSource, location: RunLocation, options: IngestOptions = {}): Promise<RunRecord> {
  const reader: ObjectReader = {
    source,
    attempts: Math.max(1, options.objectAttempts ?? 2),
    parseOptions: options.maxMessageLength === undefined ? { names } : { maxMessageLength: options.maxMessageLength, names },
    limits: options.limits ?? DEFAULT_OBJECT_LIMITS,
  };
  const problems: DataProblem[] = [];
  const folder = await listRunFolder(source, location.path, problems);
  const objects = await readRunObjects(reader, location.path, folder);
  return assembleRecord(location, folder, objects, problems);
}

/**
 * What is in the run folder, in one deep listing: the root files and everything under artifacts/ (Prow puts
 * nothing else there). A failed listing is a problem, and leaves the folder unknown. Names that are not safe object
 * names ('..', '.' or empty segments) and entries the source refused are problems too, and are not read.
 */
async function listRunFolder(source: BucketSource, path: string, problems: DataProblem[]): Promise<RunFolder> {
  try {
    const names = new Map<string, ObjectInfo>();
    const found: ObjectInfo[] = [];
    let whole = false;
    const hash = createHash('sha256');
    const artifactsPrefix = `${path}artifacts/`;
    for await (const page of listAll(source, path)) {
      for (const refused of page.refused ?? []) {
        hash.update(`${refused.name}\u0000refused\n`);
        if (refused.name === path) whole = true;
        problems.push({ object: refused.name, kind: 'outside-source', reason: refused.reason });
      }
      for (const o of page.objects) {
        hash.update(fingerprintLine(o));
        if (!isSafeObjectName(o.name)) {
          problems.push({ object: o.name, kind: 'unsafe-name', reason: "not a safe object name ('..', '.' or an empty segment); not read" });
        } else if (o.name.startsWith(artifactsPrefix)) found.push(o);
        else if (!o.name.includes('/', path.length)) names.set(o.name, o);
      }
    }
    return {
      rootNames: names,
      artifacts: found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      refused: whole,
      fingerprint: hash.digest('hex').slice(0, 16),
    };
  } catch (error) {
    problems.push({ object: path, kind: 'fetch', reason: `listing failed: ${reasonOf(error)}; the next fetch reads this run again` });
    return { rootNames: undefined, artifacts: [], refused: false, fingerprint: undefined };
  }
}

/** One object's line in a run folder's fingerprint: a change of name, size or generation changes the hash. */
export function fingerprintLine(o: ObjectInfo): string {
  return `${o.name}\u0000${o.size}\u0000${o.generation ?? ''}\n`;
}

/**
 * Reads every object at once (the source bounds requests in flight): a run costs a few round trips, not one per
 * object. A root file is read even when the listing failed; its absence is then no problem.
 */
async function readRunObjects(reader: ObjectReader, path: string, folder: RunFolder): Promise<RunObjects> {
  const { rootNames, artifacts } = folder;
  const { limits } = reader;
  const relative = (o: ObjectInfo): string => o.name.slice(path.length);
  const root = (leaf: string): ObjectInfo | boolean | undefined => (rootNames === undefined ? undefined : (rootNames.get(path + leaf) ?? false));
  const metadata: SizeLimit = { bytes: limits.metadataBytes, setting: 'metadataMB' };
  const newestClusterData = artifacts
    .filter((o) => isClusterDataObject(relative(o)))
    .sort((a, b) => basename(a.name).localeCompare(basename(b.name)))
    .at(-1);
  const [started, finished, prowjob, junit, disruption, clusterData] = await Promise.all([
    readJson<StartedJson>(reader, `${path}started.json`, root('started.json'), metadata, parseStartedJson),
    readJson<FinishedJson>(reader, `${path}finished.json`, root('finished.json'), metadata, parseFinishedJson),
    readJson<ProwJobInfo>(reader, `${path}prowjob.json`, root('prowjob.json'), metadata, parseProwJob),
    Promise.all(artifacts.filter((o) => isJunitObject(relative(o))).map((o) => readJunit(reader, o))),
    // Disruption: every backend-disruption file (upgrade jobs have two), combined per backend.
    Promise.all(
      artifacts
        .filter((o) => isDisruptionObject(relative(o)))
        .map((o) => readJson(reader, o.name, o, { bytes: limits.disruptionBytes, setting: 'disruptionMB' }, parseDisruptionFile)),
    ),
    newestClusterData
      ? readJson(reader, newestClusterData.name, newestClusterData, { bytes: limits.clusterDataBytes, setting: 'clusterDataMB' }, parseClusterData)
      : undefined,
  ]);
  return { started, finished, prowjob, junit, disruption, clusterData };
}

/** The record from what was read: problems in object order, counts, outcome, tests, disruption, variants. */
function assembleRecord(location: RunLocation, folder: RunFolder, objects: RunObjects, problems: DataProblem[]): RunRecord {
  const { rootNames, fingerprint } = folder;
  let complete = rootNames !== undefined;
  let objectsRead = 0;
  let bytesRead = 0;
  const outcomes: Array<ObjectOutcome<unknown>> = [
    objects.started,
    objects.finished,
    objects.prowjob,
    ...objects.junit,
    ...objects.disruption,
    ...(objects.clusterData ? [objects.clusterData] : []),
  ];
  let tooLarge = false;
  const inputs: string[] = [];
  for (const outcome of outcomes) {
    inputs.push(...outcome.inputs);
    problems.push(...outcome.problems);
    if (!outcome.fetched) complete = false;
    if (outcome.problems.some((p) => p.kind === 'too-large')) tooLarge = true;
    objectsRead += outcome.objectsRead;
    bytesRead += outcome.bytesRead;
  }
  if (rootNames !== undefined && !folder.refused && !rootNames.has(`${location.path}started.json`)) {
    problems.push({
      object: `${location.path}started.json`,
      kind: 'missing',
      reason: 'the run has no started.json; start time taken from prowjob.json if present',
    });
  }

  const started = objects.started.value;
  const finished = objects.finished.value;
  const prowjob = objects.prowjob.value;
  const cases: JunitCase[] = [];
  for (const outcome of objects.junit) for (const c of outcome.value ?? []) cases.push(c);
  const disruptionFiles = objects.disruption.flatMap((outcome) => (outcome.value ? [outcome.value] : []));

  // Variants: the job name first, the newest cluster-data on top.
  let variants = variantsFromJobName(location.job);
  if (objects.clusterData?.value) variants = mergeClusterData(variants, objects.clusterData.value);

  const outcome = resolveRunOutcome({
    ...(started ? { started } : {}),
    ...(finished ? { finished } : {}),
    ...(prowjob ? { prowjob } : {}),
  });
  const record: RunRecord = {
    recordVersion: RUN_RECORD_VERSION,
    job: location.job,
    buildId: location.buildId,
    kind: prowjob?.type ?? location.kindHint,
    path: location.path,
    started: outcome.started,
    finished: outcome.finished,
    result: outcome.result,
    final: outcome.final,
    complete,
    variants,
    tests: combineCases(cases),
    disruption: combineDisruption(disruptionFiles),
    problems,
    objectsRead,
    bytesRead,
    inputsDigest: inputsDigest(inputs),
  };
  // An unfinished run is re-checked, and so is one with an object over its limit (read again once it changes); only a
  // complete one may skip the re-read.
  if ((!record.final || tooLarge) && complete && fingerprint !== undefined) record.fingerprint = fingerprint;
  if (prowjob?.payloadTag) record.payloadTag = prowjob.payloadTag;
  if (prowjob?.fromPayloadTag) record.fromPayloadTag = prowjob.fromPayloadTag;
  const pull = prowjob?.pull ?? pullFromStarted(started) ?? pullFromPath(location.path);
  if (pull !== undefined) record.pull = pull;
  return record;
}

/**
 * Reads a small object as text and parses it. `listed` is the object's listing entry, false when the listing did
 * not have it, undefined when there was no listing (then a missing object is no problem). Objects over `limit` are
 * refused from their listed size, or stopped while reading; JSON nested deeper than the limit is not parsed.
 */
async function readJson<T>(
  reader: ObjectReader,
  name: string,
  listed: ObjectInfo | boolean | undefined,
  limit: SizeLimit,
  parse: (text: string) => T,
): Promise<ObjectOutcome<T>> {
  const outcome: ObjectOutcome<T> = { value: undefined, problems: [], fetched: true, objectsRead: 0, bytesRead: 0, inputs: [] };
  if (listed === false) return outcome;
  const entry = typeof listed === 'object' ? listed : undefined;
  const over = entry ? overListedSize(entry, limit) : undefined;
  if (over) {
    outcome.problems.push(over);
    outcome.inputs.push(inputLine(name, entry, null, 0));
    return outcome;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const read = checksummed(await reader.source.read(name), entry);
      const chunks: Uint8Array[] = [];
      for await (const chunk of limitBytes(read.bytes, name, limit.bytes)) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      outcome.objectsRead++;
      outcome.bytesRead += Buffer.byteLength(text);
      outcome.inputs.push(inputLine(name, entry, read.checksum(), bytes.byteLength));
      const depth = jsonDepthOver(text, reader.limits.jsonDepth);
      if (depth) {
        outcome.problems.push({
          object: name,
          kind: 'too-large',
          reason: `nested deeper than ${reader.limits.jsonDepth} levels (limits.jsonDepth); not parsed`,
        });
        return outcome;
      }
      try {
        outcome.value = parse(text);
      } catch (error) {
        outcome.problems.push({ object: name, kind: 'parse', reason: (error as Error).message });
      }
      return outcome;
    } catch (error) {
      const settled = settledProblem(error, name, listed === true || typeof listed === 'object', limit);
      if (settled !== undefined) {
        if (settled !== null) outcome.problems.push(settled);
        return outcome;
      }
      if (attempt >= reader.attempts) {
        outcome.problems.push({ object: name, kind: 'fetch', reason: reasonOf(error) });
        outcome.fetched = false;
        return outcome;
      }
    }
  }
}

/** A too-large problem when the listing says the object is over its limit (stored size: gzip can only grow). */
function overListedSize(object: ObjectInfo, limit: SizeLimit): DataProblem | undefined {
  if (limit.bytes === null || object.size <= limit.bytes) return undefined;
  const gzip = object.contentEncoding === 'gzip' ? ' (gzip-encoded)' : '';
  return {
    object: object.name,
    kind: 'too-large',
    reason: `${formatBytes(object.size)}${gzip} in the listing, over limits.${limit.setting} (${formatBytes(limit.bytes)}); not downloaded`,
  };
}

/**
 * A failed read that trying again cannot change: the problem to list (null for none: an object that is not there
 * and was not expected), or undefined for a failure worth another attempt.
 */
function settledProblem(error: unknown, name: string, listed: boolean, limit: SizeLimit): DataProblem | null | undefined {
  if (error instanceof SourceError) {
    // Listed but gone, or not listed because the listing failed.
    if (error.kind === 'not-found') return listed ? { object: name, kind: 'missing', reason: 'listed, but gone when read' } : null;
    if (error.kind === 'too-large') return { object: name, kind: 'too-large', reason: `${reasonOf(error)} (limits.${limit.setting})` };
    if (error.kind === 'outside-source') return { object: name, kind: 'outside-source', reason: reasonOf(error) };
    if (error.kind === 'invalid-name') return { object: name, kind: 'unsafe-name', reason: reasonOf(error) };
    return undefined;
  }
  // Without a limit, an object too large for a string fails here (V8 strings stop at about 512 MB).
  if (error instanceof RangeError)
    return { object: name, kind: 'too-large', reason: `too large to hold in memory (${error.message}); set limits.${limit.setting}` };
  return undefined;
}

/**
 * Whether JSON text nests deeper than `max` (objects and arrays), found in one pass over the characters without
 * parsing: a deep document costs memory and time out of all proportion to its size once parsed.
 */
function jsonDepthOver(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Streams one JUnit file through the parser; a truncated or damaged file keeps the cases before the damage. A file
 * over limits.junitMB (none by default: the parser holds one case at a time) is refused like any other object.
 */
async function readJunit(reader: ObjectReader, object: ObjectInfo): Promise<ObjectOutcome<JunitCase[]>> {
  const outcome: ObjectOutcome<JunitCase[]> = { value: undefined, problems: [], fetched: true, objectsRead: 0, bytesRead: 0, inputs: [] };
  const limit: SizeLimit = { bytes: reader.limits.junitBytes, setting: 'junitMB' };
  const over = overListedSize(object, limit);
  if (over) {
    outcome.problems.push(over);
    outcome.inputs.push(inputLine(object.name, object, null, 0));
    return outcome;
  }
  for (let attempt = 1; ; attempt++) {
    const tracker = { error: undefined as unknown, bytes: 0 };
    try {
      const read = checksummed(await reader.source.read(object.name), object);
      const stream = trackStream(limitBytes(read.bytes, object.name, limit.bytes), tracker);
      const result = await parseJunitStream(stream, reader.parseOptions);
      if (tracker.error) throw tracker.error;
      outcome.objectsRead++;
      outcome.bytesRead += tracker.bytes;
      // The parser may stop before the end of a damaged file: a sha-256 then covers the bytes it read. A source
      // checksum is only offered for bytes checked whole before the parse began (ObjectBytes.checksum).
      outcome.inputs.push(inputLine(object.name, object, read.checksum(), tracker.bytes));
      outcome.value = result.cases;
      // The parser's message says what was kept: it is the reason as it stands.
      const reason = junitProblem(result);
      if (reason !== undefined) {
        outcome.problems.push({ object: object.name, kind: result.partial && result.cases.length > 0 ? 'partial' : 'parse', reason });
      }
      return outcome;
    } catch (error) {
      const cause = tracker.error ?? error;
      const settled = settledProblem(cause, object.name, true, limit);
      if (settled !== undefined) {
        if (settled !== null) outcome.problems.push(settled);
        return outcome;
      }
      if (attempt >= reader.attempts) {
        outcome.problems.push({ object: object.name, kind: 'fetch', reason: reasonOf(cause) });
        outcome.fetched = false;
        return outcome;
      }
    }
  }
}

/** The error's message without the object name the SourceError already starts with. */
function reasonOf(error: unknown): string {
  if (error instanceof SourceError) return error.message.startsWith(`${error.object}: `) ? error.message.slice(error.object.length + 2) : error.message;
  return error instanceof Error ? error.message : String(error);
}

function pullFromStarted(started: StartedJson | undefined): number | undefined {
  const n = started?.pull ? Number.parseInt(started.pull, 10) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The pull request a presubmit's folder names, for runs whose metadata does not: pr-logs/pull/<pr>/<job>/<build>/
 * (Prow's legacy path strategy, for the default org and repo) or pr-logs/pull/<repo or org_repo>/<pr>/<job>/<build>/.
 */
function pullFromPath(path: string): number | undefined {
  const m = /^pr-logs\/pull\/(?:[^/]+\/)?(\d{1,9})\/[^/]+\/[^/]+\/$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

function basename(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** Pass chunks through, remembering a source failure so it is not mistaken for truncated XML. */
async function* trackStream(stream: AsyncIterable<Uint8Array>, tracker: { error: unknown; bytes: number }): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) {
      tracker.bytes += chunk.byteLength;
      yield chunk;
    }
  } catch (error) {
    tracker.error = error;
    throw error;
  }
}
