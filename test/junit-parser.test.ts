/**
 * The JUnit parser reads real CI files exactly, gives the same answer however the bytes are
 * chunked, and on damaged input keeps what came before the damage and says where it was.
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_CUT, NameTable, parseJunitStream, parseJunitText, type JunitCase } from '../src/ingest/junit-parser.ts';

const fixture = (rel: string): string => new URL(`./fixtures/${rel}`, import.meta.url).pathname;
const readFixture = (rel: string): string => readFileSync(fixture(rel), 'utf8');

const JUNIT5 = 'real/redhat-openshift-ecosystem/provider-certification-plugins/openshift-tests-plugin/test/testdata/suites/junit5.xml';
const OPERATOR_SIMPLE = 'real/openshift/ci-tools/test/e2e/simple/artifacts/junit_operator.xml';
const OPERATOR_OBSERVERS = 'real/openshift/ci-tools/test/e2e/observer/artifacts/multi-observers-junit_operator.xml';
const K8S_STANDARD = 'real/kubernetes/test-infra/kettle/testdata/standard.xml';
const REAL = [JUNIT5, OPERATOR_SIMPLE, OPERATOR_OBSERVERS, K8S_STANDARD];

/** Split bytes at the given offsets and yield the pieces. */
async function* pieces(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let last = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(last, cut);
    last = cut;
  }
  yield bytes.subarray(last);
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const outcomes = (cases: JunitCase[]) => cases.map((c) => c.outcome);
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

describe('real JUnit files', () => {
  it('openshift-tests junit5.xml: five cases, two failures with their text, times in seconds', () => {
    const xml = readFixture(JUNIT5);
    const r = parseJunitText(xml);
    expect(r.partial).toBe(false);
    expect(r.error).toBeUndefined();
    expect(r.suites).toEqual(['openshift-tests']);
    // `grep -c '<testcase'` = 5, `grep -c '<failure'` = 2
    expect(r.cases).toHaveLength(count(xml, /<testcase\b/g));
    expect(r.cases.filter((c) => c.outcome === 'failed')).toHaveLength(count(xml, /<failure\b/g));
    expect(r.cases.map((c) => c.durationSec)).toEqual([19.9, 16.8, 35.8, 0, 15]);
    expect(outcomes(r.cases)).toEqual(['passed', 'passed', 'failed', 'failed', 'passed']);
    expect(r.cases[2]).toEqual({
      suite: 'openshift-tests',
      name: '[sig-api-machinery] API data in etcd should be stored at the correct location and version for all resources [Serial] [Suite:openshift/conformance/serial]',
      durationSec: 35.8,
      outcome: 'failed',
      message: 'fake forced failure to opct-plugin-tests',
    });
    expect(r.cases[3]!.message).toBe('failed reading external test suites: unable to extract k8s-tests binary');
    expect(r.cases[0]!.message).toBeUndefined();
  });

  it('ci-operator junit_operator.xml (simple): five passing steps, &#34; decoded, unparseable times become 0 and are noted once', () => {
    const xml = readFixture(OPERATOR_SIMPLE);
    const r = parseJunitText(xml);
    expect(r.partial).toBe(false);
    // Its authors replaced every time with "whatever": one note for the five, not five.
    expect(r.notes).toEqual(['5 time attributes Ratchet cannot read (first: time="whatever") counted as 0 s']);
    expect(r.suites).toEqual(['step graph']);
    expect(r.cases).toHaveLength(5);
    expect(count(xml, /<testcase\b/g)).toBe(5);
    expect(outcomes(r.cases)).toEqual(Array(5).fill('passed'));
    expect(r.cases.every((c) => c.durationSec === 0 && c.suite === 'step graph')).toBe(true);
    expect(r.cases[2]!.name).toBe('Create the release image "latest" containing all images built by this job');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the real step name holds a literal ${component}
    expect(r.cases[3]!.name).toBe('Find all of the input images from ocp/4.10:${component} and tag them into the output image stream');
  });

  it('ci-operator multi-observers junit_operator.xml: nine steps, one failure with decoded multi-line text, system-out ignored', () => {
    const xml = readFixture(OPERATOR_OBSERVERS);
    const r = parseJunitText(xml);
    expect(r.partial).toBe(false);
    expect(r.cases).toHaveLength(9);
    expect(count(xml, /<testcase\b/g)).toBe(9);
    const failed = r.cases.filter((c) => c.outcome === 'failed');
    expect(failed.map((c) => c.name)).toEqual(['Run multi-stage test multi-observers - multi-observers-failing-observer container test']);
    const message = failed[0]!.message!;
    expect(message.startsWith('+ echo \'this is going to fail\'\nthis is going to fail\n+ exit 1\n{"component":"entrypoint",')).toBe(true);
    // The trailing &#xA; is trimmed away.
    expect(message.endsWith('"time":"whatever"}\nerror: failed to execute wrapped command: exit status 1')).toBe(true);
    // Cases with <system-out> are plain passes.
    expect(r.cases.find((c) => c.name === 'Run multi-stage test post phase')).toEqual({
      suite: 'step graph',
      name: 'Run multi-stage test post phase',
      durationSec: 0,
      outcome: 'passed',
    });
  });

  it('kubernetes standard.xml: unnamed suite after a comment, classname, exponent times', () => {
    const xml = readFixture(K8S_STANDARD);
    const r = parseJunitText(xml);
    expect(r.partial).toBe(false);
    expect(r.suites).toEqual(['']);
    expect(r.cases).toHaveLength(8);
    expect(count(xml, /<testcase\b/g)).toBe(8);
    expect(r.cases.map((c) => c.name)).toEqual([
      'TearDown Previous',
      'Up',
      'test setup',
      'Node Tests',
      'DumpClusterLogs',
      'TearDown',
      'Deferred TearDown',
      'Timeout',
    ]);
    expect(r.cases.every((c) => c.classname === 'e2e.go' && c.suite === '')).toBe(true);
    expect(r.cases.map((c) => c.durationSec)).toEqual([2.065e-5, 6.342e-6, 5.298e-6, 654.279097299, 5.399023835, 1.21e-5, 2.17e-7, 3900]);
    expect(r.cases[3]).toMatchObject({ outcome: 'failed', message: 'error during go run' });
    expect(r.cases.filter((c) => c.outcome === 'failed')).toHaveLength(1);
  });

  it.each(REAL)('%s: a file stream, 1-byte chunks and 7-byte chunks all give the whole-text result', async (rel) => {
    const expected = parseJunitText(readFixture(rel));
    const bytes = readFileSync(fixture(rel));
    expect(await parseJunitStream(createReadStream(fixture(rel), { highWaterMark: 64 }))).toEqual(expected);
    expect(await parseJunitStream(chunksOf(bytes, 1))).toEqual(expected);
    expect(await parseJunitStream(chunksOf(bytes, 7))).toEqual(expected);
  });
});

