/**
 * Every test result that regression verdicts may use, kept compactly: a table of runs (time, lane,
 * day, payload) and, per test, the list of (run, outcome) pairs. Verdicts need more than totals per
 * window: counts in several scan windows, failures per day and per payload (clustering), and the
 * order of runs (onset). Five bytes a result: six million results take 30 MB.
 *
 * Runs kept out of test verdicts (mass failures, infrastructure failures; see run-class.ts) are
 * never logged. Runs of bad days (bad-days.ts) can only be known once the day is over, so they are
 * logged and marked afterwards in `excluded`.
 */
import type { RunRecord } from '../ingest/run-record.ts';
import { DAY_MS } from '../util/time.ts';

/** Outcome codes in the log. */
export const PASS = 0;
export const FAIL = 1;
export const FLAKE = 2;

/** What the evidence of a regression needs to name a run. */
export interface LoggedRun {
  job: string;
  buildId: string;
  path: string;
  started: string | null;
  payloadTag: string | undefined;
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export class TestLog {
  /** Per run: start time, lane, UTC day number, payload index (-1 without a tag). */
  runTime = new Float64Array(1024);
  runLane = new Int32Array(1024);
  runDay = new Int32Array(1024);
  runPayload = new Int32Array(1024);
  readonly runs: LoggedRun[] = [];
  /**
   * Per run, 1 when it is kept out of verdicts after the fact (a bad day): not counted in any window, the onset
   * or recovery, only in the clustering estimate. Unset: none.
   */
  excluded: Uint8Array | undefined;
  /**
   * Per run, how many times its job's usual failures its day shows while that day may still turn out a bad day
   * (bad-days.ts); verdicts expect that many times a test's usual failures in it. Unset: 1 for every run.
   */
  elevation: Float64Array | undefined;
  readonly payloads: string[] = [];
  readonly #payloadIndex = new Map<string, number>();
  #entryRuns: Int32Array[] = [];
  #entryCodes: Uint8Array[] = [];
  #length = new Int32Array(1024);

  get runCount(): number {
    return this.runs.length;
  }

  /** Register a run; returns its index for add(). */
  addRun(run: RunRecord, lane: number, time: number): number {
    const r = this.runs.length;
    if (r >= this.runTime.length) {
      const size = this.runTime.length * 2;
      this.runTime = grow(this.runTime, size);
      this.runLane = grow(this.runLane, size);
      this.runDay = grow(this.runDay, size);
      this.runPayload = grow(this.runPayload, size);
    }
    this.runTime[r] = time;
    this.runLane[r] = lane;
    this.runDay[r] = Math.floor(time / DAY_MS);
    let payload = -1;
    if (run.payloadTag) {
      payload = this.#payloadIndex.get(run.payloadTag) ?? -1;
      if (payload < 0) {
        payload = this.payloads.length;
        this.payloads.push(run.payloadTag);
        this.#payloadIndex.set(run.payloadTag, payload);
      }
    }
    this.runPayload[r] = payload;
    this.runs.push({ job: run.job, buildId: run.buildId, path: run.path, started: run.started, payloadTag: run.payloadTag });
    return r;
  }

  /** Log one result of test `test` (an interned id) in run `run`. */
  add(test: number, run: number, code: number): void {
    if (test >= this.#length.length) this.#length = grow(this.#length, Math.max(test + 1, this.#length.length * 2));
    let runs = this.#entryRuns[test];
    let codes = this.#entryCodes[test];
    const n = this.#length[test]!;
    if (!runs || !codes) {
      this.#entryRuns[test] = runs = new Int32Array(256);
      this.#entryCodes[test] = codes = new Uint8Array(256);
    } else if (n >= runs.length) {
      this.#entryRuns[test] = runs = grow(runs, runs.length * 2);
      this.#entryCodes[test] = codes = grow(codes, codes.length * 2);
    }
    runs[n] = run;
    codes[n] = code;
    this.#length[test] = n + 1;
  }

  /** The results of one test: parallel arrays of run indices and outcome codes. */
  entries(test: number): { runs: Int32Array; codes: Uint8Array; length: number } {
    const length = test < this.#length.length ? this.#length[test]! : 0;
    return { runs: this.#entryRuns[test] ?? new Int32Array(0), codes: this.#entryCodes[test] ?? new Uint8Array(0), length };
  }
}
