/**
 * started.json, finished.json and prowjob.json parse leniently but type-checked, and decide a
 * run's result, whether it is final, and its times, for sidecar, crier and unfinished runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFinishedJson, parseProwJob, parseStartedJson, resolveRunOutcome, type ProwJobInfo } from '../src/ingest/run-metadata.ts';

const readFixture = (rel: string): string => readFileSync(new URL(`./fixtures/prow/${rel}`, import.meta.url), 'utf8');

describe('parseStartedJson', () => {
  it('reads timestamp, repos, node and metadata, tolerating deprecated fields', () => {
    expect(parseStartedJson(readFixture('e2e-run/started.json'))).toEqual({
      timestamp: 1777642145,
      repos: { 'openshift/release': 'main' },
      metadata: { pod: 'ac4fd2b8-4b8d-41e1-8e3c-2d1c32f1a9c0' },
      node: 'build05-worker-c-9xk2p',
    });
  });

  it('reads pull and repo-commit of a presubmit', () => {
    const text = '{"timestamp": 1716391473, "pull": "8123", "repos": {"openshift/installer": "master:6f1b3c0d,8123:0a1b2c3d"}, "repo-commit": "0a1b2c3d"}';
    expect(parseStartedJson(text)).toEqual({
      timestamp: 1716391473,
      pull: '8123',
      repos: { 'openshift/installer': 'master:6f1b3c0d,8123:0a1b2c3d' },
      'repo-commit': '0a1b2c3d',
    });
  });

  it.each([
    ['', /^started\.json: the file is empty$/],
    ['{"timestamp": ', /^started\.json: not valid JSON/],
    ['{}', /^started\.json: unexpected content: timestamp: missing \(expected number\)$/],
    ['{"timestamp": "1714557600"}', /timestamp: .*expected number, received string/],
    ['{"timestamp": 1714557600000}', /timestamp: expected epoch seconds/],
    ['{"timestamp": 1714557600, "repos": {"openshift/origin": 5}}', /repos\["openshift\/origin"\]: .*expected string/],
    ['{"timestamp": 1714557600, "pull": 8123}', /pull: .*expected string, received number/],
  ])('rejects %j naming the field', (text, why) => {
    expect(() => parseStartedJson(text)).toThrow(why);
  });
});

describe('parseFinishedJson', () => {
  it('reads the sidecar form (upper-case result)', () => {
    expect(parseFinishedJson(readFixture('e2e-run/finished.json'))).toEqual({
      timestamp: 1777650502,
      passed: true,
      result: 'SUCCESS',
      metadata: { 'work-namespace': 'ci-op-4x7wq2lz' },
    });
    expect(parseFinishedJson(readFixture('upgrade-run/finished.json'))).toMatchObject({ passed: false, result: 'FAILURE' });
  });

  it('reads the crier form (lower-case result, no timestamp, uploader metadata)', () => {
    expect(parseFinishedJson(readFixture('finished-crier-error.json'))).toEqual({
      passed: false,
      result: 'error',
      metadata: { uploader: 'crier' },
    });
  });

  it('accepts passed: null and a file with only passed', () => {
    expect(parseFinishedJson('{"timestamp": 1714568400, "passed": null}')).toEqual({ timestamp: 1714568400, passed: null });
    expect(parseFinishedJson(readFixture('finished-passed-only.json'))).toEqual({ timestamp: 1714568400, passed: true });
  });

  it.each([
    ['{"passed": "true"}', /^finished\.json: unexpected content: passed: .*expected boolean/],
    ['{"result": 1}', /result: .*expected string/],
    ['null', /\(top level\): .*expected object/],
  ])('rejects %j naming the field', (text, why) => {
    expect(() => parseFinishedJson(text)).toThrow(why);
  });
});

describe('parseProwJob', () => {
  it('reads a periodic with its release tag annotation', () => {
    const job = parseProwJob(readFixture('e2e-run/prowjob.json'));
    expect(job).toMatchObject({
      type: 'periodic',
      job: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-csi',
      state: 'success',
      startTime: '2026-05-01T13:29:05Z',
      completionTime: '2026-05-01T15:48:22Z',
      buildId: '2050206087717588992',
      url: 'https://prow.ci.openshift.org/view/gs/test-platform-results/logs/periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-csi/2050206087717588992',
      payloadTag: '4.22.0-0.nightly-2026-05-01-132406',
    });
    expect(job.fromPayloadTag).toBeUndefined();
    expect(job.pull).toBeUndefined();
    expect(job.labels?.['ci.openshift.io/release-type']).toBe('informing');
    expect(job.annotations?.['release.openshift.io/source']).toBe('ocp/4.22-art-latest');
  });

  it('reads both release tags of an upgrade job', () => {
    expect(parseProwJob(readFixture('upgrade-run/prowjob.json'))).toMatchObject({
      job: 'periodic-ci-openshift-release-master-nightly-4.16-e2e-gcp-ovn-upgrade',
      state: 'failure',
      payloadTag: '4.16.0-0.nightly-2024-05-01-111315',
      fromPayloadTag: '4.16.0-0.nightly-2024-04-30-053518',
    });
  });

  it('reads a pending presubmit: pull number, no completion time', () => {
    const job = parseProwJob(readFixture('prowjob-pending-presubmit.json'));
    expect(job).toMatchObject({ type: 'presubmit', state: 'pending', pull: 8123, buildId: '1793321198730387456' });
    expect(job.completionTime).toBeUndefined();
    expect(job.payloadTag).toBeUndefined();
  });

  it('falls back to the build-id label when status has no build_id', () => {
    const text = JSON.stringify({ metadata: { labels: { 'prow.k8s.io/build-id': '1785628740921495552' } }, status: { state: 'triggered' } });
    expect(parseProwJob(text)).toEqual({ state: 'triggered', buildId: '1785628740921495552', labels: { 'prow.k8s.io/build-id': '1785628740921495552' } });
  });

  it.each([
    ['{"spec": {"type": "nightly"}}', /^prowjob\.json: unexpected content: spec\.type: .*"periodic"/],
    ['{"status": {"startTime": "yesterday"}}', /status\.startTime: expected an RFC 3339 time/],
    ['{"spec": {"refs": {"pulls": [{"number": "8123"}]}}}', /spec\.refs\.pulls\[0\]\.number: .*expected number/],
    ['{"metadata": {"annotations": {"release.openshift.io/tag": 4.16}}}', /metadata\.annotations\["release\.openshift\.io\/tag"\]: .*expected string/],
    ['<html>', /^prowjob\.json: not valid JSON/],
  ])('rejects %j naming the field', (text, why) => {
    expect(() => parseProwJob(text)).toThrow(why);
  });
});

describe('resolveRunOutcome', () => {
  const started = parseStartedJson(readFixture('upgrade-run/started.json'));
  const upgradeJob = parseProwJob(readFixture('upgrade-run/prowjob.json'));
  const pendingJob = parseProwJob(readFixture('prowjob-pending-presubmit.json'));

  it('a sidecar finished.json decides, with times from the epoch timestamps', () => {
    expect(
      resolveRunOutcome({
        started: parseStartedJson(readFixture('e2e-run/started.json')),
        finished: parseFinishedJson(readFixture('e2e-run/finished.json')),
        prowjob: parseProwJob(readFixture('e2e-run/prowjob.json')),
      }),
    ).toEqual({ result: 'success', final: true, started: '2026-05-01T13:29:05.000Z', finished: '2026-05-01T15:48:22.000Z' });
    expect(resolveRunOutcome({ started, finished: parseFinishedJson(readFixture('upgrade-run/finished.json')) })).toEqual({
      result: 'failure',
      final: true,
      started: '2024-05-01T10:00:00.000Z',
      finished: '2024-05-01T13:00:00.000Z',
    });
  });

  it.each([
    ['SUCCESS', 'success'],
    ['FAILURE', 'failure'],
    ['ABORTED', 'aborted'],
    ['success', 'success'],
    ['failure', 'failure'],
    ['aborted', 'aborted'],
    ['error', 'error'],
    ['Error', 'error'],
  ] as const)('result %s is %s', (result, expected) => {
    expect(resolveRunOutcome({ started, finished: { timestamp: 1714568400, passed: false, result } }).result).toBe(expected);
  });

  it("crier's finished.json: lower-case result; without a timestamp the end time is the ProwJob's completion", () => {
    expect(resolveRunOutcome({ started, finished: parseFinishedJson(readFixture('finished-crier.json')) })).toEqual({
      result: 'aborted',
      final: true,
      started: '2024-05-01T10:00:00.000Z',
      finished: '2024-05-01T13:00:12.000Z',
    });
    expect(resolveRunOutcome({ finished: parseFinishedJson(readFixture('finished-crier-error.json')), prowjob: upgradeJob })).toEqual({
      result: 'error',
      final: true,
      started: '2024-05-01T10:00:00.000Z',
      finished: '2024-05-01T13:00:12.000Z',
    });
  });

  it('passed decides when there is no result: true is success, false is failure', () => {
    expect(resolveRunOutcome({ finished: parseFinishedJson(readFixture('finished-passed-only.json')) }).result).toBe('success');
    expect(resolveRunOutcome({ finished: { timestamp: 1714568400, passed: false } }).result).toBe('failure');
  });

  it('a finished.json with neither result nor passed takes a final ProwJob state, else error', () => {
    expect(resolveRunOutcome({ finished: { passed: null }, prowjob: upgradeJob })).toMatchObject({ result: 'failure', final: true });
    expect(resolveRunOutcome({ finished: { passed: null } })).toEqual({ result: 'error', final: true, started: null, finished: null });
  });

  it.each(['pending', 'triggered', 'scheduling'])('no finished.json and ProwJob state %s: pending, not final, no end time', (state) => {
    const prowjob: ProwJobInfo = { ...pendingJob, state };
    expect(resolveRunOutcome({ started, prowjob })).toEqual({ result: 'pending', final: false, started: '2024-05-01T10:00:00.000Z', finished: null });
  });

  it('no finished.json: the start time falls back to the ProwJob start', () => {
    expect(resolveRunOutcome({ prowjob: pendingJob })).toEqual({
      result: 'pending',
      final: false,
      started: '2024-05-22T15:24:33.000Z',
      finished: null,
    });
  });

  it.each(['success', 'failure', 'aborted', 'error'] as const)('no finished.json but a final ProwJob state %s: that result, final', (state) => {
    expect(resolveRunOutcome({ started, prowjob: { ...upgradeJob, state } })).toEqual({
      result: state,
      final: true,
      started: '2024-05-01T10:00:00.000Z',
      finished: '2024-05-01T13:00:12.000Z',
    });
  });

  it('neither finished.json nor prowjob.json: pending, not final', () => {
    expect(resolveRunOutcome({ started })).toEqual({ result: 'pending', final: false, started: '2024-05-01T10:00:00.000Z', finished: null });
    expect(resolveRunOutcome({})).toEqual({ result: 'pending', final: false, started: null, finished: null });
  });
});
