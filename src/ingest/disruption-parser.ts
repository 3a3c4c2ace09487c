/**
 * backend-disruption_<ts>.json files written by openshift/origin's monitors: how long each backend
 * (kube-api-new-connections, ingress-to-console-reused-connections, ...) was unreachable.
 */
import { z } from 'zod';
import { parseGoDuration } from './go-duration.ts';
import type { DisruptionResult } from './run-record.ts';
import { parseJsonDocument } from './run-metadata.ts';

export interface BackendDisruption {
  /** BackendName, else the map key, else Name. */
  backend: string;
  /** "New" or "Reused" when given. */
  connectionType?: string;
  /** Disrupted time in this file, seconds (not rounded). */
  seconds: number;
}

const BackendSchema = z.looseObject({
  Name: z.string().optional(),
  BackendName: z.string().optional(),
  ConnectionType: z.string().optional(),
  DisruptedDuration: z.string(),
});

const DisruptionFileSchema = z.looseObject({
  // A Go nil map marshals as null: no backends were monitored.
  BackendDisruptions: z.record(z.string(), BackendSchema).nullable(),
});

/**
 * Parse one backend-disruption file. Throws an Error naming the backend and field on malformed
 * content (the caller records it as a DataProblem).
 */
export function parseDisruptionFile(text: string): BackendDisruption[] {
  const doc = parseJsonDocument(text, DisruptionFileSchema, 'backend-disruption file');
  const out: BackendDisruption[] = [];
  for (const [key, entry] of Object.entries(doc.BackendDisruptions ?? {})) {
    const backend = nonEmpty(entry.BackendName) ?? nonEmpty(key) ?? nonEmpty(entry.Name);
    if (backend === undefined) {
      throw new Error('backend-disruption file: an entry has an empty key and no BackendName or Name');
    }
    let seconds: number;
    try {
      seconds = parseGoDuration(entry.DisruptedDuration);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`backend-disruption file: BackendDisruptions[${JSON.stringify(key)}].DisruptedDuration: ${why}`);
    }
    if (seconds < 0) {
      throw new Error(`backend-disruption file: BackendDisruptions[${JSON.stringify(key)}].DisruptedDuration is negative (${entry.DisruptedDuration})`);
    }
    const item: BackendDisruption = { backend, seconds };
    const connectionType = nonEmpty(entry.ConnectionType);
    if (connectionType !== undefined) item.connectionType = connectionType;
    out.push(item);
  }
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * A run's disruption per backend: the sum over its files (upgrade jobs write two) of each file's
 * seconds rounded up to whole seconds, as the ci-tools job-run aggregator counts it. Sorted by backend.
 */
export function combineDisruption(files: readonly (readonly Pick<BackendDisruption, 'backend' | 'seconds'>[])[]): DisruptionResult[] {
  const totals = new Map<string, number>();
  for (const file of files) {
    for (const { backend, seconds } of file) {
      totals.set(backend, (totals.get(backend) ?? 0) + Math.ceil(seconds));
    }
  }
  return [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([backend, seconds]) => ({ backend, seconds }));
}