describe('XML features', () => {
  it('decodes predefined entities and character references in names and messages', () => {
    const r = parseJunitText(
      '<testsuite name="a &amp; b"><testcase name="x &lt; y &gt; z &quot;q&quot; &apos;s&apos; &#233; &#x1F600;">' +
        '<failure message="got &lt;nil&gt;">line1&#xA;line2&#10;&amp;end</failure></testcase></testsuite>',
    );
    expect(r.partial).toBe(false);
    expect(r.cases).toEqual([
      { suite: 'a & b', name: 'x < y > z "q" \'s\' é 😀', durationSec: 0, outcome: 'failed', message: 'got <nil>\nline1\nline2\n&end' },
    ]);
  });

  it('reads failure text from CDATA, also mixed with plain text, without decoding entities inside it', () => {
    const r = parseJunitText(
      '<testsuite name="s"><testcase name="c"><failure message="boom">before <![CDATA[<b>raw</b> &amp; a && b]]> after</failure></testcase></testsuite>',
    );
    expect(r.cases[0]!.message).toBe('boom\nbefore <b>raw</b> &amp; a && b after');
  });

  it('does not repeat a message attribute that the text already starts with', () => {
    const r = parseJunitText('<testsuite><testcase name="c"><failure message="timed out">timed out\nafter 5m</failure></testcase></testsuite>');
    expect(r.cases[0]!.message).toBe('timed out\nafter 5m');
  });

  it('takes the suite from the innermost named <testsuite> in nested suites', () => {
    const r = parseJunitText(`<?xml version="1.0"?>
      <testsuites name="all">
        <testsuite name="outer">
          <testcase name="o1"/>
          <testsuite name="inner"><testcase name="i1" time="2"/></testsuite>
          <testsuite><testcase name="u1"><skipped/></testcase></testsuite>
          <testcase name="o2"/>
        </testsuite>
        <testsuite name="second"><testcase name="s1"><error message="panic"/></testcase></testsuite>
      </testsuites>`);
    expect(r.partial).toBe(false);
    expect(r.suites).toEqual(['outer', 'inner', 'second']);
    expect(r.cases.map((c) => [c.suite, c.name, c.outcome])).toEqual([
      ['outer', 'o1', 'passed'],
      ['inner', 'i1', 'passed'],
      ['outer', 'u1', 'skipped'],
      ['outer', 'o2', 'passed'],
      ['second', 's1', 'failed'],
    ]);
    expect(r.cases[4]!.message).toBe('panic');
  });

  it('<error> counts as a failure, failure beats skipped, and only the first failure gives the message', () => {
    const r = parseJunitText(`<testsuite name="s">
      <testcase name="e"><error message="exit 2">stack</error></testcase>
      <testcase name="fs"><skipped message="flaky"/><failure message="first"/><failure message="second"/></testcase>
      <testcase name="sk"><skipped message="not on this platform"/></testcase>
      <testcase name="empty-failure"><failure message=""></failure></testcase>
    </testsuite>`);
    expect(r.cases.map((c) => [c.name, c.outcome, c.message])).toEqual([
      ['e', 'failed', 'exit 2\nstack'],
      ['fs', 'failed', 'first'],
      ['sk', 'skipped', undefined],
      ['empty-failure', 'failed', undefined],
    ]);
  });

  it('multi-byte UTF-8 split across 1-byte chunks survives, and the BOM is skipped', async () => {
    const bytes = readFileSync(fixture('prow/junit-unicode.xml'));
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]);
    for (const input of [bytes, withBom]) {
      const r = await parseJunitStream(chunksOf(input, 1));
      expect(r.partial).toBe(false);
      expect(r.cases.map((c) => c.name)).toEqual([
        '[sig-storage] CSI volumes résumé naïve café — µs timing ✓',
        '[sig-node] 日本語のテスト名 with emoji 🚀🧪',
        '[sig-apps] Ελληνικά και Кириллица',
      ]);
      expect(r.cases[1]!.message).toBe('échec: ≥ 3 retries\nAusgabe: Größe überschritten — 😀 four-byte char, then ‰ and €');
      expect(outcomes(r.cases)).toEqual(['passed', 'failed', 'skipped']);
    }
  });

  it('any split of the bytes into chunks gives the whole-text result', async () => {
    const files = ['prow/junit-unicode.xml', 'damaged/nbsp-and-control-chars.xml', OPERATOR_OBSERVERS];
    for (const rel of files) {
      const bytes = readFileSync(fixture(rel));
      const expected = parseJunitText(readFixture(rel));
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), async (cuts) => {
          expect(await parseJunitStream(pieces(bytes, cuts))).toEqual(expected);
        }),
        { numRuns: 60 },
      );
    }
  });

  it('gives the same result with a name table shared across files, however small, as without one', async () => {
    const files = readdirSync(fixture(''), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBeGreaterThan(20);
    for (const names of [new NameTable(), new NameTable(3)]) {
      // Twice over: the second time, names come from the table.
      for (const round of [1, 2]) {
        for (const rel of files) {
          const bytes = readFileSync(fixture(rel));
          const expected = await parseJunitStream(chunksOf(bytes, 1 << 20));
          expect(await parseJunitStream(chunksOf(bytes, 997), { names }), `${rel}, round ${round}`).toEqual(expected);
        }
      }
    }
  });

  it('gives the same names with a shared name table when files list their cases in another order, repeat them or add new ones', async () => {
    const xml = (names: string[]): string =>
      `<testsuite name="s">${names.map((n) => `<testcase name="${n}"/>`).join('')}<testsuite name="t"><testcase name="${names[0]}"/></testsuite></testsuite>`;
    const base = Array.from({ length: 40 }, (_, i) => `[sig-x] test number ${i} should pass`);
    const orders = [
      base,
      [...base].reverse(),
      base.flatMap((n, i) => (i % 5 === 0 ? [n, n] : [n])),
      [...base.slice(0, 10), 'a new test', ...base.slice(10), 'another new test'],
      base.filter((_, i) => i % 3 !== 0),
      base,
    ];
    for (const names of [new NameTable(), new NameTable(7)]) {
      for (const order of orders) {
        const text = xml(order);
        expect(await parseJunitStream(chunksOf(Buffer.from(text), 97), { names })).toEqual(parseJunitText(text));
      }
    }
  });

  it('accepts string chunks', async () => {
    async function* strings() {
      yield '<testsuite name="s"><testcase name="a';
      yield 'b"/><testcase name="c&am';
      yield 'p;d"/></testsuite>';
    }
    const r = await parseJunitStream(strings());
    expect(r.cases.map((c) => c.name)).toEqual(['ab', 'c&d']);
  });
});

