/**
 * Per-test behaviour (how often a test fails or flakes, how long it takes) and the failure and
 * skip texts written into the JUnit. Texts carry run-specific noise (timestamps, IPs, pod names,
 * Go pointer addresses) on purpose: grouping failures needs normalisation, as with real output.
 */
import { hash32, rngFor } from './prng.ts';
import type { Rng } from './prng.ts';

export interface TestProfile {
  /** Chance a run has a hard failure (failed, and failed again on retry). */
  failP: number;
  /** Chance a run has a flake (failed, then passed on retry). */
  flakeP: number;
  /** Typical duration in seconds. */
  seconds: number;
}

const profiles = new Map<string, TestProfile>();

/**
 * Most tests never fail; about 9 % are flaky (1–10 % flake rate, rare hard failures) and about
 * 4 % fail now and then (0.3–1.2 %). Fixed per test and seed, the same on every job.
 */
export function testProfile(seed: number, name: string): TestProfile {
  const key = `${seed}\u0000${name}`;
  const known = profiles.get(key);
  if (known) return known;
  const r = rngFor(seed, 'test-profile', name);
  const kind = r.next();
  let failP = 0;
  let flakeP = 0;
  if (kind < 0.09) {
    flakeP = r.float(0.01, 0.1);
    failP = r.float(0.0005, 0.003);
  } else if (kind < 0.13) {
    failP = r.float(0.003, 0.012);
    flakeP = r.float(0, 0.01);
  } else if (r.chance(0.25)) {
    flakeP = r.float(0.001, 0.004);
  }
  // Log-normal around ~15 s, clipped: e2e tests range from instant checks to 15-minute rollouts.
  const seconds = Math.min(900, Math.max(0.05, Math.exp(Math.log(15) + 1.1 * r.normal())));
  const profile = { failP, flakeP, seconds };
  profiles.set(key, profile);
  return profile;
}

const ORIGIN_AREAS: Record<string, string> = {
  'sig-network': 'networking',
  'sig-network-edge': 'router',
  'sig-auth': 'authorization',
  'sig-arch': 'operators',
  'sig-builds': 'builds',
  'sig-cli': 'cli',
  'sig-apps': 'deployments',
  'sig-node': 'node',
  'sig-storage': 'storage',
  'sig-etcd': 'etcd',
  'sig-instrumentation': 'prometheus',
  'sig-imageregistry': 'imageregistry',
  'sig-api-machinery': 'apiserver',
  'sig-operator': 'operators',
  'sig-olmv1': 'olmv1',
};

const KUBE_AREAS: Record<string, string> = {
  'sig-network': 'network',
  'sig-storage': 'storage',
  'sig-apps': 'apps',
  'sig-node': 'common/node',
  'sig-cli': 'kubectl',
  'sig-auth': 'auth',
  'sig-api-machinery': 'apimachinery',
  'sig-instrumentation': 'instrumentation',
  'sig-scheduling': 'scheduling',
  'sig-architecture': 'architecture',
};

/** A plausible source location for a test's assertion, fixed per test. */
function sourceLocation(name: string): string {
  const sig = /\[(sig-[a-z-]+)\]/.exec(name)?.[1] ?? '';
  const words = name
    .replace(/\[[^\]]*\]/g, ' ')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length >= 5);
  const h = hash32(name);
  const file = words.length > 0 ? (words[h % words.length] as string) : 'util';
  const line = 40 + (h % 1400);
  if (name.includes('[Suite:k8s]')) return `k8s.io/kubernetes/test/e2e/${KUBE_AREAS[sig] ?? 'common'}/${file}.go:${line}`;
  return `github.com/openshift/origin/test/extended/${ORIGIN_AREAS[sig] ?? 'util'}/${file}.go:${line}`;
}

/** Values that differ in every run: what a failure-text normaliser has to strip. */
export interface Noise {
  ns: string;
  pod: string;
  node: string;
  ip: string;
  ip2: string;
  ptr: string;
  at: string;
  klog: string;
  workNamespace: string;
}

export function makeNoise(r: Rng, atMs: number, workNamespace: string): Noise {
  const t = new Date(atMs);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][t.getUTCMonth()] as string;
  const hh = String(t.getUTCHours()).padStart(2, '0');
  const mm = String(t.getUTCMinutes()).padStart(2, '0');
  const ss = String(t.getUTCSeconds()).padStart(2, '0');
  const frac = String(r.int(0, 999)).padStart(3, '0');
  return {
    ns: `e2e-test-${r.alnum(5)}`,
    pod: `${r.pick(['client', 'server', 'hello', 'pod-network-test', 'execpod'])}-${r.alnum(5)}`,
    node: `ip-10-0-${r.int(0, 255)}-${r.int(1, 254)}.ec2.internal`,
    ip: `10.${r.pick([128, 129, 130, 131])}.${r.int(0, 15)}.${r.int(2, 254)}`,
    ip2: `172.30.${r.int(0, 255)}.${r.int(1, 254)}`,
    ptr: `0xc00${r.hex(7)}`,
    at: `${month} ${String(t.getUTCDate()).padStart(2, ' ')} ${hh}:${mm}:${ss}.${frac}`,
    klog: `I${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')} ${hh}:${mm}:${ss}.${frac}${r.int(100, 999)}`,
    workNamespace,
  };
}

