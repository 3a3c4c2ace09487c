/** Failure messages that differ only in run-specific details normalise to the same text, so they group. */
import { describe, expect, it } from 'vitest';
import { normalizeFailureText } from '../src/analysis/failure-text.ts';

describe('failure text normalisation', () => {
  it('groups ci-operator step failures that differ in namespace and Go duration', () => {
    const a =
      '"e2e-aws-ovn" test steps failed: "e2e-aws-ovn" pod "e2e-aws-ovn-openshift-e2e-test" failed: the pod ci-op-0v9kygxc/e2e-aws-ovn-openshift-e2e-test failed after 1h1m9s (failed containers: test)';
    const b =
      '"e2e-aws-ovn" test steps failed: "e2e-aws-ovn" pod "e2e-aws-ovn-openshift-e2e-test" failed: the pod ci-op-3l86d7rn/e2e-aws-ovn-openshift-e2e-test failed after 58m43s (failed containers: test)';
    expect(normalizeFailureText(a)).toBe(normalizeFailureText(b));
    expect(normalizeFailureText(a)).toContain('ci-op-NS/e2e-aws-ovn-openshift-e2e-test failed after DURATION');
  });

  it('groups messages that differ in pod names, addresses, UUIDs, timestamps and the run tally', () => {
    const a =
      'pod "client-0kvcn" in namespace "e2e-test-udn-x2k4q" could not reach 10.128.2.15:8080 at 2026-11-25T07:12:09Z (uid 1b4e28ba-2fa1-11d2-883f-0016d3cca427)\n1 fail, 245 pass, 10 skip (56m36s)';
    const b =
      'pod "client-d5eon" in namespace "e2e-test-udn-q9z7m" could not reach 10.131.0.7:8080 at 2026-11-26T21:40:55Z (uid 6fa459ea-ee8a-3ca4-894e-db77e160355e)\n2 fail, 243 pass, 11 skip (1h2m5s)';
    expect(normalizeFailureText(a)).toBe(normalizeFailureText(b));
  });

  it('keeps what tells failures apart: test names, file and line, and plain words', () => {
    const a = normalizeFailureText('fail [github.com/openshift/origin/test/extended/networking/isolated.go:576]: Expected success');
    const b = normalizeFailureText('fail [github.com/openshift/origin/test/extended/networking/isolated.go:601]: Expected success');
    expect(a).not.toBe(b);
    expect(normalizeFailureText('openshift-tests failed in the install step')).toBe('openshift-tests failed in the install step');
  });
});
