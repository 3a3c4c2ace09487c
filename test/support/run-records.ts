/** In-memory run records for analysis tests: a finished, complete, successful run unless told otherwise. */
import type { RunRecord } from '../../src/ingest/run-record.ts';
import { RUN_RECORD_VERSION } from '../../src/ingest/run-record.ts';
import { variantsFromJobName } from '../../src/ingest/variants.ts';

const HOUR = 3_600_000;

export function runRecord(job: string, buildId: string, startedMs: number, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    recordVersion: RUN_RECORD_VERSION,
    job,
    buildId,
    kind: 'periodic',
    path: `logs/${job}/${buildId}/`,
    started: new Date(startedMs).toISOString(),
    finished: new Date(startedMs + HOUR).toISOString(),
    result: 'success',
    final: true,
    complete: true,
    variants: variantsFromJobName(job),
    tests: [],
    disruption: [],
    problems: [],
    objectsRead: 4,
    bytesRead: 0,
    ...fields,
  };
}
