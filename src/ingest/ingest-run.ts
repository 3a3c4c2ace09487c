/**
 * Read one run: its root JSON files, every JUnit file and disruption file found by listing artifacts/,
 * and the newest cluster-data file. Never downloads build logs or archives. Every object that fails
 * to fetch or parse becomes a DataProblem on the record; a fetch failure also marks the record
 * incomplete so the next fetch retries it.
 */
import { createHash } from 'node:crypto';
import type { BucketSource, ObjectInfo } from '../source/source.ts';
import { listAll, readText, SourceError } from '../source/source.ts';
import type { DataProblem, RunKind, RunRecord } from './run-record.ts';
import { RUN_RECORD_VERSION } from './run-record.ts';
import type { RunLocation } from './discover.ts';
import { parseJunitStream, type JunitCase } from './junit-parser.ts';
import { combineCases } from './test-outcomes.ts';
import { combineDisruption, parseDisruptionFile } from './disruption-parser.ts';
import { parseFinishedJson, parseProwJob, parseStartedJson, resolveRunOutcome, type FinishedJson, type ProwJobInfo, type StartedJson } from './run-metadata.ts';
import { parseClusterData } from './cluster-data.ts';
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

export async function ingestRun(source: BucketSource, location: RunLocation, options: IngestOptions = {}): Promise<RunRecord> {
  const attempts = Math.max(1, options.objectAttempts ?? 2);
  const parseOptions = options.maxMessageLength === undefined ? undefined : { maxMessageLength: options.maxMessageLength };

  // What is in the run folder, in one deep listing: the root files and everything under artifacts/ (Prow puts
  // nothing else there). Its names and sizes also make the fingerprint that lets an unfinished run be re-checked.
  const problems: DataProblem[] = [];
  let complete = true;
  let rootNames: Set<string> | undefined;
  let artifacts: ObjectInfo[] = [];
  let fingerprint: string | undefined;
  try {
    const names = new Set<string>();
    const found: ObjectInfo[] = [];
    const hash = createHash('sha256');
    const artifactsPrefix = `${location.path}artifacts/`;
    for await (const page of listAll(source, location.path)) {
      for (const o of page.objects) {
        hash.update(`${o.name}\u0000${o.size}\n`);
        if (o.name.startsWith(artifactsPrefix)) found.push(o);
        else if (!o.name.includes('/', location.path.length)) names.add(o.name);
      }
    }
    rootNames = names;
    artifacts = found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    fingerprint = hash.digest('hex').slice(0, 16);
  } catch (error) {
    problems.push({ object: location.path, kind: 'fetch', reason: `listing failed: ${reasonOf(error)}; the next fetch reads this run again` });
    complete = false;
  }
  const relative = (o: ObjectInfo): string => o.name.slice(location.path.length);

  const root = (leaf: string): string => location.path + leaf;
  /** Unknown when the root listing failed: then the file is read anyway, and its absence is no problem. */
  const has = (leaf: string): boolean | undefined => (rootNames === undefined ? undefined : rootNames.has(root(leaf)));

  /** Read a small object as text and parse it. Missing objects are problems only when required. */
  const readJson = async <T>(name: string, present: boolean | undefined, required: boolean, parse: (text: string) => T): Promise<ObjectOutcome<T>> => {
    const outcome: ObjectOutcome<T> = { value: undefined, problems: [], fetched: true, objectsRead: 0, bytesRead: 0 };
    if (present === false) {
      if (required) outcome.problems.push({ object: name, kind: 'missing', reason: 'not found' });
      return outcome;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const text = await readText(source, name);
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
        if (attempt >= attempts) {
          outcome.problems.push({ object: name, kind: 'fetch', reason: reasonOf(error) });
          outcome.fetched = false;
          return outcome;
        }
      }
    }
  };

  /** Stream one JUnit file through the parser; a truncated or damaged file keeps the cases before the damage. */
  const readJunit = async (object: ObjectInfo): Promise<ObjectOutcome<JunitCase[]>> => {
    const outcome: ObjectOutcome<JunitCase[]> = { value: undefined, problems: [], fetched: true, objectsRead: 0, bytesRead: 0 };
    for (let attempt = 1; ; attempt++) {
      const tracker = { error: undefined as unknown, bytes: 0 };
      try {
        const stream = trackStream(await source.read(object.name), tracker);
        const result = await parseJunitStream(stream, parseOptions);
        if (tracker.error) throw tracker.error;
        outcome.objectsRead++;
        outcome.bytesRead += tracker.bytes;
        outcome.value = result.cases;
        if (result.partial) {
          outcome.problems.push({
            object: object.name,
            kind: result.cases.length > 0 ? 'partial' : 'parse',
            reason: `${result.error ?? 'incomplete XML'}; ${result.cases.length} test case(s) before the damage were kept`,
          });
        }
        return outcome;
      } catch (error) {
        const cause = tracker.error ?? error;
        if ((cause instanceof SourceError && cause.kind === 'not-found') || attempt >= attempts) {
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
  };

  const newestClusterData = artifacts
    .filter((o) => isClusterDataObject(relative(o)))
    .sort((a, b) => basename(a.name).localeCompare(basename(b.name)))
    .at(-1);

  // Every object at once (the source bounds requests in flight): a run costs a few round trips, not one per object.
  // Results are assembled in a fixed order, so the record does not depend on which read finished first.
  const [startedOut, finishedOut, prowjobOut, junitOuts, disruptionOuts, clusterOut] = await Promise.all([
    readJson<StartedJson>(root('started.json'), has('started.json'), false, parseStartedJson),
    readJson<FinishedJson>(root('finished.json'), has('finished.json'), false, parseFinishedJson),
    readJson<ProwJobInfo>(root('prowjob.json'), has('prowjob.json'), false, parseProwJob),
    Promise.all(artifacts.filter((o) => isJunitObject(relative(o))).map(readJunit)),
    // Disruption: every backend-disruption file (upgrade jobs have two), combined per backend.
    Promise.all(artifacts.filter((o) => isDisruptionObject(relative(o))).map((o) => readJson(o.name, true, false, parseDisruptionFile))),
    newestClusterData ? readJson(newestClusterData.name, true, false, parseClusterData) : undefined,
  ]);

  let objectsRead = 0;
  let bytesRead = 0;
  const outcomes: Array<ObjectOutcome<unknown>> = [startedOut, finishedOut, prowjobOut, ...junitOuts, ...disruptionOuts, ...(clusterOut ? [clusterOut] : [])];
  for (const outcome of outcomes) {
    problems.push(...outcome.problems);
    if (!outcome.fetched) complete = false;
    objectsRead += outcome.objectsRead;
    bytesRead += outcome.bytesRead;
  }
  if (rootNames !== undefined && !rootNames.has(root('started.json'))) {
    problems.push({ object: root('started.json'), kind: 'missing', reason: 'the run has no started.json; start time taken from prowjob.json if present' });
  }

  const started = startedOut.value;
  const finished = finishedOut.value;
  const prowjob = prowjobOut.value;
  const cases: JunitCase[] = [];
  for (const outcome of junitOuts) for (const c of outcome.value ?? []) cases.push(c);
  const disruptionFiles = disruptionOuts.flatMap((outcome) => (outcome.value ? [outcome.value] : []));

  // Variants: the job name first, the newest cluster-data on top.
  let variants = variantsFromJobName(location.job);
  if (clusterOut?.value) variants = mergeClusterData(variants, clusterOut.value);

  const outcome = resolveRunOutcome({
    ...(started ? { started } : {}),
    ...(finished ? { finished } : {}),
    ...(prowjob ? { prowjob } : {}),
  });
  const kind: RunKind = prowjob?.type ?? location.kindHint;
  const record: RunRecord = {
    recordVersion: RUN_RECORD_VERSION,
    job: location.job,
    buildId: location.buildId,
    kind,
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
  const pull = prowjob?.pull ?? pullFromStarted(started);
  if (pull !== undefined) record.pull = pull;
  return record;
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