/** The planted regression's failure always has this shape (with fresh noise each run). */
export function regressionFailure(name: string, n: Noise): string {
  return (
    `fail [${sourceLocation(name)}]: Expected success, but got an error:\n` +
    `    <*errors.errorString | ${n.ptr}>: \n` +
    `    pod "${n.pod}" in namespace "${n.ns}" could not reach ${n.ip}:8080 over the primary UDN: ` +
    `command terminated with exit code 28 (curl: (28) Connection timed out after 5001 milliseconds)\n` +
    `occurred\n\n${n.at}: INFO: node ${n.node} reports the UDN gateway ${n.ip2} as unreachable`
  );
}

/** A failure text for `name`: the template is fixed per test, the details change every run. */
export function failureText(name: string, n: Noise): string {
  const loc = sourceLocation(name);
  if (name.includes('clusteroperator/console')) {
    return (
      `clusteroperator/console condition/Available reason/RouteHealth_FailedGet status/False RouteHealthAvailable: ` +
      `failed to GET route (https://console-openshift-console.apps.${n.workNamespace}.ci.example): ` +
      `Get "https://console-openshift-console.apps.${n.workNamespace}.ci.example": EOF\n${n.at}: changed condition 3 times`
    );
  }
  if (name.includes('KubeAPIErrorBudgetBurn')) {
    return (
      `alert KubeAPIErrorBudgetBurn fired for ${60 * (1 + (hash32(n.ptr) % 9))} seconds with labels: ` +
      `{long="1d", namespace="openshift-kube-apiserver", prometheus="openshift-monitoring/k8s", severity="warning", short="2h"} result=reject`
    );
  }
  if (name.includes('node-lifecycle')) {
    return `node/${n.node} - reason/UnexpectedNotReady unexpected node not ready at ${n.at}: kubelet stopped posting node status`;
  }
  switch (hash32(name, 7) % 5) {
    case 0:
      return (
        `fail [${loc}]: Unexpected error:\n    <*errors.errorString | ${n.ptr}>: \n    timed out waiting for the condition\noccurred\n\n` +
        `${n.at}: INFO: pod ${n.ns}/${n.pod} on node ${n.node} (${n.ip}) was not ready after 5m0s`
      );
    case 1:
      return (
        `fail [${loc}]: Expected\n    <bool>: false\nto be true\n\n` +
        `${n.klog}   ${(hash32(n.pod) % 90000) + 1000} framework.go:${hash32(name) % 600}] connectivity from ${n.ns}/${n.pod} (${n.ip}) to ${n.ip2}:8080 failed`
      );
    case 2:
      return (
        `fail [${loc}]: Expected success, but got an error:\n    <*url.Error | ${n.ptr}>: \n` +
        `    Get "https://${n.ip2}:443/api/v1/namespaces/${n.ns}/pods/${n.pod}": dial tcp ${n.ip2}:443: connect: connection refused`
      );
    case 3:
      return (
        `fail [${loc}]: wait for pod "${n.pod}" to be "Succeeded or Failed": Timed out after 300.000s.\n` +
        `Expected pod to reach phase "Succeeded", got final phase "Failed" instead (node ${n.node}, started ${n.at})`
      );
    default:
      return (
        `fail [${loc}]: error waiting for deployment "${n.pod}" status to match expectation: ` +
        `deployment status: v1.DeploymentStatus{ObservedGeneration:1, Replicas:2, UpdatedReplicas:2, ReadyReplicas:1, ` +
        `AvailableReplicas:1, UnavailableReplicas:1} in namespace ${n.ns} at ${n.at}`
      );
  }
}

const SKIP_REASONS = [
  'Not supported on this platform',
  'cluster does not have the required feature gate enabled',
  'test requires at least 2 worker nodes in different zones',
  'IPv6 is not enabled on this cluster',
  'the cluster has no default storage class with WaitForFirstConsumer binding',
];

export function skipText(name: string): string {
  return `skip [${sourceLocation(name)}]: ${SKIP_REASONS[hash32(name, 3) % SKIP_REASONS.length]}`;
}
