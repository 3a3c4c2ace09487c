/**
 * Constants the tests share: time units, the instant they analyse at, the default job-status thresholds and
 * the names of a bucket and of the jobs most tests use. Durations without a suffix are milliseconds (Date
 * arithmetic); `_S` ones are seconds, as Prow's started.json and finished.json count time.
 */

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const DAY_S = 86_400;

/** The instant most tests analyse at: the bundled sample's end and as-of (data/sample/ratchet.config.json). */
export const AS_OF_ISO = '2026-11-28T06:00:00Z';
export const AS_OF_MS = Date.parse(AS_OF_ISO);
/** As a Date, for the run plan and the stages (never mutated: a fresh `new Date(AS_OF_MS)` where one is). */
export const AS_OF = new Date(AS_OF_MS);
/** In seconds, the unit of the run trees the tests write. */
export const AS_OF_S = AS_OF_MS / 1000;

/** The bucket the GCS tests serve (OpenShift's real one, by name only). */
export const BUCKET = 'test-platform-results';
export const JOB = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn';
export const UPGRADE_JOB = 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-upgrade';
export const PRESUBMIT_JOB = 'pull-ci-openshift-origin-main-e2e-aws-ovn';
