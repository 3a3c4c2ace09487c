/**
 * One-off maintenance script: re-creates src/sample/raw/ from the shared real-data directory.
 *
 *   npx node src/sample/extract-raw.ts [path to shared/real-data; default ../shared/real-data beside the project]
 *
 * The generator never reads the shared directory itself: it reads only the copies in raw/, so the
 * sample can be regenerated anywhere. Each excerpt rule lives here (and is described in
 * data/sample/README.md) so the copies can be checked against their sources.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PERIODIC_JOB_SOURCES } from './jobs.ts';

const here = dirname(fileURLToPath(import.meta.url));
const rawDir = join(here, 'raw');
const realData = process.argv[2] ?? join(here, '..', '..', '..', 'shared', 'real-data');

function lines(path: string): string[] {
  return readFileSync(join(realData, path), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

function writeLines(name: string, content: string[]): void {
  writeFileSync(join(rawDir, name), `${content.join('\n')}\n`);
  console.log(`${name}: ${content.length} lines`);
}

/** Every `step`-th element starting at 0: a thinning rule that is easy to state and re-check. */
function everyNth<T>(items: readonly T[], step: number): T[] {
  return items.filter((_, i) => i % step === 0);
}

const isParallel = (n: string) => n.includes('[Suite:openshift/conformance/parallel');
const isSerial = (n: string) => n.includes('[Suite:openshift/conformance/serial');
const isDisabled = (n: string) => n.includes('[Disabled:');

mkdirSync(rawDir, { recursive: true });

// Job names: each must exist verbatim in the file it is attributed to.
const jobLines: string[] = [];
for (const { name, source } of PERIODIC_JOB_SOURCES) {
  const known = new Set(lines(source).map((l) => (l.includes('\t') ? (l.split('\t')[2] ?? '') : l)));
  if (!known.has(name)) throw new Error(`${name} is not in ${source}`);
  jobLines.push(name);
}
writeLines('job-names.txt', jobLines);

// Origin test names: every 5th parallel name, all serial names, the upgrade-suite names, and the
// names the planted scenarios need (so the thinning rule can never drop them).
const originAll = lines('openshift/origin/test/extended/util/annotate/generated/test-names.txt');
const mustKeep = [
  'when using openshift ovn-kubernetes created using UserDefinedNetwork is isolated from the default network with L2 primary UDN',
  '[sig-arch][Late] operators should not create watch channels very often',
];
const originKept = new Set<string>([
  ...everyNth(
    originAll.filter((n) => isParallel(n) && !isDisabled(n)),
    5,
  ),
  ...originAll.filter((n) => isSerial(n) && !isDisabled(n)),
  ...originAll.filter((n) => n.includes('[Feature:ClusterUpgrade]')),
  ...originAll.filter((n) => mustKeep.some((k) => n.includes(k))),
]);
writeLines(
  'origin-test-names.excerpt.txt',
  originAll.filter((n) => originKept.has(n)),
);

// Kubernetes test names as openshift-tests names them: every 26th parallel, every 5th serial.
const kubeAll = lines('openshift/kubernetes/openshift-hack/e2e/annotate/generated/test-names.txt');
const kubeKept = new Set<string>([
  ...everyNth(
    kubeAll.filter((n) => isParallel(n) && !isDisabled(n)),
    26,
  ),
  ...everyNth(
    kubeAll.filter((n) => isSerial(n) && !isDisabled(n)),
    5,
  ),
]);
writeLines(
  'kubernetes-test-names.excerpt.txt',
  kubeAll.filter((n) => kubeKept.has(n)),
);

// Verbatim copies.
const verbatim: Array<[string, string]> = [
  ['openshift/origin/pkg/monitortestlibrary/allowedbackenddisruption/backend-names.txt', 'backend-names.txt'],
  ['openshift/release-controller/data/results/bquxjob_65df743f_19de556b6a3.json', 'bquxjob_65df743f_19de556b6a3.json'],
  ['openshift/ci-tools/test/e2e/simple/artifacts/junit_operator.xml', 'junit_operator.xml'],
  ['openshift/sippy/pkg/regressionallowances/regressions/4.17/regressions_4.17.json', 'regressions_4.17.json'],
  ['openshift/sippy/pkg/regressionallowances/regressions/4.18/regressions_4.18.json', 'regressions_4.18.json'],
  ['openshift/sippy/pkg/regressionallowances/regressions/4.19/OCPBUGS-44757-node-lifecycle.json', 'OCPBUGS-44757-node-lifecycle.json'],
  ['openshift/sippy/pkg/regressionallowances/regressions/4.19/OCPBUGS-57351-operators-watch-channels.json', 'OCPBUGS-57351-operators-watch-channels.json'],
];
for (const [from, to] of verbatim) {
  // Read and write rather than copy: the shared files are read-only and the copy must not be.
  writeFileSync(join(rawDir, to), readFileSync(join(realData, from)));
  console.log(`${to}: verbatim`);
}

// Disruption baselines: the records matching the sample's upgrade jobs (4.20 is the newest release
// in the file; see README), in the source's own order and formatting.
interface BaselineRecord {
  BackendName: string;
  Release: string;
  FromRelease: string;
  Platform: string;
  Architecture: string;
  Network: string;
  Topology: string;
}
const baselines = JSON.parse(
  readFileSync(join(realData, 'openshift/origin/pkg/monitortestlibrary/allowedbackenddisruption/query_results.json'), 'utf8'),
) as BaselineRecord[];
const excerpt = baselines.filter(
  (r) =>
    r.Release === '4.20' &&
    (r.FromRelease === '4.19' || r.FromRelease === '4.20') &&
    ['aws', 'azure', 'gcp'].includes(r.Platform) &&
    r.Architecture === 'amd64' &&
    r.Network === 'ovn' &&
    r.Topology === 'ha',
);
writeFileSync(join(rawDir, 'query_results.excerpt.json'), `${JSON.stringify(excerpt, null, 2)}\n`);
console.log(`query_results.excerpt.json: ${excerpt.length} records`);
