/**
 * Weeks of runs for the analysis tests of regressions, and the analyses a 2-hourly report makes of them:
 * - runSeries(): one job's runs at a steady cadence, each on the newest nightly payload (a new tag every
 *   6 hours, as payloadTagAt names it), with Prow-like build ids that grow with time;
 * - testResults(): a run's JUnit results from test names and which of them failed;
 * - analyzeEach(): analyze() at successive as-of instants, each snapshot the `previous` of the next, so
 *   lifecycle and frozen lines carry over as they do between the report's runs.
 */
import { analyze } from '../../src/analysis/analyze.ts';
import type { RatchetConfigInput } from '../../src/config/config-schema.ts';
import type { RunRecord, TestResult } from '../../src/ingest/run-record.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';
import { HOUR } from './constants.ts';
import { analysisInput, runRecord } from './run-records.ts';

export const PAYLOAD_HOURS = 6;

/** The nightly payload tag a run at `time` tests: the one cut at the last 6-hour boundary (UTC). */
export function payloadTagAt(time: number): string {
  const cut = new Date(Math.floor(time / (PAYLOAD_HOURS * HOUR)) * PAYLOAD_HOURS * HOUR).toISOString();
  return `4.22.0-0.nightly-${cut.slice(0, 10)}-${cut.slice(11, 13)}${cut.slice(14, 16)}${cut.slice(17, 19)}`;
}

/** Results of a run: every name passes unless `failed` says it failed. */
export function testResults(names: readonly string[], failed: (name: string) => boolean): TestResult[] {
  return names.map((name) =>
    failed(name)
      ? { suite: 'openshift-tests', name, status: 'fail', durationSec: 2, message: `${name} failed` }
      : { suite: 'openshift-tests', name, status: 'pass', durationSec: 1 },
  );
}

export interface SeriesOptions {
  /** First run's start (epoch ms); runs follow every `every` ms while before `to`. */
  from: number;
  to: number;
  /** Default 2 hours: 12 runs a day. */
  every?: number;
  /** Distinguishes the build ids of jobs whose runs start at the same instants. */
  salt?: number;
  /** The run's fields: tests, disruption, a result. Its result is failure when a test failed, unless given. */
  make: (time: number, index: number) => Partial<RunRecord>;
}

export function runSeries(job: string, options: SeriesOptions): RunRecord[] {
  const out: RunRecord[] = [];
  const every = options.every ?? 2 * HOUR;
  for (let time = options.from, i = 0; time < options.to; time += every, i++) {
    const fields = options.make(time, i);
    const failed = (fields.tests ?? []).some((t) => t.status === 'fail');
    const buildId = String(1_700_000_000_000_000_000n + BigInt(Math.floor(time / 1000)) * 100n + BigInt(options.salt ?? 0));
    out.push(runRecord(job, buildId, time, { payloadTag: payloadTagAt(time), result: failed ? 'failure' : 'success', ...fields }));
  }
  return out;
}

/** analyze() at each as-of in turn (oldest first), each with the snapshot before it as `previous`. */
export async function analyzeEach(
  runs: RunRecord[],
  asOfs: readonly number[],
  config: RatchetConfigInput = {},
  previous: Snapshot | null = null,
): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  for (const asOf of asOfs) {
    const snapshot = await analyze(analysisInput(runs, { asOf: new Date(asOf), config, previous }));
    out.push(snapshot);
    previous = snapshot;
  }
  return out;
}
