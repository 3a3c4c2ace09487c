/**
 * Failure text normalisation, so the same failure with different timestamps, pod names or addresses
 * groups together (the idea of Kubernetes triage; the rules here are our own).
 */
const RULES: Array<[RegExp, string]> = [
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, 'TIME'],
  [/\b[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?/g, 'TIME'],
  [/\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b/g, 'TIME'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, 'UUID'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, 'IP'],
  [/\[[0-9a-f:]*:[0-9a-f:]+\](?::\d+)?/gi, 'IP'],
  [/\b0x[0-9a-f]+\b/gi, 'HEX'],
  [/\b[0-9a-f]{12,}\b/gi, 'HEX'],
  // Generated pod and namespace suffixes: name-7d9f8c6b5-x2k4q, e2e-test-foo-abcde, ci-op-0v9kygxc, client-0kvcn.
  [/\b([a-z0-9]+(?:-[a-z0-9]+)*)-[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-POD'],
  [/\b(e2e-[a-z0-9-]+?)-[a-z0-9]{5}\b/g, '$1-NS'],
  [/\bci-op-[a-z0-9]{8}\b/g, 'ci-op-NS'],
  [/\b([a-z][a-z0-9]*)-(?=[a-z]*\d)[a-z0-9]{5}\b/g, '$1-POD'],
  // Go durations, compound ones first: 1h1m9s, 58m43s, 850ms, 2.5s.
  [/\b\d+h(?:\d+m)?(?:\d+(?:\.\d+)?s)?\b|\b\d+m\d+(?:\.\d+)?s\b/g, 'DURATION'],
  [/\b\d+(?:\.\d+)?(?:ms|µs|us|ns|s|m|h)\b/g, 'DURATION'],
  // openshift-tests' closing tally ("1 fail, 245 pass, 10 skip") varies with the run, not the failure.
  [/\b\d+ (fail|pass|skip|flaky)\b/g, 'N $1'],
  [/\b\d{5,}\b/g, 'NUM'],
];

const MAX = 2000;

export function normalizeFailureText(text: string): string {
  let out = text.length > 2 * MAX ? `${text.slice(0, MAX)}\n…\n${text.slice(-MAX)}` : text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement);
  return out
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
