/**
 * In-memory run records for analysis tests: a finished, complete, successful run unless told otherwise; and
 * the input of analyze() the analysis tests share.
 */
import type { AnalysisInput } from '../../src/analysis/analyze.ts';
import type { RunRecord } from '../../src/ingest/run-record.ts';
import { RUN_RECORD_VERSION } from '../../src/ingest/run-record.ts';
import { variantsFromJobName } from '../../src/ingest/variants.ts';
import type { RatchetConfigInput } from '../../src/config/config-schema.ts';
import { AS_OF, BUCKET, HOUR } from './constants.ts';
import { analysisPlan } from './plans.ts';

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
    inputsDigest: `test-${buildId}`,
    ...fields,
  };
}

/**
 * What analyze() takes for `runs`: the plan of `config` (defaults for what it leaves out) at `asOf`
 * (default AS_OF); the other `fields` override.
 */
export function analysisInput(
  runs: RunRecord[],
  fields: Partial<Omit<AnalysisInput, 'runs'>> & { asOf?: Date; config?: RatchetConfigInput } = {},
): AnalysisInput {
  const { asOf = AS_OF, config = {}, ...rest } = fields;
  return { runs, plan: analysisPlan(asOf, config), source: 'test', bucket: BUCKET, ...rest };
}
