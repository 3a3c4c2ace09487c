/**
 * cluster-data_<ts>.json written by openshift/origin's test runner: what the cluster under test
 * was. Its values override the variants guessed from the job name (see the variants module).
 */
import { z } from 'zod';
import { parseJsonDocument } from './run-metadata.ts';

export interface ClusterData {
  release?: string;
  fromRelease?: string;
  platform?: string;
  architecture?: string;
  network?: string;
  topology?: string;
  networkStack?: string;
  cloudRegion?: string;
  cloudZone?: string;
  /** "Y" or "N" as written. */
  masterNodesUpdated?: string;
}

/** File key → our key. */
const FIELDS = {
  Release: 'release',
  FromRelease: 'fromRelease',
  Platform: 'platform',
  Architecture: 'architecture',
  Network: 'network',
  Topology: 'topology',
  NetworkStack: 'networkStack',
  CloudRegion: 'cloudRegion',
  CloudZone: 'cloudZone',
  MasterNodesUpdated: 'masterNodesUpdated',
} as const satisfies Record<string, keyof ClusterData>;

const optionalText = z.string().nullable().optional();

const ClusterDataSchema = z.looseObject(
  Object.fromEntries(Object.keys(FIELDS).map((key) => [key, optionalText])) as Record<keyof typeof FIELDS, typeof optionalText>,
);

/**
 * Parse a cluster-data file. Missing, null and empty fields are left out (Go writes "" for what
 * it could not determine, which must not override a variant). Throws on invalid JSON or a field
 * of the wrong type.
 */
export function parseClusterData(text: string): ClusterData {
  const doc = parseJsonDocument(text, ClusterDataSchema, 'cluster-data file');
  const out: ClusterData = {};
  for (const [fileKey, ourKey] of Object.entries(FIELDS) as [keyof typeof FIELDS, keyof ClusterData][]) {
    const value = doc[fileKey]?.trim();
    if (value !== undefined && value !== '') out[ourKey] = value;
  }
  return out;
}
