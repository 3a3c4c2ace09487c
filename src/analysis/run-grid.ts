/**
 * TestGrid's grid for each job: its newest runs (columns) × the tests that failed or flaked in any of
 * them (rows), each cell the test's outcome in that run. Runs stream in any order, so each job keeps
 * only its newest RUNS runs; a kept run remembers which of the job's tests it ran (a bitset over the
 * job's own test numbering) and which failed, flaked or were skipped, which is all a cell needs: at
 * OpenShift size (thousands of tests per run) that is a few hundred bytes per run, not a copy of it.
 */
import { compareBuildIds, type RunRecord } from '../ingest/run-record.ts';
import type { Snapshot } from '../snapshot/schema.ts';
import { prowRunUrl } from '../util/prow-links.ts';

/** Runs (columns) per job, and tests (rows) at most. */
const RUNS = 20;
const ROWS = 100;

/** Cell codes in the snapshot: pass, fail, flake, skip, and - for a run that did not run the test. */
const FAIL = 1;
const FLAKE = 2;
const SKIP = 3;

interface KeptRun {
  buildId: string;
  url: string;
  result: RunRecord['result'];
  started: string | null;
  time: number;
  ran: Uint32Array;
  /** Job-local test number → FAIL, FLAKE or SKIP. */
  other: Map<number, number>;
}

interface JobGrid {
  local: Map<number, number>;
  tests: number[];
  runs: KeptRun[];
}

type RunGrid = NonNullable<Snapshot['runGrids']>[number];

const newer = (a: { time: number; buildId: string }, b: { time: number; buildId: string }): number => b.time - a.time || compareBuildIds(b.buildId, a.buildId);

export class RunGridAccumulator {
  readonly #jobs = new Map<string, JobGrid>();
  readonly #bucket: string;

  constructor(bucket: string) {
    this.#bucket = bucket;
  }

  /** One run: `testIds` are the accumulator's test numbers of run.tests, by position. */
  add(run: RunRecord, time: number, testIds: Int32Array): void {
    let grid = this.#jobs.get(run.job);
    if (!grid) this.#jobs.set(run.job, (grid = { local: new Map(), tests: [], runs: [] }));
    const oldest = grid.runs.at(-1);
    if (grid.runs.length >= RUNS && oldest && newer(oldest, { time, buildId: run.buildId }) <= 0) return;
    const other = new Map<number, number>();
    const locals: number[] = [];
    for (let i = 0; i < run.tests.length; i++) {
      const id = testIds[i]!;
      let local = grid.local.get(id);
      if (local === undefined) {
        local = grid.tests.length;
        grid.local.set(id, local);
        grid.tests.push(id);
      }
      const status = run.tests[i]!.status;
      if (status === 'pass') locals.push(local);
      else other.set(local, status === 'fail' ? FAIL : status === 'flake' ? FLAKE : SKIP);
    }
    const ran = new Uint32Array(Math.ceil(grid.tests.length / 32));
    for (const local of locals) ran[local >>> 5]! |= 1 << (local & 31);
    const kept: KeptRun = { buildId: run.buildId, url: prowRunUrl(this.#bucket, run.path), result: run.result, started: run.started, time, ran, other };
    grid.runs.push(kept);
    grid.runs.sort(newer);
    if (grid.runs.length > RUNS) grid.runs.length = RUNS;
  }

  /** The grids, by job name; `test` gives a test number's id, suite and name. */
  grids(test: (id: number) => { id: string; suite: string; name: string }): RunGrid[] {
    const out: RunGrid[] = [];
    for (const [job, grid] of [...this.#jobs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const rows = new Map<number, { failures: number; flakes: number }>();
      for (const run of grid.runs) {
        for (const [local, code] of run.other) {
          if (code === SKIP) continue;
          let row = rows.get(local);
          if (!row) rows.set(local, (row = { failures: 0, flakes: 0 }));
          if (code === FAIL) row.failures++;
          else row.flakes++;
        }
      }
      const chosen = [...rows]
        .map(([local, counts]) => ({ local, ...counts, ...test(grid.tests[local]!) }))
        .sort((a, b) => b.failures - a.failures || b.flakes - a.flakes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .slice(0, ROWS);
      out.push({
        job,
        runs: grid.runs.map((r) => ({ buildId: r.buildId, url: r.url, result: r.result, started: r.started })),
        tests: chosen.map((row) => ({
          testId: row.id,
          suite: row.suite,
          name: row.name,
          failures: row.failures,
          flakes: row.flakes,
          outcomes: grid.runs.map((run) => outcome(run, row.local)).join(''),
        })),
        testsWithFailures: rows.size,
      });
    }
    return out;
  }
}

function outcome(run: KeptRun, local: number): string {
  const code = run.other.get(local);
  if (code === FAIL) return 'f';
  if (code === FLAKE) return 'k';
  if (code === SKIP) return 's';
  const word = run.ran[local >>> 5];
  return word !== undefined && (word & (1 << (local & 31))) !== 0 ? 'p' : '-';
}
