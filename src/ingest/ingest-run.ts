/**
 * Read one run: its root JSON files, every JUnit file and disruption file found by listing artifacts/,
 * and the newest cluster-data file. Never downloads build logs or archives. Every object that fails
 * to fetch or parse becomes a DataProblem on the record; a fetch failure also marks the record
 * incomplete so the next fetch retries it.
 *
 * Three steps: one deep listing of the run folder, every object read at once, then the record assembled in a
 * fixed order, so it does not depend on which read finished first.
 */
import { createHash } from 'node:crypto';
import type { BucketSource, ObjectInfo } from '../source/source.ts';
import { listAll, readText, SourceError } from '../source/source.ts';
import type { DataProblem, RunRecord } from './run-record.ts';
import { RUN_RECORD_VERSION } from './run-record.ts';
import type { RunLocation } from './discover.ts';
import { junitProblem, parseJunitStream, type JunitCase, type JunitParseOptions } from './junit-parser.ts';
import { combineCases } from './test-outcomes.ts';
import { combineDisruption, parseDisruptionFile, type BackendDisruption } from './disruption-parser.ts';
import { parseFinishedJson, parseProwJob, parseStartedJson, resolveRunOutcome, type FinishedJson, type ProwJobInfo, type StartedJson } from './run-metadata.ts';
import { parseClusterData, type ClusterData } from './cluster-data.ts';
import { mergeClusterData, variantsFromJobName } from './variants.ts';

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
}

/** What one object's read contributed: its problems (kept in object order) and its counts. */
interface ObjectOutcome<T> {
  value: T | undefined;
  problems: DataProblem[];
  /** false when the object could not be fetched: the run is then incomplete. */
  fetched: boolean;
  objectsRead: number;
  bytesRead: number;
}

/** How objects are read: through which source, how often a broken stream is tried, how JUnit is parsed. */
interface ObjectReader {
  source: BucketSource;
  attempts: number;
  parseOptions: JunitParseOptions | undefined;
}

