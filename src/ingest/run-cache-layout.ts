/**
 * How the run cache lays a record out in its file (run-cache.ts says which layouts exist and why). Pure: bytes in,
 * bytes out.
 *
 * Layout 3, the one written:
 *   ratchet-run-cache 3\n
 *   {"recordVersion":…, the summary…, "fileBytes":N}\n
 *   {the record's fields but its tests…, "testColumns":{…}}\n
 *   durations (8 bytes each, IEEE 754 little-endian), then every name, then every message (UTF-8, no separators)
 * testColumns holds `count`, `suites` (runs of equal suites: [suite, how many] in test order), `status` (one letter
 * a test: see STATUS_LETTER), `nameBytes` (each name's length in bytes), `messages` (the indices of the tests with a
 * message, ascending) and `messageBytes`.
 *
 * Why bytes: JSON.stringify of the test objects checks every character of every name for escapes and formats every
 * duration in decimal; here a name is copied as it is (Buffer.write) and a duration as its 8 bytes, and the file
 * stays one summary line a reader can stop after. A string that UTF-8 cannot hold exactly (a lone surrogate) cannot
 * take this layout: such a record is written as layout 2, JSON, which escapes it.
 */
import type { RunRecord, TestResult, TestStatus } from './run-record.ts';

/** What a layout-3 file starts with. */
export const COLUMNS_MAGIC = 'ratchet-run-cache 3\n';
/** What a layout-2 file starts with. */
export const JSON_SUMMARY_START = '{"summary":{';

const STATUS_LETTER: Readonly<Record<TestStatus, string>> = { pass: 'p', fail: 'f', flake: 'k', skip: 's' };
const LETTER_STATUS: Readonly<Record<string, TestStatus>> = { p: 'pass', f: 'fail', k: 'flake', s: 'skip' };

interface TestColumns {
  count: number;
  suites: Array<[string, number]>;
  status: string;
  nameBytes: number[];
  messages: number[];
  messageBytes: number[];
}

/**
 * The record's file in layout 3, `summary` on its second line, as parts to write in order; undefined when a name or
 * message is not well-formed UTF-16 (see above).
 */
export function encodeColumns(record: RunRecord, summary: object): Uint8Array[] | undefined {
  const tests = record.tests;
  const count = tests.length;
  let chars = 0;
  for (let i = 0; i < count; i++) {
    const t = tests[i]!;
    if (!isWellFormed(t.name) || (t.message !== undefined && !isWellFormed(t.message))) return undefined;
    chars += t.name.length + (t.message?.length ?? 0);
  }
  // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
  const tail = Buffer.allocUnsafe(count * 8 + chars * 3);
  const suites: Array<[string, number]> = [];
  const nameBytes: number[] = new Array(count);
  const messages: number[] = [];
  let status = '';
  let at = 0;
  for (let i = 0; i < count; i++) {
    const t = tests[i]!;
    at = tail.writeDoubleLE(t.durationSec, at);
    const run = suites.at(-1);
    if (run !== undefined && run[0] === t.suite) run[1]++;
    else suites.push([t.suite, 1]);
    status += STATUS_LETTER[t.status];
    if (t.message !== undefined) messages.push(i);
  }
  for (let i = 0; i < count; i++) {
    const written = tail.write(tests[i]!.name, at);
    nameBytes[i] = written;
    at += written;
  }
  const messageBytes: number[] = new Array(messages.length);
  for (let m = 0; m < messages.length; m++) {
    const written = tail.write(tests[messages[m]!]!.message!, at);
    messageBytes[m] = written;
    at += written;
  }
  const { tests: _, ...rest } = record;
  const columns: TestColumns = { count, suites, status, nameBytes, messages, messageBytes };
  const head = Buffer.from(`${JSON.stringify({ ...rest, testColumns: columns })}\n`);
  const firstLines = sizedPrefix(head.length + at, (fileBytes) => `${COLUMNS_MAGIC}${JSON.stringify({ ...summary, fileBytes })}\n`);
  return [firstLines, head, tail.subarray(0, at)];
}

/**
 * Layout 2: {"summary":{…,"fileBytes":N},"recordVersion":…}, the record's JSON with the summary spliced in first.
 * The record is encoded once and written as is (records reach megabytes: no second copy to splice).
 */
