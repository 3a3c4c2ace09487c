/**
 * JUnit writers shaped like the two real producers: openshift-tests (a single <testsuite> with a
 * TestVersion property, 4-space indent) and ci-operator's junit_operator.xml (<testsuites> root,
 * suite "step graph", empty <properties> on every element, 2-space indent). Both are Go
 * encoding/xml output, hence the &#34; / &#xA; escapes.
 */
import { goFloat, xmlEscape } from './format.ts';

export interface JunitCase {
  name: string;
  seconds: number;
  /** Failure text (the element body); message attribute is left empty as openshift-tests does. */
  failure?: string;
  skipped?: string;
  systemOut?: string;
}

export function openshiftTestsJunit(suite: string, testVersion: string, wallSeconds: number, cases: readonly JunitCase[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite name="${xmlEscape(suite)}" tests="${cases.length}" skipped="${skipped}" failures="${failures}" time="${goFloat(wallSeconds, 0)}">`,
    `    <property name="TestVersion" value="${xmlEscape(testVersion)}"></property>`,
  ];
  for (const c of cases) {
    const open = `    <testcase name="${xmlEscape(c.name)}" time="${goFloat(c.seconds, 3)}">`;
    if (c.failure === undefined && c.skipped === undefined && c.systemOut === undefined) {
      out.push(`${open}</testcase>`);
      continue;
    }
    out.push(open);
    if (c.skipped !== undefined) out.push(`        <skipped message="${xmlEscape(c.skipped)}"></skipped>`);
    if (c.failure !== undefined) out.push(`        <failure message="">${xmlEscape(c.failure)}</failure>`);
    if (c.systemOut !== undefined) out.push(`        <system-out>${xmlEscape(c.systemOut)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('</testsuite>');
  return `${out.join('\n')}\n`;
}

export interface StepCase {
  name: string;
  seconds: number;
  failure?: string;
  systemOut?: string;
}

export function operatorJunit(steps: readonly StepCase[]): string {
  // ci-operator lists steps in name order.
  const sorted = [...steps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const failures = sorted.filter((s) => s.failure !== undefined).length;
  const total = sorted.reduce((sum, s) => sum + s.seconds, 0);
  const out: string[] = [
    '<testsuites>',
    `  <testsuite name="step graph" tests="${sorted.length}" skipped="0" failures="${failures}" time="${goFloat(total, 9)}">`,
    '    <properties></properties>',
  ];
  for (const s of sorted) {
    out.push(`    <testcase name="${xmlEscape(s.name)}" time="${goFloat(s.seconds, 9)}">`);
    out.push('      <properties></properties>');
    if (s.failure !== undefined) out.push(`      <failure message="">${xmlEscape(s.failure)}</failure>`);
    if (s.systemOut !== undefined) out.push(`      <system-out>${xmlEscape(s.systemOut)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}
