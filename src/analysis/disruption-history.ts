/**
 * origin's historical disruption percentiles (pkg/monitortestlibrary/allowedbackenddisruption/
 * query_results.json): one record per backend × release × from-release × platform × architecture ×
 * network × topology, with P50/P75/P95/P99 seconds as strings. Pure: the caller reads the file.
 */
import { z } from 'zod';
import type { Variants } from '../ingest/run-record.ts';

export interface HistoricalRecord {
  backend: string;
  release: string;
  fromRelease: string;
  platform: string;
  architecture: string;
  network: string;
  topology: string;
  masterNodesUpdated: string | null;
  jobRuns: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}

const seconds = z.union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'expected a number of seconds such as "2.8"')]).transform(Number);

const recordSchema = z.object({
  BackendName: z.string().min(1),
  Release: z.string(),
  FromRelease: z.string(),
  Platform: z.string(),
  Architecture: z.string(),
  Network: z.string(),
  Topology: z.string(),
  MasterNodesUpdated: z.string().nullable().optional(),
  JobRuns: z.number().int().min(0),
  P50: seconds,
  P75: seconds,
  P95: seconds,
  P99: seconds,
});

/**
 * Validates and normalises the file's JSON.
 * @throws Error naming the file, the record and the field, when the content is not in that format.
 */
export function parseHistoricalDisruption(json: unknown, file: string): HistoricalRecord[] {
  if (!Array.isArray(json)) {
    throw new Error(
      `disruption history ${file}: expected a JSON array of records in origin's query_results.json format, got ${json === null ? 'null' : typeof json}`,
    );
  }
  return json.map((raw, i) => {
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(
        `disruption history ${file}: record ${i}: ${issue.path.join('.') || '(record)'}: ${issue.message}; each record needs BackendName, Release, FromRelease, Platform, Architecture, Network, Topology, JobRuns and P50/P75/P95/P99 (fix or remove disruption.historicalBasis)`,
      );
    }
    const r = parsed.data;
    return {
      backend: r.BackendName,
      release: r.Release,
      fromRelease: r.FromRelease,
      platform: r.Platform,
      architecture: r.Architecture,
      network: r.Network,
      topology: r.Topology,
      masterNodesUpdated: r.MasterNodesUpdated ?? null,
      jobRuns: r.JobRuns,
      p50: r.P50,
      p75: r.P75,
      p95: r.P95,
      p99: r.P99,
    };
  });
}

/**
 * The record for a backend and a variant group: release, from-release (empty unless an upgrade),
 * platform, architecture, network and topology must all match. When several do (origin splits
 * upgrades by whether the masters were updated), the one with the most runs wins.
 */
export class HistoricalIndex {
  readonly #byKey = new Map<string, HistoricalRecord>();

  constructor(records: readonly HistoricalRecord[]) {
    for (const r of records) {
      const key = keyOf(r.backend, r.release, r.fromRelease, r.platform, r.architecture, r.network, r.topology);
      const held = this.#byKey.get(key);
      if (!held || r.jobRuns > held.jobRuns || (r.jobRuns === held.jobRuns && (r.masterNodesUpdated ?? '') > (held.masterNodesUpdated ?? '')))
        this.#byKey.set(key, r);
    }
  }

  get size(): number {
    return this.#byKey.size;
  }

  find(backend: string, v: Variants): HistoricalRecord | undefined {
    if (!v.release || !v.platform || !v.architecture || !v.network || !v.topology) return undefined;
    const fromRelease = v.upgrade ? (v.fromRelease ?? '') : '';
    return this.#byKey.get(keyOf(backend, v.release, fromRelease, v.platform, v.architecture, v.network, v.topology));
  }
}

function keyOf(...parts: string[]): string {
  return parts.map((p) => p.toLowerCase()).join('\u0000');
}
