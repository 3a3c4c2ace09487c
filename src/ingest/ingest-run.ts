/**
 * Read one run: its root JSON files, every JUnit file and disruption file found by listing artifacts/,
 * and the newest cluster-data file. Never downloads build logs or archives. Every object that fails
 * to fetch or parse becomes a DataProblem on the record; a fetch failure also marks the record
 * incomplete so the next fetch retries it.
 */
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
export function isJunitObject(relative: string): boolean {
  return /junit/i.test(relative) && relative.toLowerCase().endsWith('.xml');
}

export function isDisruptionObject(relative: string): boolean {
  return /(^|\/)backend-disruption_[^/]*\.json$/.test(relative);
}

export function isClusterDataObject(relative: string): boolean {
  return /(^|\/)cluster-data_[^/]*\.json$/.test(relative);
}

export interface IngestOptions {
  /** Extra attempts for an object whose stream broke mid-way (the source retries requests itself). */
  objectAttempts?: number;
  maxMessageLength?: number;
}

export async function ingestRun(source: BucketSource, location: RunLocation, options: IngestOptions = {}): Promise<RunRecord> {
  const problems: DataProblem[] = [];
  let complete = true;
  let objectsRead = 0;
  let bytesRead = 0;
  const attempts = Math.max(1, options.objectAttempts ?? 2);

  const fail = (object: string, error: unknown, kind: DataProblem['kind'] = 'fetch'): void => {
    const message = error instanceof SourceError ? error.message.replace(`${object}: `, '') : (error as Error)?.message ?? String(error);
    problems.push({ object, kind, reason: message });
    if (kind === 'fetch') complete = false;
  };

  /** Read a small object as text; undefined when missing or unreadable (recorded). */
  const readSmall = async (name: string, required: boolean): Promise<string | undefined> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const text = await readText(source, name);
        objectsRead++;
        bytesRead += Buffer.byteLength(text);
        return text;
      } catch (error) {
        if (error instanceof SourceError && error.kind === 'not-found') {
          if (required) problems.push({ object: name, kind: 'missing', reason: 'not found' });
          return undefined;
        }
        if (attempt >= attempts) {
          fail(name, error);
          return undefined;
        }
      }
    }
  };

  const parseJson = <T>(name: string, text: string | undefined, parse: (text: string) => T): T | undefined => {
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (error) {
      problems.push({ object: name, kind: 'parse', reason: (error as Error).message });
      return undefined;
    }
  };

  // What is in the run folder: root files by a shallow listing, artifacts by a deep one.
  const rootNames = new Set<string>();
  let artifacts: ObjectInfo[] = [];
  try {
    for await (const page of listAll(source, location.path, { delimiter: '/' })) for (const o of page.objects) rootNames.add(o.name);
    for await (const page of listAll(source, location.path + 'artifacts/')) artifacts.push(...page.objects);
  } catch (error) {
    fail(location.path, error);
  }
  artifacts = artifacts.sort((a, b) => (a.name < b.name ? -1 : 1));

  const root = (leaf: string): string => location.path + leaf;
  const has = (leaf: string): boolean => rootNames.has(root(leaf));

  const started = parseJson<StartedJson>(root('started.json'), has('started.json') ? await readSmall(root('started.json'), true) : missing(problems, root('started.json')), parseStartedJson);
  const finished = parseJson<FinishedJson>(root('finished.json'), has('finished.json') ? await readSmall(root('finished.json'), false) : undefined, parseFinishedJson);
  const prowjob = parseJson<ProwJobInfo>(root('prowjob.json'), has('prowjob.json') ? await readSmall(root('prowjob.json'), false) : undefined, parseProwJob);

  // JUnit, streamed.
  const cases: JunitCase[] = [];
  for (const object of artifacts) {
    const relative = object.name.slice(location.path.length);
    if (!isJunitObject(relative)) continue;
    for (let attempt = 1; ; attempt++) {
      const tracker = { error: undefined as unknown, bytes: 0 };
      try {
        const stream = trackStream(await source.read(object.name), tracker);
        const result = await parseJunitStream(stream, options.maxMessageLength === undefined ? undefined : { maxMessageLength: options.maxMessageLength });
        if (tracker.error) throw tracker.error;
        objectsRead++;
        bytesRead += tracker.bytes;
        cases.push(...result.cases);
        if (result.partial) {
          problems.push({
            object: object.name,
            kind: result.cases.length > 0 ? 'partial' : 'parse',
            reason: `${result.error ?? 'incomplete XML'}; ${result.cases.length} test case(s) before the damage were kept`,
          });
        }
        break;
      } catch (error) {
        const cause = tracker.error ?? error;
        if (attempt >= attempts) {
          fail(object.name, cause);
          break;
        }
      }
    }
  }

  // Disruption: every backend-disruption file (upgrade jobs have two), combined per backend.
  const disruptionFiles = [];
  for (const object of artifacts) {
    if (!isDisruptionObject(object.name.slice(location.path.length))) continue;
    const parsed = parseJson(object.name, await readSmall(object.name, false), parseDisruptionFile);
    if (parsed) disruptionFiles.push(parsed);
  }

  // Variants: the job name first, the newest cluster-data on top.
  let variants = variantsFromJobName(location.job);
  const clusterData = artifacts.filter((o) => isClusterDataObject(o.name.slice(location.path.length)));
  const newestClusterData = clusterData.sort((a, b) => basename(a.name).localeCompare(basename(b.name))).at(-1);
  if (newestClusterData) {
    const parsed = parseJson(newestClusterData.name, await readSmall(newestClusterData.name, false), parseClusterData);
    if (parsed) variants = mergeClusterData(variants, parsed);
  }

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
  if (prowjob?.payloadTag) record.payloadTag = prowjob.payloadTag;
  if (prowjob?.fromPayloadTag) record.fromPayloadTag = prowjob.fromPayloadTag;
  const pull = prowjob?.pull ?? pullFromStarted(started);
  if (pull !== undefined) record.pull = pull;
  return record;
}

function missing(problems: DataProblem[], name: string): undefined {
  problems.push({ object: name, kind: 'missing', reason: 'the run has no started.json; start time taken from prowjob.json if present' });
  return undefined;
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