/** What the run folder's one deep listing found. */
interface RunFolder {
  /** Names of the objects at the folder's root; undefined when the listing failed. */
  rootNames: Set<string> | undefined;
  /** Everything under artifacts/, sorted by name. */
  artifacts: ObjectInfo[];
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

export async function ingestRun(source: BucketSource, location: RunLocation, options: IngestOptions = {}): Promise<RunRecord> {
  const reader: ObjectReader = {
    source,
    attempts: Math.max(1, options.objectAttempts ?? 2),
    parseOptions: options.maxMessageLength === undefined ? undefined : { maxMessageLength: options.maxMessageLength },
  };
  const problems: DataProblem[] = [];
  const folder = await listRunFolder(source, location.path, problems);
  const objects = await readRunObjects(reader, location.path, folder);
  return assembleRecord(location, folder, objects, problems);
}

/**
 * What is in the run folder, in one deep listing: the root files and everything under artifacts/ (Prow puts
 * nothing else there). A failed listing is a problem, and leaves the folder unknown.
 */
async function listRunFolder(source: BucketSource, path: string, problems: DataProblem[]): Promise<RunFolder> {
  try {
    const names = new Set<string>();
    const found: ObjectInfo[] = [];
    const hash = createHash('sha256');
    const artifactsPrefix = `${path}artifacts/`;
    for await (const page of listAll(source, path)) {
      for (const o of page.objects) {
        hash.update(`${o.name}\u0000${o.size}\n`);
        if (o.name.startsWith(artifactsPrefix)) found.push(o);
        else if (!o.name.includes('/', path.length)) names.add(o.name);
      }
    }
    return {
      rootNames: names,
      artifacts: found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      fingerprint: hash.digest('hex').slice(0, 16),
    };
  } catch (error) {
    problems.push({ object: path, kind: 'fetch', reason: `listing failed: ${reasonOf(error)}; the next fetch reads this run again` });
    return { rootNames: undefined, artifacts: [], fingerprint: undefined };
  }
}

/**
 * Reads every object at once (the source bounds requests in flight): a run costs a few round trips, not one per
 * object. A root file is read even when the listing failed; its absence is then no problem.
 */
async function readRunObjects(reader: ObjectReader, path: string, folder: RunFolder): Promise<RunObjects> {
  const { rootNames, artifacts } = folder;
  const relative = (o: ObjectInfo): string => o.name.slice(path.length);
  const has = (leaf: string): boolean | undefined => (rootNames === undefined ? undefined : rootNames.has(path + leaf));
  const newestClusterData = artifacts
    .filter((o) => isClusterDataObject(relative(o)))
    .sort((a, b) => basename(a.name).localeCompare(basename(b.name)))
    .at(-1);
  const [started, finished, prowjob, junit, disruption, clusterData] = await Promise.all([
    readJson<StartedJson>(reader, `${path}started.json`, has('started.json'), false, parseStartedJson),
    readJson<FinishedJson>(reader, `${path}finished.json`, has('finished.json'), false, parseFinishedJson),
    readJson<ProwJobInfo>(reader, `${path}prowjob.json`, has('prowjob.json'), false, parseProwJob),
    Promise.all(artifacts.filter((o) => isJunitObject(relative(o))).map((o) => readJunit(reader, o))),
    // Disruption: every backend-disruption file (upgrade jobs have two), combined per backend.
    Promise.all(artifacts.filter((o) => isDisruptionObject(relative(o))).map((o) => readJson(reader, o.name, true, false, parseDisruptionFile))),
    newestClusterData ? readJson(reader, newestClusterData.name, true, false, parseClusterData) : undefined,
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
  for (const outcome of outcomes) {
    problems.push(...outcome.problems);
    if (!outcome.fetched) complete = false;
    objectsRead += outcome.objectsRead;
    bytesRead += outcome.bytesRead;
  }
  if (rootNames !== undefined && !rootNames.has(`${location.path}started.json`)) {
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
  };
  // Only an unfinished run is re-checked, and only a complete one may skip the re-read.
  if (!record.final && complete && fingerprint !== undefined) record.fingerprint = fingerprint;
  if (prowjob?.payloadTag) record.payloadTag = prowjob.payloadTag;
  if (prowjob?.fromPayloadTag) record.fromPayloadTag = prowjob.fromPayloadTag;
  const pull = prowjob?.pull ?? pullFromStarted(started) ?? pullFromPath(location.path);
  if (pull !== undefined) record.pull = pull;
  return record;
}

/** Reads a small object as text and parses it. Missing objects are problems only when required. */
async function readJson<T>(
  reader: ObjectReader,
  name: string,
  present: boolean | undefined,
  required: boolean,
  parse: (text: string) => T,
): Promise<ObjectOutcome<T>> {
  const outcome: ObjectOutcome<T> = { value: undefined, problems: [], fetched: true, objectsRead: 0, bytesRead: 0 };
  if (present === false) {
    if (required) outcome.problems.push({ object: name, kind: 'missing', reason: 'not found' });
    return outcome;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const text = await readText(reader.source, name);
      outcome.objectsRead++;
      outcome.bytesRead += Buffer.byteLength(text);
      try {
        outcome.value = parse(text);
      } catch (error) {
        outcome.problems.push({ object: name, kind: 'parse', reason: (error as Error).message });
      }
      return outcome;
    } catch (error) {
      if (error instanceof SourceError && error.kind === 'not-found') {
        // Listed but gone (or not listed because the listing failed).
        if (required || present === true)
          outcome.problems.push({ object: name, kind: 'missing', reason: present ? 'listed, but gone when read' : 'not found' });
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

/** Streams one JUnit file through the parser; a truncated or damaged file keeps the cases before the damage. */
async function readJunit(reader: ObjectReader, object: ObjectInfo): Promise<ObjectOutcome<JunitCase[]>> {
  const outcome: ObjectOutcome<JunitCase[]> = { value: undefined, problems: [], fetched: true, objectsRead: 0, bytesRead: 0 };
  for (let attempt = 1; ; attempt++) {
    const tracker = { error: undefined as unknown, bytes: 0 };
    try {
      const stream = trackStream(await reader.source.read(object.name), tracker);
      const result = await parseJunitStream(stream, reader.parseOptions);
      if (tracker.error) throw tracker.error;
      outcome.objectsRead++;
      outcome.bytesRead += tracker.bytes;
      outcome.value = result.cases;
      // The parser's message says what was kept: it is the reason as it stands.
      const reason = junitProblem(result);
      if (reason !== undefined) {
        outcome.problems.push({ object: object.name, kind: result.partial && result.cases.length > 0 ? 'partial' : 'parse', reason });
      }
      return outcome;
    } catch (error) {
      const cause = tracker.error ?? error;
      if ((cause instanceof SourceError && cause.kind === 'not-found') || attempt >= reader.attempts) {
        const gone = cause instanceof SourceError && cause.kind === 'not-found';
        outcome.problems.push({
          object: object.name,
          kind: gone ? 'missing' : 'fetch',
          reason: gone ? 'listed, but gone when read' : reasonOf(cause),
        });
        outcome.fetched = gone;
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
