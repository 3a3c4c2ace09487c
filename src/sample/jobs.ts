/**
 * The jobs of the sample bucket. Periodic job names are real (each is checked against the sippy
 * file named in `source` by extract-raw.ts); the presubmit name follows ci-operator's
 * `pull-ci-<org>-<repo>-<branch>-<test>` convention, as no presubmit names are in the real data.
 */

export type Platform = 'aws' | 'azure' | 'gcp' | 'metal' | 'vsphere';
type Stream = 'nightly' | 'ci' | 'presubmit';
export type UpgradeKind = 'none' | 'micro' | 'minor';

export interface JobDef {
  name: string;
  kind: 'periodic' | 'presubmit';
  /** Which payload stream triggers the job (the release controller starts every job of a payload together). */
  stream: Stream;
  /** ci-operator test name: the `<target>` directory under artifacts/. */
  target: string;
  platform: Platform;
  suite: 'parallel' | 'serial';
  upgrade: UpgradeKind;
  /** Multiplier on the real e2e-aws-csi run durations (see cadence in catalog.ts). */
  durationFactor: number;
  /** Build-farm cluster the job runs on (goes into prowjob.json spec.cluster). */
  cluster: string;
  region: string;
  zone: string;
}

export const PERIODIC_JOB_SOURCES: ReadonlyArray<{ name: string; source: string }> = [
  { name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-fips', source: 'openshift/sippy/config/openshift.nightly-jobs.txt' },
  { name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-metal-ipi-ovn-ipv4', source: 'openshift/sippy/config/openshift.blocking-jobs.txt' },
  { name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-vsphere-ovn', source: 'openshift/sippy/config/openshift.nightly-jobs.txt' },
  { name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-serial-1of2', source: 'openshift/sippy/config/openshift.release-job-kinds.tsv' },
  { name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-gcp-ovn-upgrade', source: 'openshift/sippy/config/openshift.nightly-jobs.txt' },
  { name: 'periodic-ci-openshift-release-main-ci-4.22-e2e-aws-ovn', source: 'openshift/sippy/config/openshift.informing-jobs.txt' },
  { name: 'periodic-ci-openshift-release-main-ci-4.22-e2e-azure-ovn-upgrade', source: 'openshift/sippy/config/openshift.blocking-jobs.txt' },
  {
    name: 'periodic-ci-openshift-release-main-ci-4.22-upgrade-from-stable-4.21-e2e-aws-ovn-upgrade',
    source: 'openshift/sippy/config/openshift.blocking-jobs.txt',
  },
];

export const PRESUBMIT_JOB = 'pull-ci-openshift-origin-main-e2e-aws-ovn';

export const JOBS: readonly JobDef[] = [
  {
    name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-fips',
    kind: 'periodic',
    stream: 'nightly',
    target: 'e2e-aws-ovn-fips',
    platform: 'aws',
    suite: 'parallel',
    upgrade: 'none',
    durationFactor: 1.05,
    cluster: 'build05',
    region: 'us-east-1',
    zone: 'us-east-1a',
  },
  {
    name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-metal-ipi-ovn-ipv4',
    kind: 'periodic',
    stream: 'nightly',
    target: 'e2e-metal-ipi-ovn-ipv4',
    platform: 'metal',
    suite: 'parallel',
    upgrade: 'none',
    durationFactor: 1.55,
    cluster: 'build05',
    region: '',
    zone: '',
  },
  {
    name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-vsphere-ovn',
    kind: 'periodic',
    stream: 'nightly',
    target: 'e2e-vsphere-ovn',
    platform: 'vsphere',
    suite: 'parallel',
    upgrade: 'none',
    durationFactor: 1.15,
    cluster: 'vsphere02',
    region: '',
    zone: '',
  },
  {
    name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-aws-ovn-serial-1of2',
    kind: 'periodic',
    stream: 'nightly',
    target: 'e2e-aws-ovn-serial-1of2',
    platform: 'aws',
    suite: 'serial',
    upgrade: 'none',
    durationFactor: 1.35,
    cluster: 'build05',
    region: 'us-west-2',
    zone: 'us-west-2b',
  },
  {
    name: 'periodic-ci-openshift-release-main-nightly-4.22-e2e-gcp-ovn-upgrade',
    kind: 'periodic',
    stream: 'nightly',
    target: 'e2e-gcp-ovn-upgrade',
    platform: 'gcp',
    suite: 'parallel',
    upgrade: 'micro',
    durationFactor: 1.9,
    cluster: 'build02',
    region: 'us-central1',
    zone: 'us-central1-b',
  },
  {
    name: 'periodic-ci-openshift-release-main-ci-4.22-e2e-aws-ovn',
    kind: 'periodic',
    stream: 'ci',
    target: 'e2e-aws-ovn',
    platform: 'aws',
    suite: 'parallel',
    upgrade: 'none',
    durationFactor: 1.0,
    cluster: 'build03',
    region: 'us-east-2',
    zone: 'us-east-2a',
  },
  {
    name: 'periodic-ci-openshift-release-main-ci-4.22-e2e-azure-ovn-upgrade',
    kind: 'periodic',
    stream: 'ci',
    target: 'e2e-azure-ovn-upgrade',
    platform: 'azure',
    suite: 'parallel',
    upgrade: 'micro',
    durationFactor: 2.0,
    cluster: 'build01',
    region: 'centralus',
    zone: 'centralus-1',
  },
  {
    name: 'periodic-ci-openshift-release-main-ci-4.22-upgrade-from-stable-4.21-e2e-aws-ovn-upgrade',
    kind: 'periodic',
    stream: 'ci',
    target: 'e2e-aws-ovn-upgrade',
    platform: 'aws',
    suite: 'parallel',
    upgrade: 'minor',
    durationFactor: 2.3,
    cluster: 'build03',
    region: 'us-east-1',
    zone: 'us-east-1c',
  },
  {
    name: PRESUBMIT_JOB,
    kind: 'presubmit',
    stream: 'presubmit',
    target: 'e2e-aws-ovn',
    platform: 'aws',
    suite: 'parallel',
    upgrade: 'none',
    durationFactor: 1.05,
    cluster: 'build03',
    region: 'us-east-1',
    zone: 'us-east-1b',
  },
];

export function jobByName(name: string): JobDef {
  const job = JOBS.find((j) => j.name === name);
  if (!job) throw new Error(`unknown sample job ${name}`);
  return job;
}
