/** Run plans for tests: a config object (defaults for what it leaves out) resolved as the CLI would. */
import type { RatchetConfigInput } from '../../src/config/config-schema.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { type AnalysisPlan, type PlanFlags, type RunPlan, planFromConfig, resolveAnalysisPlan } from '../../src/config/run-plan.ts';
import type { RunCache } from '../../src/ingest/run-cache.ts';
import { analyzeStage, type FetchReport, fetchStage, openCache } from '../../src/pipeline.ts';
import type { BucketSource } from '../../src/source/source.ts';
import { AS_OF } from './constants.ts';

/** The analysis part of a plan at `asOf`. */
export function analysisPlan(asOf: number | string | Date, config: RatchetConfigInput = {}): AnalysisPlan {
  return resolveAnalysisPlan(configSchema.parse(config), new Date(asOf));
}

/** A whole plan: `out` holds snapshots, archive, site and cache; `asOf` as --as-of. */
export function runPlan(options: { out: string; asOf: number | string | Date; config?: RatchetConfigInput; flags?: PlanFlags; baseDir?: string }): RunPlan {
  return planFromConfig(options.config ?? {}, { out: options.out, asOf: new Date(options.asOf).toISOString(), ...options.flags }, options.baseDir);
}

/** A plan together with the source adapter the stages read instead of the plan's own (tests' usual shape). */
export interface Staged {
  plan: RunPlan;
  source: BucketSource;
}

export function staged(
  source: BucketSource,
  options: { out: string; asOf?: number | string | Date; config?: RatchetConfigInput; flags?: PlanFlags; baseDir?: string },
): Staged {
  return { plan: runPlan({ asOf: AS_OF, ...options }), source };
}

export const fetchWith = (s: Staged): Promise<FetchReport> => fetchStage(s.plan, { source: s.source });
export const analyzeWith = (s: Staged): ReturnType<typeof analyzeStage> => analyzeStage(s.plan, { source: s.source });
export const cacheOf = (s: Staged): RunCache => openCache(s.plan, s.source);