export function encodeJson(record: RunRecord, summary: object): Uint8Array[] {
  const body = Buffer.from(JSON.stringify(record));
  const prefix = sizedPrefix(body.length - 1, (fileBytes) => `${JSON_SUMMARY_START.slice(0, -1)}${JSON.stringify({ ...summary, fileBytes })},`);
  return [prefix, body.subarray(1)];
}

/**
 * The prefix that says the length of the whole file, `bodyBytes` after it: its own length depends on the number it
 * holds, so iterate to the fixed point (two rounds at most).
 */
function sizedPrefix(bodyBytes: number, prefixOf: (fileBytes: number) => string): Buffer {
  let fileBytes = bodyBytes;
  for (;;) {
    const prefix = Buffer.from(prefixOf(fileBytes));
    if (bodyBytes + prefix.length === fileBytes) return prefix;
    fileBytes = bodyBytes + prefix.length;
  }
}

/** The record of a layout-3 file; undefined when anything in it does not add up (damage from outside). */
export function decodeColumns(file: Buffer): RunRecord | undefined {
  if (file.toString('latin1', 0, COLUMNS_MAGIC.length) !== COLUMNS_MAGIC) return undefined;
  const summaryEnd = file.indexOf(10, COLUMNS_MAGIC.length);
  const headEnd = summaryEnd < 0 ? -1 : file.indexOf(10, summaryEnd + 1);
  if (headEnd < 0) return undefined;
  let head: Partial<RunRecord> & { testColumns?: unknown };
  try {
    const summary = JSON.parse(file.toString('utf8', COLUMNS_MAGIC.length, summaryEnd)) as { fileBytes?: unknown } | null;
    if (summary?.fileBytes !== file.length) return undefined;
    head = JSON.parse(file.toString('utf8', summaryEnd + 1, headEnd)) as typeof head;
  } catch {
    return undefined;
  }
  if (typeof head !== 'object' || head === null) return undefined;
  const columns = checkColumns(head.testColumns);
  if (columns === undefined) return undefined;
  const { count, suites, status, nameBytes, messages, messageBytes } = columns;
  let at = headEnd + 1;
  const namesAt = at + count * 8;
  let size = count * 8;
  for (const n of nameBytes) size += n;
  for (const n of messageBytes) size += n;
  if (file.length - at !== size) return undefined;
  const tests: TestResult[] = new Array(count);
  let nameAt = namesAt;
  let i = 0;
  for (const [suite, run] of suites) {
    for (const end = i + run; i < end; i++) {
      const nameEnd = nameAt + nameBytes[i]!;
      tests[i] = { suite, name: file.toString('utf8', nameAt, nameEnd), status: LETTER_STATUS[status[i]!]!, durationSec: file.readDoubleLE(at) };
      nameAt = nameEnd;
      at += 8;
    }
  }
  for (let m = 0; m < messages.length; m++) {
    const end = nameAt + messageBytes[m]!;
    tests[messages[m]!]!.message = file.toString('utf8', nameAt, end);
    nameAt = end;
  }
  delete head.testColumns;
  return { ...(head as RunRecord), tests };
}

/** The columns when they are consistent with each other; lengths against the file are checked by the caller. */
function checkColumns(value: unknown): TestColumns | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Partial<TestColumns>;
  const count = c.count;
  if (!isCount(count) || typeof c.status !== 'string' || c.status.length !== count) return undefined;
  if (!Array.isArray(c.suites) || !Array.isArray(c.nameBytes) || !Array.isArray(c.messages) || !Array.isArray(c.messageBytes)) return undefined;
  if (c.nameBytes.length !== count || c.messageBytes.length !== c.messages.length) return undefined;
  let total = 0;
  for (const run of c.suites) {
    if (!Array.isArray(run) || typeof run[0] !== 'string' || !isCount(run[1]) || run[1] === 0) return undefined;
    total += run[1];
  }
  if (total !== count) return undefined;
  for (let i = 0; i < count; i++) if (LETTER_STATUS[c.status[i]!] === undefined || !isCount(c.nameBytes[i])) return undefined;
  let previous = -1;
  for (let m = 0; m < c.messages.length; m++) {
    const index = c.messages[m];
    if (!isCount(index) || index <= previous || index >= count || !isCount(c.messageBytes[m])) return undefined;
    previous = index;
  }
  return c as TestColumns;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** String.prototype.isWellFormed (ES2024; the project's lib is ES2023): no lone surrogate. */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
