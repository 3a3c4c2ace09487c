/**
 * Variants of a Prow job: what kind of cluster and test a run exercised, read from the job name and
 * refined by the run's cluster-data file. Runs with equal variants are comparable, so these values
 * decide which runs a regression report pools together.
 *
 * The rules follow sippy's variant registry (docs: shared/reference/prow-artifacts.md, "Variants from
 * a job name"): ordered keyword lists where the first match wins. Where the reference matches raw
 * substrings, this module matches whole name tokens instead, because real job names contain words
 * that start with a keyword but mean something else (see `tokenize`). Deliberate departures from the
 * reference are marked "Decision:" below; each is motivated by names in the real job lists under
 * test/fixtures/real/openshift/sippy.
 *
 * Those rules and their defaults (installer ipi, topology ha, a network from the release) describe OpenShift
 * clusters. A job name that follows no OpenShift convention (Kubernetes' ci-kubernetes-e2e-gce-…, kops, CAPZ, kind
 * jobs) gets only what its name states plainly: see genericVariants. Checked over 505 real Kubernetes job names in
 * test/fixtures/kubernetes.
 */
import type { Variants } from './run-record.ts';

/** The shape of the cluster-data fields that can override a name's variants (origin's ClusterData). */
export interface ClusterDataVariants {
  release?: string;
  fromRelease?: string;
  platform?: string;
  architecture?: string;
  network?: string;
  topology?: string;
}

// ---------------------------------------------------------------------------------------------------
// Tokens and patterns

/**
 * Lower-cased name split on '-' and '_'. Matching whole tokens rather than substrings avoids real
 * false positives: "-multi" would match "multiarch", "multidisk", "multitenant", "multinet" and
 * "multicluster"; "-single" would match "singlens". '_' is a separator too because sippy treats "_hcp" like
 * "-hcp".
 */
function tokenize(job: string): string[] {
  return job
    .toLowerCase()
    .split(/[-_]+/)
    .filter((t) => t.length > 0);
}

/**
 * A pattern is a space-separated run of consecutive tokens ("two node fencing"). A pattern word
 * ending in '*' matches any token starting with it; every other word must equal the token.
 */
function matches(tokens: readonly string[], pattern: string): boolean {
  const words = pattern.split(' ');
  outer: for (let i = 0; i + words.length <= tokens.length; i++) {
    for (let j = 0; j < words.length; j++) {
      const word = words[j] as string;
      const token = tokens[i + j] as string;
      const ok = word.endsWith('*') ? token.startsWith(word.slice(0, -1)) : token === word;
      if (!ok) continue outer;
    }
    return true;
  }
  return false;
}

