/**
 * Memory of the JUnit parser on pathological files: a 1 GB attribute value, a 1 GB comment before the root, 1 GB
 * of CDATA in a <system-out>, 1 GB of failure text, a 1 GB failure message attribute. Each is generated as a
 * stream of 64 KiB chunks (never held whole) and parsed in a process of its own, which reports its peak RSS; a
 * small file gives the baseline. The parser must read each through without failing the file (except where noted)
 * and with its peak RSS a few tens of MB above the baseline, however big the file.
 *
 *   npx node bench/junit-memory.ts [--gb 1] [--only attribute,comment]
 *
 * Too slow for npm test (a few seconds per GB per case); test/junit-bounds.test.ts checks the behaviour on 20 MB.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseJunitStream } from '../src/ingest/junit-parser.ts';

const CHUNK = 64 * 1024;

interface Shape {
  /** What the file is. */
  label: string;
  head: string;
  /** One byte, repeated to fill the big part. */
  fill: string;
  tail: string;
}

const SHAPES: Record<string, Shape> = {
  baseline: { label: 'a small file (baseline)', head: '<testsuite name="s"><testcase name="a"/>', fill: '', tail: '</testsuite>' },
  attribute: { label: 'a test name of', head: '<testsuite name="s"><testcase name="', fill: 'n', tail: '"/><testcase name="b"/></testsuite>' },
  comment: {
    label: 'a comment before the XML declaration of',
    head: '<!-- ',
    fill: 'c',
    tail: ' --><?xml version="1.0" encoding="UTF-8"?><testsuite name="s"><testcase name="a"/></testsuite>',
  },
  cdata: {
    label: 'a <system-out> CDATA section of',
    head: '<testsuite name="s"><testcase name="a"><system-out><![CDATA[',
    fill: 'x',
    tail: ']]></system-out></testcase><testcase name="b"/></testsuite>',
  },
  failure: {
    label: 'failure text of',
    head: '<testsuite name="s"><testcase name="a"><failure message="m">',
    fill: 'f',
    tail: '</failure></testcase></testsuite>',
  },
  message: {
    label: 'a failure message attribute of',
    head: '<testsuite name="s"><testcase name="a"><failure message="',
    fill: 'm',
    tail: '">text</failure></testcase></testsuite>',
  },
};

async function* generate(shape: Shape, bytes: number): AsyncGenerator<Uint8Array> {
  yield Buffer.from(shape.head);
  if (shape.fill !== '') {
    const block = Buffer.alloc(CHUNK, shape.fill);
    for (let left = bytes; left > 0; left -= CHUNK) yield left >= CHUNK ? block : block.subarray(0, left);
  }
  yield Buffer.from(shape.tail);
}

interface ChildReport {
  seconds: number;
  peakRssMb: number;
  startRssMb: number;
  cases: number;
  partial: boolean;
  problem: string | undefined;
}

async function child(name: string, bytes: number): Promise<void> {
  const startRssMb = process.memoryUsage().rss / 1e6;
  const started = performance.now();
  const result = await parseJunitStream(generate(SHAPES[name]!, bytes));
  const report: ChildReport = {
    seconds: (performance.now() - started) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    startRssMb,
    cases: result.cases.length,
    partial: result.partial,
    problem: [result.error, ...(result.notes ?? [])].filter(Boolean).join('; ') || undefined,
  };
  process.send?.(report);
}

function run(name: string, bytes: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['child', name, String(bytes)], { execArgv: process.execArgv });
    let report: ChildReport | undefined;
    proc.once('message', (m) => (report = m as ChildReport));
    proc.once('exit', (code) => (code === 0 && report ? resolve(report) : reject(new Error(`${name}: exited with code ${code}`))));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { gb: { type: 'string', default: '1' }, only: { type: 'string' } } });
  const gb = Number(values.gb);
  if (!(gb > 0)) throw new Error(`--gb must be a positive number, got "${values.gb}"`);
  const bytes = Math.round(gb * 1024 ** 3);
  const names = values.only?.split(',') ?? Object.keys(SHAPES).filter((n) => n !== 'baseline');
  const base = await run('baseline', 0);
  console.log(`baseline: peak RSS ${base.peakRssMb.toFixed(0)} MB`);
  for (const name of names) {
    if (!(name in SHAPES)) throw new Error(`--only: unknown case "${name}" (one of ${Object.keys(SHAPES).join(', ')})`);
    const r = await run(name, bytes);
    console.log(
      `${SHAPES[name]!.label} ${gb} GB: peak RSS ${r.peakRssMb.toFixed(0)} MB (+${(r.peakRssMb - base.peakRssMb).toFixed(0)} MB over the baseline), ` +
        `${r.seconds.toFixed(1)} s, ${r.cases} cases, ${r.partial ? 'partial' : 'whole'}${r.problem ? `: ${r.problem}` : ''}`,
    );
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, Number(process.argv[4]));
else await main();
