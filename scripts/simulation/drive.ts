/**
 * Drives the real analysis over a CI model as the report's schedule would: one snapshot every
 * `everyHours` from `from` to `to`, each analysed with the newest snapshot before it (so lifecycle,
 * hysteresis and frozen bases carry over exactly as in production), and records what each snapshot
 * displayed. metrics.ts turns the record into the figures the targets are about.
 */
import { analyze } from '../../src/analysis/analyze.ts';
import type { RatchetConfigInput } from '../../src/config/config-schema.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { resolveAnalysisPlan } from '../../src/config/run-plan.ts';
import { variantKey, variantsFromJobName } from '../../src/ingest/variants.ts';
import type { Snapshot } from '../../src/snapshot/schema.ts';
import type { CiModel } from './ci-model.ts';

const HOUR = 3_600_000;

/** One displayed regression, reduced to what the metrics need. */
interface Shown {
  /** test:<t>/<job> or disruption:<backend>/<job>, or job:<job>; the job is -1 when the group is not one job. */
  cell: string;
  status: 'new' | 'open';
  id: string;
}

export interface SnapshotRecord {
  asOf: number;
  shown: Shown[];
  /** Test cells in the report's family (m), for scale. */
  tested: number;
  ms: number;
}

export interface DriveOptions {
  model: CiModel;
  config?: RatchetConfigInput;
  from: number;
  to: number;
  everyHours?: number;
  /** Which mode's regressions count as displayed (default ratchet). */
  mode?: 'ratchet' | 'compatible';
  onSnapshot?: (record: SnapshotRecord, snapshot: Snapshot) => void;
}

export async function drive(options: DriveOptions): Promise<SnapshotRecord[]> {
  const { model } = options;
  const config = configSchema.parse(options.config ?? {});
  const mode = options.mode ?? 'ratchet';
  const jobOfGroup = new Map<string, number>();
  model.jobNames.forEach((name, j) => {
    jobOfGroup.set(name, j);
    const key = variantKey(variantsFromJobName(name));
    jobOfGroup.set(key, jobOfGroup.has(key) ? -1 : j);
  });
  const testOfName = new Map(model.testNames.map((name, t) => [name, t]));
  const backendOfName = new Map(model.backendNames.map((name, b) => [name, b]));
  const out: SnapshotRecord[] = [];
  let previous: Snapshot | null = null;
  const every = (options.everyHours ?? 2) * HOUR;
  for (let asOf = options.from; asOf <= options.to; asOf += every) {
    const plan = resolveAnalysisPlan(config, new Date(asOf));
    const started = performance.now();
    const snapshot: Snapshot = await analyze({
      runs: model.runsFinishedBetween(plan.windows.lookbackStart, asOf),
      plan,
      previous,
      source: 'simulation',
      bucket: 'test-platform-results',
    });
    const ms = performance.now() - started;
    const shown: Shown[] = [];
    const regressions = snapshot.regressions!;
    for (const r of regressions.tests) {
      if (r.mode !== mode || r.status === 'resolved') continue;
      shown.push({ cell: `test:${testOfName.get(r.name)}/${jobOfGroup.get(r.group) ?? -1}`, status: r.status, id: r.id });
    }
    for (const r of regressions.disruption) {
      if (r.mode !== mode || r.status === 'resolved') continue;
      shown.push({ cell: `disruption:${backendOfName.get(r.backend)}/${jobOfGroup.get(r.variantKey) ?? -1}`, status: r.status, id: r.id });
    }
    for (const r of regressions.jobs) {
      if (r.mode !== mode || r.status === 'resolved') continue;
      shown.push({ cell: `job:${jobOfGroup.get(r.job) ?? -1}`, status: r.status, id: r.id });
    }
    const record = { asOf, shown, tested: regressions.summary.testCellsTested, ms };
    out.push(record);
    options.onSnapshot?.(record, snapshot);
    previous = snapshot;
  }
  return out;
}