/** First rule whose pattern occurs in the tokens; rule order is priority order, not name order. */
function firstMatch(tokens: readonly string[], rules: ReadonlyArray<readonly [pattern: string, value: string]>): string | undefined {
  for (const [pattern, value] of rules) {
    if (matches(tokens, pattern)) return value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Keyword lists (first match wins)

const PLATFORM_RULES: ReadonlyArray<readonly [string, string]> = [
  // Decision: the reference requires "-e2e-" before "external-aws"/"external-vsphere", but the real
  // "...-nightly-4.20-opct-external-aws-ccm" runs on the same external platform without it.
  ['external aws', 'external-aws'],
  ['external vsphere', 'external-vsphere'],
  ['external oci', 'external-oci'],
  ['oci assisted', 'external-oci'],
  // ROSA and OSD-on-GCP jobs also mention their cloud; they are kept apart because they are managed
  // offerings with their own install path.
  ['rosa', 'rosa'],
  ['aws', 'aws'],
  ['alibaba', 'alibaba'],
  // Decision: the token "aro" alone (the reference names "-azure-aro-hcp"): ARO is always Azure Red
  // Hat OpenShift, with or without hosted control planes.
  ['aro', 'aro'],
  // Prefix match: "azurestack" (48 real names) is OpenShift on Azure Stack Hub, platform type Azure.
  ['azure*', 'azure'],
  ['aks', 'azure'],
  // Decision: the real OSD jobs are named "-osd-gcp" (e.g. "...-nightly-4.19-osd-gcp"), the
  // reference's "-osd-ccs-gcp" never occurs in the lists; both mean OSD on GCP.
  ['osd ccs gcp', 'osd-gcp'],
  ['osd gcp', 'osd-gcp'],
  ['gcp', 'gcp'],
  ['libvirt', 'libvirt'],
  ['iso no registry', 'metal'],
  ['metal', 'metal'],
  ['nutanix', 'nutanix'],
  ['openstack', 'openstack'],
  ['ovirt', 'ovirt'],
  ['vsphere', 'vsphere'],
  // Decision, beyond the reference: IBM Cloud and PowerVS are OpenShift platform types with their
  // own jobs (55 real names). Without them these runs would have no platform until cluster-data
  // says so, and runs without cluster-data (failed installs) would fall into another group.
  ['ibmcloud', 'ibmcloud'],
  ['powervs', 'powervs'],
];

const NETWORK_RULES: ReadonlyArray<readonly [string, string]> = [
  ['ovn', 'ovn'],
  ['sdn', 'sdn'],
  ['cilium', 'cilium'],
];

/**
 * Multi-arch jobs name the payload "multi" and then the node architectures as letter codes:
 * control plane, then workers ("multi-x-ax": amd64 control plane, arm64 and amd64 workers).
 * x = amd64, a = arm64, p = ppc64le, z = s390x.
 */
const ARCH_CODES: Readonly<Record<string, string>> = { x: 'amd64', a: 'arm64', p: 'ppc64le', z: 's390x' };
const MULTI_CODE = /^[xapz]{1,4}$/;

/**
 * Decision: decode "multi-<cp>-<workers>" instead of listing codes. When every node has the same
 * architecture the cluster is homogeneous and the value is that architecture (the reference lists
 * "-multi-a-a" beside "-arm64"; sippy maps "-multi-a-a", "-multi-p-p", "-multi-z-z" to arm64,
 * ppc64le, s390x). Mixed codes are a heterogeneous cluster: "multi". This also makes "multi-x-x"
 * amd64, where sippy says heterogeneous: its nodes are all amd64 like any amd64 job's.
 */
function archFromMultiCode(tokens: readonly string[]): string | undefined {
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (tokens[i] !== 'multi') continue;
    const cp = tokens[i + 1] as string;
    const workers = tokens[i + 2] as string;
    if (cp.length !== 1 || !MULTI_CODE.test(cp) || !MULTI_CODE.test(workers)) continue;
    const archs = new Set([...cp, ...workers].map((c) => ARCH_CODES[c]));
    return archs.size === 1 ? [...archs][0] : 'multi';
  }
  return undefined;
}

function architectureOf(tokens: readonly string[]): string {
  if (matches(tokens, 'arm64')) return 'arm64';
  const coded = archFromMultiCode(tokens);
  if (coded) return coded;
  // "arm" after "arm64" and the codes: a bare "-arm" suffix names an arm64 cluster
  // ("...-moderate-weekly-arm").
  if (matches(tokens, 'arm')) return 'arm64';
  if (matches(tokens, 'ppc64le')) return 'ppc64le';
  if (matches(tokens, 's390x')) return 's390x';
  if (matches(tokens, 'heterogeneous')) return 'multi';
  // Decision: a bare "multi" counts only as the last token. Elsewhere it is another word in real
  // names ("-multi-vcenter", "-multi-network", "MSI-multi-cluster"), and "-multi-ppc64le" /
  // "-multi-s390x" were already decided above.
  if (tokens.at(-1) === 'multi') return 'multi';
  // PowerVS only offers Power machines ("...-nightly-4.16-e2e-powervs-ovn-techpreview"). The
  // architecture from the name is final (see mergeClusterData), so leaving these amd64 would be
  // wrong for good. The bare word "power" is not used: "power-monitoring" is a product.
  if (matches(tokens, 'powervs')) return 'ppc64le';
  return 'amd64';
}

const TOPOLOGY_RULES: ReadonlyArray<readonly [string, string]> = [
  // Decision: "sno" as a token anywhere, also last ("...-e2e-agent-ibmz-sno"), where the
  // reference's "-sno-" needs a dash after it.
  ['sno', 'single'],
  ['single node', 'single'],
  // Decision, beyond the reference: two-node clusters are neither ha nor single (131 real names).
  // Values as sippy and origin's disruption baselines spell them.
  ['two node fencing', 'two-node-fencing'],
  ['two node arbiter', 'two-node-arbiter'],
  ['hypershift', 'external'],
  ['hcp', 'external'],
  ['compact', 'compact'],
];

const INSTALLER_RULES: ReadonlyArray<readonly [string, string]> = [
  ['assisted', 'assisted'],
  // Decision: hypershift before upi/agent (the reference lists it last). HyperShift's own jobs
  // such as "...-hypershift-...-mce-e2e-agent-connected-ovn-..." use agent-provisioned nodes for a
  // hosted cluster that no agent installer installed; their topology is already "external".
  ['hypershift', 'hypershift'],
  ['hcp', 'hypershift'],
  ['upi', 'upi'],
  ['agent', 'agent'],
];

// ---------------------------------------------------------------------------------------------------
// Releases

interface Release {
  major: number;
  minor: number;
}

function compareReleases(a: Release, b: Release): number {
  return a.major - b.major || a.minor - b.minor;
}

function formatRelease(r: Release): string {
  return `${r.major}.${r.minor}`;
}

/**
 * Every "<major>.<minor>" in the name. Compared as version numbers, not decimals: 4.10 is newer
 * than 4.9 (release-openshift-origin-installer-e2e-aws-upgrade-4.9-to-4.10-to-4.11-to-4.12-ci).
 * Dashed forms such as "4-19" and glued ones such as "ocp419" are ambiguous and not read.
 */
function releasesIn(job: string): Release[] {
  const found: Release[] = [];
  for (const m of job.matchAll(/(\d+)\.(\d+)/g)) {
    found.push({ major: Number(m[1]), minor: Number(m[2]) });
  }
  return found.sort(compareReleases);
}

/**
 * Default network for a cluster installed at `installed`: OVN-Kubernetes from 4.12 on, OpenShift SDN
 * before. Decision: no default for majors below 3; no OpenShift release has one, so such a number
 * is another product's version ("release-ocm-2.11", "oadp-1.4").
 */
function defaultNetwork(installed: Release | undefined): string | undefined {
  if (!installed || installed.major < 3) return undefined;
  return compareReleases(installed, { major: 4, minor: 12 }) >= 0 ? 'ovn' : 'sdn';
}

// ---------------------------------------------------------------------------------------------------
// Public API

/**
 * Variants read from a job name alone. Never throws; fields the name says nothing about are left
 * out (platform, release, network without a release), except, for names that follow an OpenShift
 * convention, those with a documented default: architecture amd64, topology ha, installer ipi,
 * aggregated false. Other names get genericVariants.
 */
export function variantsFromJobName(job: string): Variants {
  const tokens = tokenize(job);
  const lower = job.toLowerCase();
  if (!followsOpenShiftConvention(lower, tokens)) return genericVariants(job, tokens);
  const { release, upgrade, fromRelease } = upgradeAndReleases(job, tokens);

  // A cluster keeps the network it was installed with, so an upgrade's default comes from the
  // release it started at (a 4.11 cluster upgraded to 4.12 still runs SDN).
  const network = firstMatch(tokens, NETWORK_RULES) ?? defaultNetwork(upgrade ? fromRelease : release);

  let suite: string | undefined;
  if (matches(tokens, 'serial')) suite = 'serial';
  else if (lower.includes('conformance')) suite = 'parallel';

  // Built in Variants' field order so records and snapshots read the same way every time.
  const v: Variants = {};
  const platform = firstMatch(tokens, PLATFORM_RULES);
  if (platform) v.platform = platform;
  if (network) v.network = network;
  v.architecture = architectureOf(tokens);
  v.topology = firstMatch(tokens, TOPOLOGY_RULES) ?? 'ha';
  v.installer = firstMatch(tokens, INSTALLER_RULES) ?? 'ipi';
  if (upgrade) v.upgrade = upgrade;
  if (release) v.release = formatRelease(release);
  if (fromRelease) v.fromRelease = formatRelease(fromRelease);
  if (suite) v.suite = suite;
  v.aggregated = lower.startsWith('aggregated-');
  return v;
}

/**
 * OpenShift CI's job names: ci-operator's (periodic-ci-, pull-ci-, branch-ci-, rehearse-), the release
 * controller's (release-openshift-, aggregated-, promote-) and anything naming OpenShift, OCP or OKD. Every one of
 * the 3,263 real OpenShift names in test/fixtures/real matches; none of the 505 Kubernetes names does.
 */
const OPENSHIFT_PREFIX = /^(?:periodic-ci-|pull-ci-|branch-ci-|rehearse-|release-openshift-|aggregated-|promote-)/;

function followsOpenShiftConvention(lower: string, tokens: readonly string[]): boolean {
  return OPENSHIFT_PREFIX.test(lower) || tokens.some((t) => t === 'openshift' || t === 'ocp' || t === 'okd');
}

/** Providers as Kubernetes' jobs name them (kubetest2 deployers, kops, Cluster API providers); first match wins. */
const GENERIC_PLATFORM_RULES: ReadonlyArray<readonly [string, string]> = [
  ['kind', 'kind'],
  ['minikube', 'minikube'],
  ['gke', 'gke'],
  ['gce', 'gce'],
  ['capg', 'gcp'],
  ['gcp', 'gcp'],
  ['eks', 'eks'],
  ['capa', 'aws'],
  ['ec2', 'aws'],
  ['aws', 'aws'],
  ['aks', 'aks'],
  ['capz', 'azure'],
  ['azure', 'azure'],
  ['capv', 'vsphere'],
  ['vsphere', 'vsphere'],
  ['openstack', 'openstack'],
  ['ibmcloud', 'ibmcloud'],
  ['powervs', 'powervs'],
  ['digitalocean', 'digitalocean'],
];

const GENERIC_NETWORK_RULES: ReadonlyArray<readonly [string, string]> = [
  ['cilium', 'cilium'],
  ['calico', 'calico'],
  ['kindnet', 'kindnet'],
  ['flannel', 'flannel'],
  ['ovn', 'ovn'],
];

const GENERIC_ARCHITECTURES = ['arm64', 'ppc64le', 's390x', 'amd64'];

/**
 * Variants of a job name that follows no OpenShift convention: only what the name states, no defaults, so such a
 * job is never described as an OpenShift cluster it is not. Platform, network and architecture from whole tokens;
 * the release from a "major.minor" in the name, else from the "-1-34" suffix Kubernetes' fork-per-release gives
 * release-branch jobs; upgrade "yes" for an upgrade job (its kind is not in the name); suite serial or conformance.
 */
function genericVariants(job: string, tokens: readonly string[]): Variants {
  const v: Variants = {};
  const platform = firstMatch(tokens, GENERIC_PLATFORM_RULES);
  if (platform) v.platform = platform;
  const network = firstMatch(tokens, GENERIC_NETWORK_RULES);
  if (network) v.network = network;
  const architecture = GENERIC_ARCHITECTURES.find((a) => tokens.includes(a));
  if (architecture) v.architecture = architecture;
  if (tokens.includes('upgrade')) v.upgrade = 'yes';
  const dotted = releasesIn(job).at(-1);
  const suffix = /-(\d{1,2})-(\d{1,3})$/.exec(job);
  if (dotted) v.release = formatRelease(dotted);
  else if (suffix) v.release = `${Number(suffix[1])}.${Number(suffix[2])}`;
  if (tokens.includes('serial')) v.suite = 'serial';
  else if (tokens.includes('conformance')) v.suite = 'conformance';
  v.aggregated = false;
  return v;
}

function upgradeAndReleases(job: string, tokens: readonly string[]): { release?: Release; upgrade?: string; fromRelease?: Release } {
  const releases = releasesIn(job);
  const release = releases.at(-1);
  // Decision: no fromRelease without an upgrade, although the reference allows it when two
  // releases differ. In the real lists every such name pairs the OpenShift release with a layered
  // product's version ("cnv-4.18-...-ocp4.19", "oadp-1.4-...-ocp4.19", "tech-preview-0.4-ocp4.18"),
  // which is no origin of anything. Sippy drops it for non-upgrade jobs too.
  if (!matches(tokens, 'upgrade')) return { release };

  let fromRelease = releases[0];
  const twoReleases = release !== undefined && fromRelease !== undefined && compareReleases(release, fromRelease) !== 0;
  // An explicit kind wins (aggregated jobs: "aggregated-aws-ovn-upgrade-4.13-minor-..."), then
  // two different releases in the name, else an upgrade within one release.
  let upgrade = firstMatch(tokens, [
    ['major', 'major'],
    ['minor', 'minor'],
    ['micro', 'micro'],
  ]);
  if (!upgrade && release && fromRelease && twoReleases) upgrade = release.major !== fromRelease.major ? 'major' : 'minor';
  upgrade ??= 'micro';

  // Decision: a minor upgrade named with one release came from the minor before it, as the
  // release controller's "-minor" jobs do; stating it keeps such runs with the periodic jobs that
  // spell out both releases. Major upgrades have no such rule (5.0 came after 4.22, not 4.x).
  if (upgrade === 'minor' && release && !twoReleases && release.minor > 0) {
    fromRelease = { major: release.major, minor: release.minor - 1 };
  }
  return { release, upgrade, fromRelease };
}

// Cluster-data values come either as origin writes them ("ovn", "ha") or as the cluster's own API
// names them ("OVNKubernetes", "HighlyAvailable"); both reduce to the name-derived vocabulary so
// that merged values compare equal to name-derived ones.
const NETWORK_NAMES: Readonly<Record<string, string>> = {
  ovnkubernetes: 'ovn',
  openshiftsdn: 'sdn',
};
const TOPOLOGY_NAMES: Readonly<Record<string, string>> = {
  highlyavailable: 'ha',
  singlereplica: 'single',
  dualreplica: 'two-node-fencing',
  highlyavailablearbiter: 'two-node-arbiter',
};
const ARCHITECTURE_NAMES: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  aarch64: 'arm64',
  heterogeneous: 'multi',
};
const PLATFORM_NAMES: Readonly<Record<string, string>> = {
  baremetal: 'metal',
};