describe('damaged files', () => {
  it('resolves &nbsp; and other HTML entities, keeps unknown entities and bare & as text, strips control characters and ANSI codes', () => {
    const r = parseJunitText(readFixture('damaged/nbsp-and-control-chars.xml'));
    expect(r.partial).toBe(false);
    expect(r.error).toBeUndefined();
    expect(r.cases).toHaveLength(4);
    expect(outcomes(r.cases)).toEqual(['failed', 'passed', 'failed', 'passed']);
    // message="must-gather&nbsp;failed"; text has ESC[31m ... ESC[0m, &nbsp;, &hellip;, BEL, NUL, a bare &, &bogus; and a form feed.
    expect(r.cases[0]!.message).toBe(
      'must-gather\u00A0failed\nerror: gather output:[must-gather-5kq8d] OUT pod\u00A0not\u00A0ready\u2026 AT&T mirror &bogus; done',
    );
    // CR LF, tab and newline kept as \n and \t, then trimmed; ESC[1m, ESC[22m, ESC, backspaces and &#x1b; removed.
    expect(r.cases[2]!.message).toBe('container log: step 1 ok');
  });

  it('keeps the test cases before a truncation, and the one cut off inside its failure as failed, and says where the file ends', () => {
    const r = parseJunitText(readFixture('damaged/truncated-in-failure.xml'));
    expect(r.partial).toBe(true);
    expect(r.cases.map((c) => [c.name, c.outcome])).toEqual([
      ['[sig-network] Services should serve endpoints on same port and different protocols [Suite:openshift/conformance/parallel]', 'passed'],
      ['[sig-apps] Deployment should run the lifecycle of a Deployment [Suite:openshift/conformance/parallel]', 'passed'],
      ['[sig-cli] oc adm must-gather runs successfully [apigroup:config.openshift.io] [Suite:openshift/conformance/parallel]', 'failed'],
    ]);
    // The message is what was written before the cut.
    expect(r.cases[2]).toMatchObject({ durationSec: 40.1, message: 'error: gather output: pod not ready, retrying (attempt 3 of' });
    expect(r.error).toBe(
      'file ends early at line 6, column 83 (unclosed tag: failure): truncated; kept the 2 test cases completed before it and, as failed, the one it cut off inside its failure',
    );
  });

  it('keeps a case as failed when the file ends in its <system-out> after a complete <failure>', () => {
    const xml = `<testsuite name="pytest"><testcase classname="tests.test_db" name="test_a" time="0.1"/>
      <testcase classname="tests.test_db" name="test_b" time="2"><failure message="assert 1 == 2">tests/test_db.py:9: AssertionError</failure><system-out>connecting to`;
    const r = parseJunitText(xml);
    expect(r.partial).toBe(true);
    expect(r.cases).toEqual([
      { suite: 'pytest', name: 'test_a', classname: 'tests.test_db', durationSec: 0.1, outcome: 'passed' },
      {
        suite: 'pytest',
        name: 'test_b',
        classname: 'tests.test_db',
        durationSec: 2,
        outcome: 'failed',
        message: 'assert 1 == 2\ntests/test_db.py:9: AssertionError',
      },
    ]);
  });

  it('does not keep a case cut off before any failure began, nor one cut off in a flaky rerun', () => {
    for (const xml of [
      '<testsuite name="s"><testcase name="a"/><testcase name="b"><system-out>still running',
      '<testsuite name="s"><testcase name="a"/><testcase name="b"><fail',
      '<testsuite name="s"><testcase name="a"/><testcase name="b"><flakyFailure message="m" type="E"><stackTrace>at x',
    ]) {
      const r = parseJunitText(xml);
      expect(r.partial).toBe(true);
      expect(r.cases.map((c) => c.name)).toEqual(['a']);
      expect(r.error).toMatch(/kept the 1 test case completed before it$/);
    }
  });

  it.each(REAL)('%s cut at every byte: cases completed before the cut are kept, and the open one only once its failure began', (rel) => {
    const xml = readFixture(rel);
    const full = parseJunitText(xml);
    // Where each case ends, and where its failure's start tag has its name (saxes then knows it), found without the parser.
    const spans = [...xml.matchAll(/<testcase\b[^>]*\/>|<testcase\b[^>]*>[\s\S]*?<\/testcase>/g)].map((m) => {
      const failure = /<(?:failure|error)\b/.exec(m[0]);
      return { end: m.index + m[0].length, failureNamed: failure ? m.index + failure.index + failure[0].length + 1 : Infinity };
    });
    expect(spans).toHaveLength(full.cases.length);
    const rootEnd = xml.lastIndexOf('>') + 1;
    for (let cut = 0; cut <= xml.length; cut++) {
      const r = parseJunitText(xml.slice(0, cut));
      const completed = spans.filter((s) => s.end <= cut).length;
      const open = spans[completed];
      if (open !== undefined && cut < rootEnd && open.failureNamed <= cut) {
        // The open case counts as failed; its message is whatever came before the cut.
        expect(r.cases.slice(0, completed), `cut at ${cut}`).toEqual(full.cases.slice(0, completed));
        const { message: _cut, ...whole } = full.cases[completed]!;
        const { message: _m, ...kept } = r.cases[completed]!;
        expect(kept, `cut at ${cut}`).toEqual(whole);
        expect(r.cases, `cut at ${cut}`).toHaveLength(completed + 1);
      } else {
        expect(r.cases, `cut at ${cut}`).toEqual(full.cases.slice(0, completed));
      }
      if (cut >= rootEnd) {
        expect(r.partial).toBe(false);
      } else {
        expect(r.partial, `cut at ${cut}`).toBe(true);
        expect(r.error).toMatch(/line \d+, column \d+|^empty file$/);
      }
    }
  });

  it('a stream cut mid-way in a real file keeps the earlier cases and reports the truncation', async () => {
    const bytes = readFileSync(fixture(OPERATOR_OBSERVERS));
    const text = bytes.toString('utf8');
    const cut = text.indexOf('<testcase name="Run multi-stage test post phase"') + 30;
    const r = await parseJunitStream(chunksOf(bytes.subarray(0, cut), 16));
    expect(r.partial).toBe(true);
    expect(r.cases).toHaveLength(6);
    expect(r.cases.at(-1)!.name).toBe('Run multi-stage test multi-observers - multi-observers-observer container test');
    // The cut is 30 characters into line 23, after its 4 spaces of indentation.
    expect(r.error).toMatch(/^file ends early at line 23, column 34 .*kept the 6 test cases completed before it$/);
  });

  it('stops at malformed markup in the middle and keeps what came before', () => {
    const r = parseJunitText(`<testsuite name="s">
<testcase name="a"/>
<testcase name="b"><failure>x</testcase>
<testcase name="c"/>
</testsuite>`);
    expect(r.partial).toBe(true);
    // b's failure had begun: b failed, whatever came after.
    expect(r.cases.map((c) => [c.name, c.outcome])).toEqual([
      ['a', 'passed'],
      ['b', 'failed'],
    ]);
    expect(r.error).toMatch(
      /^malformed XML at line 3, column \d+: unexpected close tag; kept the 1 test case completed before it and, as failed, the one it cut off inside its failure$/,
    );
  });

  it('content after the root element makes the result partial but keeps every case', () => {
    const r = parseJunitText('<testsuite name="s"><testcase name="a"/></testsuite>\n<testsuite name="t"><testcase name="b"/></testsuite>');
    expect(r.partial).toBe(true);
    expect(r.cases.map((c) => c.name)).toEqual(['a']);
    expect(r.error).toContain('only one root');
  });

  it('an empty file, a whitespace-only file and an empty stream are "empty file"', async () => {
    expect(parseJunitText(readFixture('damaged/empty.xml'))).toEqual({ cases: [], partial: true, error: 'empty file', suites: [] });
    expect(parseJunitText(' \n\t\n')).toEqual({ cases: [], partial: true, error: 'empty file', suites: [] });
    expect(await parseJunitStream(createReadStream(fixture('damaged/empty.xml')))).toEqual({
      cases: [],
      partial: true,
      error: 'empty file',
      suites: [],
    });
    async function* nothing(): AsyncGenerator<Uint8Array> {}
    expect((await parseJunitStream(nothing())).error).toBe('empty file');
  });

  it('an HTML error page, an XML error document and plain text are reported as not JUnit', () => {
    const html = parseJunitText(readFixture('damaged/html-error-page.xml'));
    expect(html).toMatchObject({ cases: [], partial: true });
    expect(html.error).toMatch(/^not a JUnit XML file: the root element is <html>.*line 2, column \d+/);

    const gcs = parseJunitText(readFixture('damaged/gcs-nosuchkey.xml'));
    expect(gcs.partial).toBe(true);
    expect(gcs.error).toMatch(/^not a JUnit XML file: the root element is <Error>/);

    const text = parseJunitText('Not Found\n');
    expect(text.partial).toBe(true);
    expect(text.error).toMatch(/^not a JUnit XML file: .*line \d+, column \d+/);
  });

  it('stops reading the stream at the first fatal error', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const enc = new TextEncoder();
      yield enc.encode('<html><body>');
      for (;;) {
        pulled++;
        yield enc.encode('<p>more</p>');
      }
    }
    const r = await parseJunitStream(endless());
    expect(r.partial).toBe(true);
    expect(pulled).toBeLessThanOrEqual(1);
  });
});

