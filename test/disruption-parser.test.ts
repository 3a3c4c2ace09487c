/**
 * backend-disruption files parse to seconds per backend, an upgrade run's two files combine with
 * each file rounded up to whole seconds, and malformed files are rejected with the field named.
 * Also covers the cluster-data file written next to them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseClusterData } from '../src/ingest/cluster-data.ts';
import { combineDisruption, parseDisruptionFile } from '../src/ingest/disruption-parser.ts';

const readFixture = (rel: string): string => readFileSync(new URL(`./fixtures/prow/upgrade-run/${rel}`, import.meta.url), 'utf8');

const FIRST = 'backend-disruption_20240501-103512.json';
const SECOND = 'backend-disruption_20240501-123040.json';

describe('parseDisruptionFile', () => {
  it('reads every backend with its connection type and Go duration in seconds', () => {
    expect(parseDisruptionFile(readFixture(FIRST))).toEqual([
      { backend: 'cache-kube-api-new-connections', connectionType: 'New', seconds: 0 },
      { backend: 'ingress-to-console-new-connections', connectionType: 'New', seconds: 2.300000001 },
      { backend: 'kube-api-new-connections', connectionType: 'New', seconds: 63.2 },
      { backend: 'kube-api-reused-connections', connectionType: 'Reused', seconds: 0.85 },
      { backend: 'openshift-api-reused-connections', connectionType: 'Reused', seconds: 0 },
    ]);
  });

  it('names a backend by BackendName, else its map key, else Name', () => {
    const text = JSON.stringify({
      BackendDisruptions: {
        'key-a': { Name: 'name-a', BackendName: 'backend-a', DisruptedDuration: '1s' },
        'key-b': { Name: 'name-b', BackendName: '', DisruptedDuration: '2s' },
        '': { Name: 'name-c', DisruptedDuration: '3s' },
      },
    });
    expect(parseDisruptionFile(text)).toEqual([
      { backend: 'backend-a', seconds: 1 },
      { backend: 'key-b', seconds: 2 },
      { backend: 'name-c', seconds: 3 },
    ]);
  });

  it('a file without backends (Go nil map or empty map) has no entries', () => {
    expect(parseDisruptionFile('{"BackendDisruptions": null}')).toEqual([]);
    expect(parseDisruptionFile('{"BackendDisruptions": {}}')).toEqual([]);
  });

  it.each([
    ['', /backend-disruption file: the file is empty/],
    ['{"BackendDisruptions": {', /backend-disruption file: not valid JSON/],
    ['[]', /expected object/],
    ['{"Disruptions": {}}', /unexpected content: BackendDisruptions: missing \(expected object\)/],
    [
      '{"BackendDisruptions": {"kube-api-new-connections": {"BackendName": "kube-api-new-connections"}}}',
      /BackendDisruptions\["kube-api-new-connections"\]\.DisruptedDuration: missing \(expected string\)/,
    ],
    ['{"BackendDisruptions": {"kube-api-new-connections": {"DisruptedDuration": 12.5}}}', /DisruptedDuration: .*expected string, received number/],
    [
      '{"BackendDisruptions": {"oauth-api-new-connections": {"DisruptedDuration": "12 seconds"}}}',
      /BackendDisruptions\["oauth-api-new-connections"\]\.DisruptedDuration: invalid Go duration "12 seconds"/,
    ],
    ['{"BackendDisruptions": {"oauth-api-new-connections": {"DisruptedDuration": "-3s"}}}', /DisruptedDuration is negative \(-3s\)/],
    ['{"BackendDisruptions": {"": {"DisruptedDuration": "3s"}}}', /no BackendName or Name/],
  ])('rejects %j with a message naming the problem', (text, why) => {
    expect(() => parseDisruptionFile(text)).toThrow(why);
  });
});

describe('combineDisruption', () => {
  it("sums an upgrade run's two files per backend, each rounded up to whole seconds, sorted by backend", () => {
    const files = [parseDisruptionFile(readFixture(FIRST)), parseDisruptionFile(readFixture(SECOND))];
    expect(combineDisruption(files)).toEqual([
      { backend: 'cache-kube-api-new-connections', seconds: 0 }, // 0s
      { backend: 'ingress-to-console-new-connections', seconds: 3 }, // ceil(2.300000001) + 0
      { backend: 'kube-api-new-connections', seconds: 77 }, // ceil(63.2) + ceil(12.5) = 64 + 13
      { backend: 'kube-api-reused-connections', seconds: 3 }, // ceil(0.85) + ceil(1.000001) = 1 + 2
      { backend: 'oauth-api-new-connections', seconds: 4 }, // second file only
      { backend: 'openshift-api-reused-connections', seconds: 0 }, // first file only
    ]);
  });

  it('rounds each file up before adding, not the total', () => {
    const half = [{ backend: 'kube-api-new-connections', seconds: 0.5 }];
    expect(combineDisruption([half, half])).toEqual([{ backend: 'kube-api-new-connections', seconds: 2 }]);
  });

  it('no files give no results', () => {
    expect(combineDisruption([])).toEqual([]);
    expect(combineDisruption([[], []])).toEqual([]);
  });
});

describe('parseClusterData', () => {
  it('reads the fields with lower-camel-case keys and ignores fields it does not know', () => {
    expect(parseClusterData(readFixture('cluster-data_20240501-103512.json'))).toEqual({
      release: '4.16',
      fromRelease: '4.16',
      platform: 'gcp',
      architecture: 'amd64',
      network: 'ovn',
      topology: 'ha',
      networkStack: 'IPv4',
      cloudRegion: 'us-central1',
      cloudZone: 'us-central1-a',
      masterNodesUpdated: 'N',
    });
  });

  it('leaves out empty and missing fields', () => {
    const later = parseClusterData(readFixture('cluster-data_20240501-123040.json'));
    expect(later.cloudZone).toBeUndefined();
    expect('cloudZone' in later).toBe(false);
    expect(later.masterNodesUpdated).toBe('Y');
    expect(parseClusterData('{"Platform": "aws", "Network": null}')).toEqual({ platform: 'aws' });
    expect(parseClusterData('{}')).toEqual({});
  });

  it.each([
    ['{"Platform": ', /cluster-data file: not valid JSON/],
    ['[]', /cluster-data file: unexpected content: \(top level\): .*expected object/],
    ['{"Platform": 5}', /cluster-data file: unexpected content: Platform: .*expected string, received number/],
  ])('rejects %j', (text, why) => {
    expect(() => parseClusterData(text)).toThrow(why);
  });
});
