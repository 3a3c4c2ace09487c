/**
 * analyzeStage carries regressions between snapshots on disk: it reads the newest older snapshot
 * from the snapshots directory, reports an unreadable one as a data problem, and reads the
 * historical disruption file named in the config.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RatchetConfigInput } from '../src/config/config-schema.ts';
import type { RunPlan } from '../src/config/run-plan.ts';
import { runPlan } from './support/plans.ts';
import { analyzeStage, fetchStage } from '../src/pipeline.ts';
import { tempDir, writeTree, type TreeRun } from './support/prow-tree.ts';
import { AS_OF, AS_OF_MS, AS_OF_S, DAY_S, HOUR, UPGRADE_JOB } from './support/constants.ts';

const BROKEN = '[sig-network] services answer [Suite:openshift/conformance/parallel]';

function runs(): TreeRun[] {
  const list: TreeRun[] = [];
  // 24 runs over 16 days; in the last 7 days BROKEN fails in two of every three runs.
  for (let i = 0; i < 48; i++) {
    const start = AS_OF_S - 16 * DAY_S + i * (DAY_S / 3);
    const recent = start >= AS_OF_S - 7 * DAY_S;
    list.push({
      job: UPGRADE_JOB,
      buildId: String(1900000000000000000n + BigInt(i)),
      start,
      tests: [{ name: BROKEN, status: recent && i % 3 !== 0 ? 'fail' : 'pass', message: 'connection refused' }],
      disruption: [{ 'kube-api-new-connections': recent ? '9s' : '0s' }],
    });
  }
  return list;
}

describe('analyzeStage across snapshots', () => {
  let root: string;
  let out: string;
  const settings = (asOf: Date, config: RatchetConfigInput = {}): RunPlan => runPlan({ out, asOf, config, baseDir: out, flags: { source: root } });

  beforeAll(async () => {
    root = tempDir();
    out = tempDir();
    writeTree(root, runs());
    await fetchStage(settings(AS_OF));
  });

  it('keeps the first sighting of a regression from the snapshot before', async () => {
    const first = await analyzeStage(settings(new Date(AS_OF_MS - HOUR)));
    const second = await analyzeStage(settings(AS_OF));
    expect(second.snapshot.regressions!.settings.previousSnapshot).toBe(first.snapshot.id);
    const before = first.snapshot.regressions!.tests.find((r) => r.mode === 'ratchet')!;
    const now = second.snapshot.regressions!.tests.find((r) => r.id === before.id)!;
    expect(now).toMatchObject({ status: 'open', firstSeen: first.snapshot.asOf });
  });

  it('reports an unreadable older snapshot and compares with the next older one', async () => {
    const bad = path.join(out, 'snapshots', '2026-11-28T0530Z');
    mkdirSync(bad, { recursive: true });
    writeFileSync(path.join(bad, 'snapshot.json'), '{"schemaVersion": 1');
    const { snapshot } = await analyzeStage(settings(AS_OF));
    expect(snapshot.regressions!.settings.previousSnapshot).toBe('2026-11-28T0500Z');
    const problem = snapshot.dataQuality.problems.find((p) => p.object === 'snapshots/2026-11-28T0530Z/snapshot.json')!;
    expect(problem.kind).toBe('parse');
    expect(problem.reason).toMatch(/could not be read.*older snapshot instead/);
  });

  it('reads the historical disruption basis named in the config, relative to the config directory', async () => {
    writeFileSync(
      path.join(out, 'history.json'),
      JSON.stringify([
        {
          BackendName: 'kube-api-new-connections',
          Release: '4.22',
          FromRelease: '4.22',
          Platform: 'aws',
          Architecture: 'amd64',
          Network: 'ovn',
          Topology: 'ha',
          MasterNodesUpdated: 'Y',
          JobRuns: 300,
          P50: '0.0',
          P75: '0.0',
          P95: '1.0',
          P99: '2.0',
        },
      ]),
    );
    const config = { disruption: { historicalBasis: 'history.json' } };
    const { snapshot } = await analyzeStage(settings(AS_OF, config));
    const cell = snapshot.disruption!.find((c) => c.backend === 'kube-api-new-connections')!;
    expect(cell.basisKind).toBe('historical');
    expect(cell.historical!.file).toBe('history.json');
    await expect(analyzeStage(settings(AS_OF, { disruption: { historicalBasis: 'missing.json' } }))).rejects.toThrow(
      /disruption\.historicalBasis .*missing\.json could not be read/,
    );
  });
});