describe('failure messages', () => {
  const withFailure = (text: string, attr = '') => `<testsuite name="s"><testcase name="t"><failure message="${attr}">${text}</failure></testcase></testsuite>`;

  it('keeps the first 4096 characters by default, or maxMessageLength, and marks the cut', () => {
    const long = 'abcdefghij'.repeat(1000);
    expect(parseJunitText(withFailure(long)).cases[0]!.message).toBe(long.slice(0, 4096) + MESSAGE_CUT);
    expect(parseJunitText(withFailure(long), { maxMessageLength: 25 }).cases[0]!.message).toBe(long.slice(0, 25) + MESSAGE_CUT);
    expect(parseJunitText(withFailure(long.slice(0, 4096))).cases[0]!.message).toBe(long.slice(0, 4096));
    expect(parseJunitText(withFailure('  \n  padded  \n'), { maxMessageLength: 100 }).cases[0]!.message).toBe('padded');
  });

  it('caps a huge CDATA failure body fed in small chunks', async () => {
    const body = 'x'.repeat(300_000);
    const bytes = new TextEncoder().encode(withFailure(`<![CDATA[${body}]]>`, 'big'));
    const r = await parseJunitStream(chunksOf(bytes, 1000));
    expect(r.cases[0]!.message).toBe(`big\n${body}`.slice(0, 4096) + MESSAGE_CUT);
  });

  it('ignores a large CDATA <system-out> split across chunks, before and after the failure', async () => {
    const log = 'I0501 10:00:00.000000 1 log.go:1] line with <tags> & ampersands\n'.repeat(20_000);
    const xml =
      `<testsuite name="s"><system-out><![CDATA[${log}]]></system-out>` +
      `<testcase name="a"><failure message="m"><![CDATA[first part ]]>second &amp; part</failure><system-out><![CDATA[${log}]]></system-out></testcase>` +
      `<testcase name="b"><system-err>${log.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</system-err></testcase></testsuite>`;
    const bytes = new TextEncoder().encode(xml);
    for (const size of [1 << 16, 4099]) {
      const r = await parseJunitStream(chunksOf(bytes, size));
      expect(r.partial).toBe(false);
      expect(r.cases).toEqual([
        { suite: 's', name: 'a', durationSec: 0, outcome: 'failed', message: 'm\nfirst part second & part' },
        { suite: 's', name: 'b', durationSec: 0, outcome: 'passed' },
      ]);
    }
  });

  it('rejects a maxMessageLength that is not a whole number', () => {
    expect(() => parseJunitText('<testsuite/>', { maxMessageLength: -1 })).toThrow(/maxMessageLength -1/);
    expect(() => parseJunitText('<testsuite/>', { maxMessageLength: 2.5 })).toThrow(RangeError);
  });
});
