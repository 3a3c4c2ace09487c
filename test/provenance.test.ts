/**
 * Provenance: a snapshot records what it was computed from. Each run's digest covers every object read (name,
 * generation, size, checksum: the source's when it checked one against a listed generation, else sha-256): rewriting
 * one object changes that run's digest and the inputs digest, and nothing else; the settings hash ignores paths and the as-of instant but not a threshold.
 */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFromConfig } from '../src/config/run-plan.ts';
import { checksummed, type ChecksummedBytes } from '../src/ingest/object-digest.ts';
import { analyzeStage, fetchStage } from '../src/pipeline.ts';
import type { ObjectBytes, ObjectInfo } from '../src/source/source.ts';
import { snapshotSchema } from '../src/snapshot/schema.ts';
import { AS_OF_ISO, AS_OF_S, DAY_S, JOB } from './support/constants.ts';
import { writeTree, tempDir } from './support/prow-tree.ts';

async function snapshotOf(tree: string, out: string) {
  const plan = planFromConfig({ source: tree }, { out, asOf: AS_OF_ISO, quiet: true, workers: '0' });
  await fetchStage(plan);
  return (await analyzeStage(plan)).snapshot;
}

describe('provenance', () => {
  it('records a digest per run over every object read, the version and the settings hash; a rewritten object changes only its run', async () => {
    const tree = tempDir('ratchet-prov-tree-');
    const folders = writeTree(
      tree,
      [0, 1, 2].map((i) => ({
        job: JOB,
        buildId: String(1900000000000000000n + BigInt(i)),
        start: AS_OF_S - DAY_S - i * 7200,
        tests: [{ name: 'a test', status: 'pass' as const }],
      })),
    );
    const first = await snapshotOf(tree, tempDir('ratchet-prov-out-'));
    const provenance = snapshotSchema.parse(first).provenance!;
    expect(provenance.ratchetVersion).toBe(first.generator.version);
    expect(provenance.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(provenance.runs).toBe(3);
    // started.json, finished.json, prowjob.json and the JUnit file of each run; never the build log.
    expect(provenance.objects).toBe(12);
    expect(Object.keys(provenance.runDigests)).toEqual(folders.map((f) => f.split('/').slice(1, 3).join('/')).sort());
    for (const digest of Object.values(provenance.runDigests)) expect(digest).toMatch(/^[0-9a-f]{32}$/);

    // The same inputs again: the same digests.
    const again = await snapshotOf(tree, tempDir('ratchet-prov-out-'));
    expect(again.provenance).toEqual(provenance);

    // One object rewritten with other bytes of the same size, and its time put back: the checksum still tells.
    const junit = path.join(tree, folders[1]!, 'artifacts/e2e/openshift-e2e-test/artifacts/junit/junit_e2e__20261120-010203.xml');
    const before = statSync(junit);
    writeFileSync(junit, readFileSync(junit, 'utf8').replace('time="1.5"', 'time="1.6"'));
    utimesSync(junit, before.atime, before.mtime);
    const changed = (await snapshotOf(tree, tempDir('ratchet-prov-out-'))).provenance!;
    const run = folders[1]!.split('/').slice(1, 3).join('/');
    expect(changed.runDigests[run]).not.toBe(provenance.runDigests[run]);
    for (const other of Object.keys(provenance.runDigests).filter((k) => k !== run)) expect(changed.runDigests[other]).toBe(provenance.runDigests[other]);
    expect(changed.inputsDigest).not.toBe(provenance.inputsDigest);
    expect(changed.configHash).toBe(provenance.configHash);
  });

  it("takes an object's checksum from the source when its listing pins the version, and hashes the bytes otherwise", async () => {
    const bytesOf = (checksum?: string, generation = '1700000000000001'): ObjectBytes =>
      Object.assign(
        (async function* () {
          yield Buffer.from('abc');
        })(),
        checksum === undefined ? {} : { checksum, generation },
      );
    const drained = async (read: ChecksummedBytes): Promise<string> => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of read.bytes) chunks.push(chunk);
      return Buffer.concat(chunks).toString();
    };
    const listed: ObjectInfo = { name: 'logs/job/1/started.json', size: 3, generation: '1700000000000001' };
    // GCS: the listed generation, served, and the crc32c the read was checked against pin the bytes.
    const pinned = checksummed(bytesOf('crc32c:Nks/tw=='), listed);
    expect(await drained(pinned)).toBe('abc');
    expect(pinned.checksum()).toBe('crc32c:Nks/tw==');
    // No listing entry, no generation listed, another generation served (rewritten since the listing), or nothing
    // checked (a local file, validation off, a streamed object): the sha-256 of what was read.
    const sha256OfAbc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    for (const [read, entry] of [
      [bytesOf('crc32c:Nks/tw=='), undefined],
      [bytesOf('crc32c:Nks/tw=='), { name: listed.name, size: 3 }],
      [bytesOf('crc32c:Nks/tw==', '1700000000000002'), listed],
      [bytesOf(), listed],
    ] as const) {
      const hashed = checksummed(read, entry);
      expect(await drained(hashed)).toBe('abc');
      expect(hashed.checksum()).toBe(sha256OfAbc);
    }
  });

  it('hashes the settings that decide the result: not paths, the as-of instant or transport settings', () => {
    const hash = (config: object, flags: object = {}) => planFromConfig(config, flags).configHash;
    const base = hash({ source: '/data/bucket' }, { out: '/tmp/a', asOf: AS_OF_ISO });
    expect(hash({ source: '/elsewhere/bucket', gcs: { concurrency: 8 } }, { out: '/tmp/b', cache: '/tmp/c', asOf: '2026-12-01T00:00:00Z' })).toBe(base);
    expect(hash({ source: '/data/bucket', archive: { store: '/tmp/store' } })).toBe(base);
    expect(hash({ source: '/data/bucket', thresholds: { passing: 0.9 } })).not.toBe(base);
    expect(hash({ source: 'gs://test-platform-results' })).not.toBe(base);
  });
});