/**
 * Platforms the name knows more precisely than the cluster does: a ROSA cluster reports "aws",
 * an ARO cluster "azure". Sippy keeps rosa and osd-gcp for the same reason.
 */
const REFINES: Readonly<Record<string, readonly string[]>> = {
  rosa: ['aws'],
  'osd-gcp': ['gcp'],
  aro: ['azure'],
  'external-aws': ['external', 'aws'],
  'external-vsphere': ['external', 'vsphere'],
  'external-oci': ['external', 'oci'],
};

function clean(value: string | undefined, names: Readonly<Record<string, string>> = {}): string | undefined {
  const v = value?.trim().toLowerCase();
  if (!v) return undefined; // origin writes "" for unknown values (FromRelease of a non-upgrade)
  return names[v] ?? v;
}

/** Cluster-data releases may carry a patch or pre-release part; groups use major.minor. */
function cleanRelease(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  return m ? formatRelease({ major: Number(m[1]), minor: Number(m[2]) }) : v;
}

/**
 * The name's variants with cluster-data on top. Cluster-data describes the cluster that actually
 * ran, so it wins, except: architecture and topology, where the name wins (a heterogeneous
 * cluster's data is read from one node; a compact cluster reports itself as ha); and a platform the
 * name states more precisely (REFINES). Empty cluster-data values never override.
 */
