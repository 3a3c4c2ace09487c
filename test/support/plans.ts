/** Run plans for tests: a config object (defaults for what it leaves out) resolved as the CLI would. */
import type { RatchetConfigInput } from '../../src/config/config-schema.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { type AnalysisPlan, type PlanFlags, type RunPlan, planFromConfig, resolveAnalysisPlan } from '../../src/config/run-plan.ts';

/** The analysis part of a plan at `asOf`. */
export function analysisPlan(asOf: number | string | Date, config: RatchetConfigInput = {}): AnalysisPlan {
  return resolveAnalysisPlan(configSchema.parse(config), new Date(asOf));
}

/** A whole plan: `out` holds snapshots, archive, site and cache; `asOf` as --as-of. */
export function runPlan(options: { out: string; asOf: number | string | Date; config?: RatchetConfigInput; flags?: PlanFlags; baseDir?: string }): RunPlan {
  return planFromConfig(options.config ?? {}, { out: options.out, asOf: new Date(options.asOf).toISOString(), ...options.flags }, options.baseDir);
}
