/**
 * The analysis is a pure function: the same records, plan and previous snapshot give the same snapshot,
 * byte for byte, whatever order the runs arrive in and whatever order a run lists its tests in. Test ids
 * are interned in arrival order, so every sum and list built over them must not depend on it (clustering
 * estimates, the order of the family, onset ties).
 */
import { describe, expect, it } from 'vitest';
import { createCiModel, simulationJobNames } from '../scripts/simulation/ci-model.ts';
import { SIM_START } from '../scripts/simulation/scenarios.ts';
import { analyze } from '../src/analysis/analyze.ts';
import type { RunRecord } from '../src/ingest/run-record.ts';
import { serializeSnapshot } from '../src/store/snapshot-store.ts';
import { analysisPlan } from './support/plans.ts';

const DAY = 86_400_000;

describe('analysis output', () => {
  it('does not depend on the order of runs or of the tests in a run, with clustered failures, regressions and disruption', async () => {
    const jobs = simulationJobNames(3).map((name) => ({ name, runsPerDay: 12 }));
    const asOf = SIM_START + 40 * DAY;
    const model = createCiModel({
      seed: 21,
      start: SIM_START,
      days: 41,
      jobs,
      tests: 60,
      noise: { name: 'day effects', dayCv: 1 },
      // A deep drop: with day effects of CV 1 a cell's failure rate on a given day is often a fraction of its mean.
      drops: [{ test: 0, jobs: [0], onset: asOf - 2 * DAY, from: 0.995, to: 0.1 }],
      rises: [{ backend: 0, job: 1, onset: asOf - DAY, factor: 10 }],
      backends: 2,
    });
    const runs: RunRecord[] = [...model.runsFinishedBetween(SIM_START, asOf)];
    const plan = analysisPlan(asOf);
    const input = (records: RunRecord[]) => ({ runs: records, plan, source: 'simulation', bucket: 'test-platform-results' });
    const forward = serializeSnapshot(await analyze(input(runs)));
    const shuffled = [...runs].reverse().map((r) => ({ ...r, tests: [...r.tests].reverse(), disruption: [...r.disruption].reverse() }));
    expect(serializeSnapshot(await analyze(input(shuffled)))).toBe(forward);
    // And the snapshot has what makes order matter: clustering, regressions with an onset, disruption.
    const snapshot = JSON.parse(forward);
    expect(snapshot.regressions.settings.clustering.dayCv2).toBeGreaterThan(0);
    expect(snapshot.regressions.tests.some((r: { onset?: unknown }) => r.onset)).toBe(true);
  }, 120_000);
});