export function mergeClusterData(fromName: Variants, clusterData: ClusterDataVariants | undefined): Variants {
  const merged: Variants = { ...fromName };
  if (!clusterData) return merged;

  const platform = clean(clusterData.platform, PLATFORM_NAMES);
  if (platform && !(fromName.platform && REFINES[fromName.platform]?.includes(platform))) merged.platform = platform;

  const network = clean(clusterData.network, NETWORK_NAMES);
  if (network) merged.network = network;

  const release = cleanRelease(clusterData.release);
  if (release) merged.release = release;
  const fromRelease = cleanRelease(clusterData.fromRelease);
  if (fromRelease) merged.fromRelease = fromRelease;

  const architecture = clean(clusterData.architecture, ARCHITECTURE_NAMES);
  if (architecture && !fromName.architecture) merged.architecture = architecture;
  const topology = clean(clusterData.topology, TOPOLOGY_NAMES);
  if (topology && !fromName.topology) merged.topology = topology;

  return merged;
}

/**
 * A readable group key: values separated by spaces in a fixed field order, absent fields skipped,
 * e.g. "aws ovn amd64 ha ipi upgrade-micro 4.22". Prefixes keep fields whose values could be
 * confused apart: the upgrade kind ("upgrade-minor"), the from-release, shown only when it differs
 * from the release ("from-4.21"), and "aggregated". Whitespace inside a value becomes '_' so a value
 * never reads as two.
 */
export function variantKey(v: Variants): string {
  const parts: Array<string | undefined> = [
    v.platform,
    v.network,
    v.architecture,
    v.topology,
    v.installer,
    v.upgrade && `upgrade-${v.upgrade}`,
    v.release,
    v.fromRelease && v.fromRelease !== v.release ? `from-${v.fromRelease}` : undefined,
    v.suite,
    v.aggregated ? 'aggregated' : undefined,
  ];
  return parts
    .filter((p): p is string => typeof p === 'string' && p.trim().length > 0)
    .map((p) => p.trim().replace(/\s+/g, '_'))
    .join(' ');
}
