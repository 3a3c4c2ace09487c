import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Variants } from '../src/ingest/run-record.ts';
import { mergeClusterData, variantKey, variantsFromJobName } from '../src/ingest/variants.ts';

// Real job names, copied from shared/real-data (see test/fixtures/real/PROVENANCE.md).
const REAL = fileURLToPath(new URL('./fixtures/real/openshift/sippy/', import.meta.url));
const lines = (relative: string): string[] =>
  readFileSync(REAL + relative, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

const neverStable = lines('pkg/testidentification/ocp_never_stable.txt');
const nightly = lines('config/openshift.nightly-jobs.txt');
const blocking = lines('config/openshift.blocking-jobs.txt');
// The release-controller status names its jobs only inside Prow URLs: ".../logs/<job>/<build-id>".
const releaseStatusJobs = [
  ...new Set(
    [...readFileSync(`${REAL}pkg/dataloader/releaseloader/OCPCRT-74-pr-test.json`, 'utf8').matchAll(/\/logs\/([^/"]+)\/\d+/g)].map((m) => m[1] as string),
  ),
];
const allReal = [...new Set([...neverStable, ...nightly, ...blocking, ...releaseStatusJobs])];

/** Every "major.minor" in a name, as strings: the test's own reading, independent of the module. */
function versionsIn(name: string): string[] {
  return [...name.matchAll(/(\d+)\.(\d+)/g)].map((m) => `${Number(m[1])}.${Number(m[2])}`);
}
const byVersion = (a: string, b: string): number => {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
};

describe('real job name lists', () => {
  it('holds the counts the provenance states', () => {
    expect(neverStable).toHaveLength(852);
    expect(nightly).toHaveLength(2211);
    expect(blocking).toHaveLength(279);
    expect(releaseStatusJobs).toContain('aggregated-aws-ovn-upgrade-4.13-minor-release-openshift-release-analysis-aggregator');
  });

  it('parses every one of the 852 never-stable names, with a release whenever the name has one', () => {
    let withRelease = 0;
    for (const name of neverStable) {
      const v = variantsFromJobName(name);
      const versions = versionsIn(name);
      if (versions.length > 0) {
        withRelease++;
        // The release is the highest version written in the name, compared as versions.
        expect(v.release, name).toBe([...versions].sort(byVersion).at(-1));
      } else {
        expect(v.release, name).toBeUndefined();
      }
      // Fields with a documented default are always present.
      expect(v.architecture, name).toMatch(/^(amd64|arm64|ppc64le|s390x|multi)$/);
      expect(v.topology, name).toMatch(/^(ha|single|external|compact|two-node-fencing|two-node-arbiter)$/);
      expect(v.installer, name).toMatch(/^(ipi|upi|assisted|agent|hypershift)$/);
      expect(v.aggregated, name).toBe(false);
    }
    expect(withRelease).toBe(823);
  });

  it('parses every nightly and blocking name without throwing', () => {
    for (const name of [...nightly, ...blocking]) expect(() => variantsFromJobName(name), name).not.toThrow();
  });

  it('takes the release of a nightly job from its "nightly-<release>" segment, upgrade or not', () => {
    for (const name of nightly) {
      const stated = /-nightly-(\d+\.\d+)-/.exec(name)?.[1];
      expect(stated, name).toBeDefined();
      expect(variantsFromJobName(name).release, name).toBe(stated);
    }
  });

  it('knows the network of every blocking job: each names a release, so a default applies at worst', () => {
    for (const name of blocking) {
      expect(variantsFromJobName(name).network, name).toMatch(/^(ovn|sdn|cilium)$/);
    }
  });

  it('sets fromRelease only on upgrades, never above the release', () => {
    for (const name of allReal) {
      const v = variantsFromJobName(name);
      if (!v.upgrade) {
        expect(v.fromRelease, name).toBeUndefined();
        continue;
      }
      if (v.fromRelease && v.release) expect(byVersion(v.fromRelease, v.release), name).toBeLessThanOrEqual(0);
      if (v.upgrade === 'micro' && v.release) expect(v.fromRelease, name).toBe(v.release);
    }
  });
});

/**
 * Hand-checked: each expected value below was written by reading the name against the rules, not
 * by running the code. All names occur in the real lists (checked by the first test).
 */
const HAND_CHECKED: ReadonlyArray<readonly [string, Variants]> = [
  // aws, explicit network, serial suite
  [
    'periodic-ci-openshift-release-master-nightly-4.14-e2e-aws-ovn-fips-serial',
    { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.14', suite: 'serial' },
  ],
  // gcp, upi installer
  [
    'periodic-ci-openshift-release-master-nightly-4.13-e2e-gcp-ovn-upi',
    { platform: 'gcp', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'upi', release: '4.13' },
  ],
  // azure, upi
  [
    'periodic-ci-openshift-release-master-nightly-4.12-e2e-azure-ovn-upi',
    { platform: 'azure', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'upi', release: '4.12' },
  ],
  // Azure Stack Hub is azure; no network in the name, 4.14 defaults to ovn
  [
    'periodic-ci-openshift-release-master-nightly-4.14-e2e-azurestack-csi',
    { platform: 'azure', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.14' },
  ],
  // metal, sno in the middle of the name
  [
    'periodic-ci-openshift-release-master-nightly-4.16-e2e-metal-ovn-sno-cert-rotation-shutdown-60d',
    { platform: 'metal', network: 'ovn', architecture: 'amd64', topology: 'single', installer: 'ipi', release: '4.16' },
  ],
  // vsphere, upi and serial together
  [
    'periodic-ci-openshift-release-master-nightly-4.13-e2e-vsphere-ovn-upi-serial',
    { platform: 'vsphere', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'upi', release: '4.13', suite: 'serial' },
  ],
  // ovirt
  [
    'periodic-ci-openshift-release-master-nightly-4.13-e2e-ovirt-ovn',
    { platform: 'ovirt', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.13' },
  ],
  // openstack, shiftstack's own repo
  [
    'periodic-ci-shiftstack-ci-release-4.19-e2e-openstack-ccpmso',
    { platform: 'openstack', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.19' },
  ],
  // libvirt on s390x, serial
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.14-ocp-e2e-serial-ovn-remote-libvirt-s390x',
    { platform: 'libvirt', network: 'ovn', architecture: 's390x', topology: 'ha', installer: 'ipi', release: '4.14', suite: 'serial' },
  ],
  // libvirt on ppc64le
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.16-ocp-e2e-serial-ovn-remote-libvirt-ppc64le',
    { platform: 'libvirt', network: 'ovn', architecture: 'ppc64le', topology: 'ha', installer: 'ipi', release: '4.16', suite: 'serial' },
  ],
  // arm64 spelled out; "multiarch" (the repo) is not the multi architecture
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.13-ocp-jenkins-e2e-aws-ovn-arm64',
    { platform: 'aws', network: 'ovn', architecture: 'arm64', topology: 'ha', installer: 'ipi', release: '4.13' },
  ],
  // a bare "-arm" suffix is arm64 too
  [
    'periodic-ci-ComplianceAsCode-content-master-4.14-e2e-aws-ocp4-moderate-weekly-arm',
    { platform: 'aws', network: 'ovn', architecture: 'arm64', topology: 'ha', installer: 'ipi', release: '4.14' },
  ],
  // heterogeneous code: amd64 control plane, ppc64le + amd64 workers
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.18-ocp-e2e-ibmcloud-ovn-multi-x-px',
    { platform: 'ibmcloud', network: 'ovn', architecture: 'multi', topology: 'ha', installer: 'ipi', release: '4.18' },
  ],
  // homogeneous code: all s390x; compact topology
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.19-ocp-e2e-compact-ovn-remote-libvirt-multi-z-z',
    { platform: 'libvirt', network: 'ovn', architecture: 's390x', topology: 'compact', installer: 'ipi', release: '4.19' },
  ],
  // PowerVS with a heterogeneous code
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.17-ocp-e2e-powervs-ovn-multi-p-px',
    { platform: 'powervs', network: 'ovn', architecture: 'multi', topology: 'ha', installer: 'ipi', release: '4.17' },
  ],
  // "heterogeneous" is multi; minor upgrade from 4.11, which was installed with sdn
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.12-upgrade-from-nightly-4.11-ocp-e2e-aws-heterogeneous-upgrade',
    { platform: 'aws', network: 'sdn', architecture: 'multi', topology: 'ha', installer: 'ipi', upgrade: 'minor', release: '4.12', fromRelease: '4.11' },
  ],
  // s390x comes before heterogeneous in the first-match list
  [
    'periodic-ci-openshift-multiarch-master-nightly-4.15-ocp-e2e-ovn-remote-libvirt-s390x-heterogeneous',
    { platform: 'libvirt', network: 'ovn', architecture: 's390x', topology: 'ha', installer: 'ipi', release: '4.15' },
  ],
  // hypershift repo: external topology, hypershift installer, conformance = parallel
  [
    'periodic-ci-openshift-hypershift-release-4.19-periodics-e2e-aws-ovn-proxy-conformance',
    { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'external', installer: 'hypershift', release: '4.19', suite: 'parallel' },
  ],
  // hypershift with agent nodes on metal: hypershift wins over agent, external over compact
  [
    'periodic-ci-openshift-hypershift-release-4.19-periodics-mce-e2e-agent-connected-ovn-ipv4-metal-compact-conformance',
    { platform: 'metal', network: 'ovn', architecture: 'amd64', topology: 'external', installer: 'hypershift', release: '4.19', suite: 'parallel' },
  ],
  // AKS is azure
  [
    'periodic-ci-openshift-hypershift-release-4.20-periodics-e2e-azure-aks-ovn-conformance',
    { platform: 'azure', network: 'ovn', architecture: 'amd64', topology: 'external', installer: 'hypershift', release: '4.20', suite: 'parallel' },
  ],
  // micro upgrade: one release, "-upgrade" before the network; single-node
  [
    'periodic-ci-openshift-release-master-ci-4.13-e2e-aws-upgrade-ovn-single-node',
    { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'single', installer: 'ipi', upgrade: 'micro', release: '4.13', fromRelease: '4.13' },
  ],
  // minor upgrade on ovirt with sdn
  [
    'periodic-ci-openshift-release-master-ci-4.14-upgrade-from-stable-4.13-e2e-ovirt-sdn-upgrade',
    { platform: 'ovirt', network: 'sdn', architecture: 'amd64', topology: 'ha', installer: 'ipi', upgrade: 'minor', release: '4.14', fromRelease: '4.13' },
  ],
  // two hops: from the lowest release
  [
    'periodic-ci-openshift-release-master-ci-4.19-upgrade-from-stable-4.18-from-stable-4.17-e2e-aws-ovn-upgrade',
    { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', upgrade: 'minor', release: '4.19', fromRelease: '4.17' },
  ],
  // chained upgrade; 4.12 beats 4.9 as a version, and the 4.9 install means sdn
  [
    'release-openshift-origin-installer-e2e-aws-upgrade-4.9-to-4.10-to-4.11-to-4.12-ci',
    { platform: 'aws', network: 'sdn', architecture: 'amd64', topology: 'ha', installer: 'ipi', upgrade: 'minor', release: '4.12', fromRelease: '4.9' },
  ],
  // ppc64le on aws, release 4.8 before the ovn default
  [
    'promote-release-openshift-machine-os-content-e2e-aws-4.8-ppc64le',
    { platform: 'aws', network: 'sdn', architecture: 'ppc64le', topology: 'ha', installer: 'ipi', release: '4.8' },
  ],
  // cilium
  [
    'periodic-ci-openshift-release-master-ci-4.12-e2e-aws-cilium',
    { platform: 'aws', network: 'cilium', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.12' },
  ],
  // rosa before aws
  [
    'periodic-ci-openshift-osde2e-main-nightly-4.16-rosa-classic-sts',
    { platform: 'rosa', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.16' },
  ],
  // OSD on GCP
  [
    'periodic-ci-openshift-osde2e-main-nightly-4.15-osd-gcp',
    { platform: 'osd-gcp', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.15' },
  ],
  // external platform on aws
  [
    'periodic-ci-openshift-release-master-nightly-4.18-e2e-external-aws',
    { platform: 'external-aws', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.18' },
  ],
  // alibaba, nutanix
  [
    'periodic-ci-openshift-release-master-nightly-4.15-e2e-alibaba-csi',
    { platform: 'alibaba', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.15' },
  ],
  [
    'periodic-ci-openshift-release-master-nightly-4.16-e2e-nutanix-ovn',
    { platform: 'nutanix', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.16' },
  ],
  // two-node fencing, micro upgrade
  [
    'periodic-ci-openshift-release-master-nightly-4.19-e2e-metal-ovn-two-node-fencing-upgrade',
    {
      platform: 'metal',
      network: 'ovn',
      architecture: 'amd64',
      topology: 'two-node-fencing',
      installer: 'ipi',
      upgrade: 'micro',
      release: '4.19',
      fromRelease: '4.19',
    },
  ],
  // "4-19" is not read as a release; assisted before agent; no release, so no network default
  [
    'periodic-ci-openshift-assisted-test-infra-master-e2e-metal-assisted-upgrade-agent-4-19-periodic',
    { platform: 'metal', architecture: 'amd64', topology: 'ha', installer: 'assisted', upgrade: 'micro' },
  ],
  // layered-product version below the OpenShift release: release 4.19, no fromRelease
  [
    'periodic-ci-oadp-qe-oadp-qe-automation-oadp-1.4-oadp1.4-ocp4.19-lp-interop-oadp-interop-aws',
    { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.19' },
  ],
  // an ACM version is the only release; no OpenShift release has major 2, so no network default
  [
    'periodic-ci-openshift-assisted-service-release-ocm-2.11-e2e-ai-operator-ztp-periodic',
    { architecture: 'amd64', topology: 'ha', installer: 'assisted', release: '2.11' },
  ],
  // "multi-vcenter" is not the multi architecture
  [
    'periodic-ci-openshift-release-main-nightly-4.18-e2e-vsphere-ovn-multi-vcenter',
    { platform: 'vsphere', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', release: '4.18' },
  ],
  // major upgrade: the two releases differ in major version
  [
    'periodic-ci-openshift-release-main-ci-5.0-upgrade-from-stable-4.22-e2e-aws-ovn-upgrade',
    { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', upgrade: 'major', release: '5.0', fromRelease: '4.22' },
  ],
  // all-arm64 multi payload
  [
    'periodic-ci-openshift-multiarch-main-nightly-5.0-ocp-e2e-aws-ovn-multi-a-a',
    { platform: 'aws', network: 'ovn', architecture: 'arm64', topology: 'ha', installer: 'ipi', release: '5.0' },
  ],
  // aggregated; the "-minor" token names the kind, from the minor before
  [
    'aggregated-aws-ovn-upgrade-4.13-minor-release-openshift-release-analysis-aggregator',
    {
      platform: 'aws',
      network: 'ovn',
      architecture: 'amd64',
      topology: 'ha',
      installer: 'ipi',
      upgrade: 'minor',
      release: '4.13',
      fromRelease: '4.12',
      aggregated: true,
    },
  ],
  [
    'aggregated-azure-sdn-upgrade-4.13-minor-release-openshift-release-analysis-aggregator',
    {
      platform: 'azure',
      network: 'sdn',
      architecture: 'amd64',
      topology: 'ha',
      installer: 'ipi',
      upgrade: 'minor',
      release: '4.13',
      fromRelease: '4.12',
      aggregated: true,
    },
  ],
  // the release controller's old unversioned upgrade job
  ['release-openshift-origin-installer-e2e-gcp-upgrade', { platform: 'gcp', architecture: 'amd64', topology: 'ha', installer: 'ipi', upgrade: 'micro' }],
];

/**
 * Presubmit-style names. None occur in the real lists, so these are written in ci-operator's
 * pattern "pull-ci-<org>-<repo>-<branch>-<test>"; the branch is the only place a release can be.
 */
const PRESUBMIT_STYLE: ReadonlyArray<readonly [string, Variants]> = [
  [
    'pull-ci-openshift-origin-main-e2e-aws-ovn-serial',
    { platform: 'aws', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi', suite: 'serial' },
  ],
  [
    'pull-ci-openshift-installer-release-4.18-e2e-gcp-ovn-upi',
    { platform: 'gcp', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'upi', release: '4.18' },
  ],
  ['pull-ci-openshift-hypershift-main-e2e-aks', { platform: 'azure', architecture: 'amd64', topology: 'external', installer: 'hypershift' }],
  [
    'pull-ci-openshift-cluster-network-operator-master-e2e-metal-ipi-ovn-ipv6',
    { platform: 'metal', network: 'ovn', architecture: 'amd64', topology: 'ha', installer: 'ipi' },
  ],
];

describe('variantsFromJobName, hand-checked', () => {
  it('uses only real names in the hand-checked table, at least 25 of them', () => {
    const real = new Set(allReal);
    expect(HAND_CHECKED.length).toBeGreaterThanOrEqual(25);
    for (const [name] of HAND_CHECKED) expect(real.has(name), name).toBe(true);
  });

  it.each(HAND_CHECKED)('%s', (name, expected) => {
    expect(variantsFromJobName(name)).toEqual({ aggregated: false, ...expected });
  });

  it.each(PRESUBMIT_STYLE)('presubmit-style %s', (name, expected) => {
    expect(variantsFromJobName(name)).toEqual({ aggregated: false, ...expected });
  });

  it('covers every platform, architecture, topology and upgrade kind the brief asks for', () => {
    const seen = (field: keyof Variants) => new Set(HAND_CHECKED.map(([, v]) => v[field]));
    for (const p of ['aws', 'gcp', 'azure', 'metal', 'vsphere', 'ovirt', 'openstack', 'libvirt']) expect(seen('platform')).toContain(p);
    for (const a of ['arm64', 'ppc64le', 's390x', 'multi']) expect(seen('architecture')).toContain(a);
    for (const t of ['single', 'external', 'compact']) expect(seen('topology')).toContain(t);
    for (const u of ['micro', 'minor']) expect(seen('upgrade')).toContain(u);
    expect(seen('suite')).toContain('serial');
    expect(seen('aggregated')).toContain(true);
  });
});

describe('variantsFromJobName, rules', () => {
  it('matches keywords case-insensitively', () => {
    expect(variantsFromJobName('periodic-ci-X-main-4.16-E2E-AWS-OVN-ARM64-Serial')).toMatchObject({
      platform: 'aws',
      network: 'ovn',
      architecture: 'arm64',
      suite: 'serial',
      release: '4.16',
    });
  });

  it('matches whole tokens, not prefixes of other words', () => {
    // Real words that start with a keyword: multiarch, multidisk, multitenant, multinet, singlens.
    expect(variantsFromJobName('periodic-ci-openshift-release-master-ci-4.8-e2e-aws-sdn-multitenant').architecture).toBe('amd64');
    expect(variantsFromJobName('periodic-ci-quay-quay-tests-master-quay-operator-test-quay314-ocp418-operator-test-singlens').topology).toBe('ha');
    expect(variantsFromJobName('periodic-ci-x-main-4.18-e2e-awsx-metallb').platform).toBeUndefined();
  });

  it('reads "sno" also as the last token', () => {
    expect(variantsFromJobName('periodic-ci-openshift-multiarch-master-nightly-4.16-e2e-agent-ibmz-sno').topology).toBe('single');
  });

  it('prefers an explicit "-major" over the releases in the name', () => {
    expect(variantsFromJobName('periodic-ci-x-main-4.21-upgrade-from-stable-4.20-e2e-aws-upgrade-major').upgrade).toBe('major');
  });

  it('leaves a non-upgrade job without upgrade and fromRelease', () => {
    const v = variantsFromJobName('periodic-ci-RedHatQE-interop-testing-cnv-4.18-cnv-odf-ocp4.19-lp-interop-cnv-odf-tests-aws-ipi-ocp419');
    expect(v.upgrade).toBeUndefined();
    expect(v.fromRelease).toBeUndefined();
    expect(v.release).toBe('4.19');
  });

  it('never throws on odd input', () => {
    for (const odd of ['', '-', '--', 'aggregated-', '4.', '.5', '99999999999999999999.1-upgrade', 'multi-x', 'a-multi']) {
      expect(() => variantsFromJobName(odd), odd).not.toThrow();
    }
    fc.assert(fc.property(fc.string(), (s) => typeof variantKey(variantsFromJobName(s)) === 'string'));
  });
});

describe('variantKey', () => {
  it('lists the values in a fixed order, skipping absent fields', () => {
    expect(variantKey(variantsFromJobName('periodic-ci-openshift-release-main-ci-4.22-e2e-aws-upgrade-ovn'))).toBe('aws ovn amd64 ha ipi upgrade-micro 4.22');
    expect(variantKey(variantsFromJobName('periodic-ci-openshift-release-main-ci-5.0-upgrade-from-stable-4.22-e2e-aws-ovn-upgrade'))).toBe(
      'aws ovn amd64 ha ipi upgrade-major 5.0 from-4.22',
    );
    expect(variantKey(variantsFromJobName('aggregated-aws-ovn-upgrade-4.13-minor-release-openshift-release-analysis-aggregator'))).toBe(
      'aws ovn amd64 ha ipi upgrade-minor 4.13 from-4.12 aggregated',
    );
    expect(variantKey({ suite: 'serial', platform: 'gcp' })).toBe('gcp serial');
    expect(variantKey({})).toBe('');
  });

  it('does not depend on property order and survives a JSON round trip', () => {
    const arb = fc.record(
      {
        platform: fc.constantFrom('aws', 'gcp', 'metal'),
        network: fc.constantFrom('ovn', 'sdn'),
        architecture: fc.constantFrom('amd64', 'arm64', 'multi'),
        topology: fc.constantFrom('ha', 'single'),
        installer: fc.constantFrom('ipi', 'upi'),
        upgrade: fc.constantFrom('micro', 'minor'),
        release: fc.constantFrom('4.21', '4.22'),
        fromRelease: fc.constantFrom('4.20', '4.21', '4.22'),
        suite: fc.constantFrom('serial', 'parallel'),
        aggregated: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(arb, (v) => {
        const reversed = Object.fromEntries(Object.entries(v).reverse()) as Variants;
        const key = variantKey(v);
        expect(variantKey(reversed)).toBe(key);
        expect(variantKey(JSON.parse(JSON.stringify(v)) as Variants)).toBe(key);
        expect(variantKey(v)).toBe(key);
      }),
    );
  });

  it('gives one key per distinct set of name-derived variants over all real names', () => {
    const seen = new Map<string, string>();
    for (const name of allReal) {
      const v = variantsFromJobName(name);
      const canonical = JSON.stringify(v, Object.keys(v).sort());
      const key = variantKey(v);
      const before = seen.get(key);
      if (before !== undefined) expect(canonical, `${key} (${name})`).toBe(before);
      else seen.set(key, canonical);
    }
    expect(seen.size).toBeGreaterThan(100);
  });

  it('keeps a value with spaces as one word', () => {
    expect(variantKey({ platform: 'bare  metal', release: '4.22' })).toBe('bare_metal 4.22');
  });
});

describe('mergeClusterData', () => {
  const aws = variantsFromJobName('periodic-ci-openshift-release-master-nightly-4.14-e2e-aws-ovn-fips-serial');

  it('returns the name variants unchanged without cluster-data', () => {
    expect(mergeClusterData(aws, undefined)).toEqual(aws);
    expect(mergeClusterData(aws, {})).toEqual(aws);
  });

  it('lets cluster-data override platform, network, release and fromRelease', () => {
    const merged = mergeClusterData(aws, { platform: 'GCP', network: 'OpenShiftSDN', release: '4.15', fromRelease: '4.14' });
    expect(merged).toMatchObject({ platform: 'gcp', network: 'sdn', release: '4.15', fromRelease: '4.14' });
    // Fields cluster-data does not carry stay as the name says.
    expect(merged).toMatchObject({ installer: 'ipi', suite: 'serial', aggregated: false });
  });

  it('keeps the name architecture and topology', () => {
    const het = variantsFromJobName('periodic-ci-openshift-multiarch-master-nightly-4.18-ocp-e2e-ibmcloud-ovn-multi-x-px');
    expect(mergeClusterData(het, { architecture: 'amd64', topology: 'HighlyAvailable' })).toMatchObject({ architecture: 'multi', topology: 'ha' });
    const compact = variantsFromJobName('periodic-ci-openshift-multiarch-master-nightly-4.19-ocp-e2e-compact-ovn-remote-libvirt-multi-z-z');
    expect(mergeClusterData(compact, { topology: 'HighlyAvailable', architecture: 's390x' })).toMatchObject({ topology: 'compact', architecture: 's390x' });
  });

  it('fills architecture and topology from cluster-data only when the name has none, in name vocabulary', () => {
    expect(mergeClusterData({}, { architecture: 'Heterogeneous', topology: 'SingleReplica' })).toEqual({ architecture: 'multi', topology: 'single' });
    expect(mergeClusterData({}, { topology: 'External' })).toEqual({ topology: 'external' });
    expect(mergeClusterData({}, { topology: 'HighlyAvailable', network: 'OVNKubernetes' })).toEqual({ topology: 'ha', network: 'ovn' });
  });

  it('lower-cases values and keeps already-normalised ones', () => {
    expect(mergeClusterData({}, { platform: 'AWS', network: 'ovn', architecture: 'ARM64' })).toEqual({
      platform: 'aws',
      network: 'ovn',
      architecture: 'arm64',
    });
    expect(mergeClusterData({}, { platform: 'BareMetal' })).toEqual({ platform: 'metal' });
  });

  it('ignores empty values, as origin writes FromRelease "" for installs', () => {
    const micro = variantsFromJobName('periodic-ci-openshift-release-master-ci-4.13-e2e-aws-upgrade-ovn-single-node');
    expect(mergeClusterData(micro, { fromRelease: '', release: '4.13', platform: ' ' })).toEqual(micro);
  });

  it('reduces a cluster-data release to major.minor', () => {
    expect(mergeClusterData({}, { release: '4.22.0-0.nightly-2026-05-01-000000', fromRelease: '4.21.9' })).toEqual({ release: '4.22', fromRelease: '4.21' });
  });

  it('keeps a platform the name states more precisely than the cluster can', () => {
    const rosa = variantsFromJobName('periodic-ci-openshift-osde2e-main-nightly-4.16-rosa-classic-sts');
    expect(mergeClusterData(rosa, { platform: 'aws' }).platform).toBe('rosa');
    const osdGcp = variantsFromJobName('periodic-ci-openshift-osde2e-main-nightly-4.15-osd-gcp');
    expect(mergeClusterData(osdGcp, { platform: 'gcp' }).platform).toBe('osd-gcp');
    // A different cloud is not a refinement: cluster-data wins.
    expect(mergeClusterData(rosa, { platform: 'gcp' }).platform).toBe('gcp');
  });

  it('does not modify its input', () => {
    const before = JSON.stringify(aws);
    mergeClusterData(aws, { platform: 'gcp', network: 'sdn', release: '4.20' });
    expect(JSON.stringify(aws)).toBe(before);
  });
});
