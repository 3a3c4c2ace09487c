/**
 * Streaming JUnit XML parser on top of saxes. Pure: it takes text or byte chunks and never does I/O.
 *
 * One parser for every common JUnit dialect (Jenkins' JUnit plugin, Maven Surefire, googletest, pytest, jest-junit,
 * go-junit-report, gotestsum, ginkgo, openshift-tests, ci-operator). What each says about a test case:
 * - failed: a <failure> or <error> child (also Surefire's <rerunFailure>/<rerunError>, which sit beside one);
 * - flaky: Surefire's <flakyFailure>/<flakyError> on a case that passed on a rerun;
 * - skipped: a <skipped> child, or `status` notrun/disabled/skipped, or `result` suppressed/skipped (googletest
 *   writes DISABLED_ tests as status="notrun" result="suppressed" with no child);
 * - passed: none of these. Failed beats flaky beats skipped.
 *
 * JUnit files from CI are often damaged: a job killed mid-write leaves truncated XML, and failure text carries
 * control characters, HTML entities (&nbsp;) or bare ampersands. The parser repairs what it safely can (see feed()
 * and RECOVERABLE) and, on anything else, stops and returns the test cases completed before the damage, plus the
 * case it cut short when a failure had begun in it, with `partial: true` and an error saying where it was.
 *
 * Memory stays bounded whatever the file: attribute values are cut at VALUE_CAP characters (with CUT_MARK), failure
 * text at maxMessageLength, and what saxes buffers between chunks (comments, CDATA, a value still being read) is
 * trimmed or dropped after every chunk; names, attribute counts and nesting depth have limits past which the file
 * counts as damaged.
 */
import { SaxesParser } from 'saxes';
import type { SaxesStartTagPlain, SaxesTagPlain } from 'saxes';
import { chooseEncoding, enoughToChoose, ReplacementCounter } from './junit-encoding.ts';
import { TimeReader } from './junit-time.ts';

type JunitOutcome = 'passed' | 'failed' | 'skipped' | 'flaky';

export interface JunitCase {
  /** Name of the innermost enclosing <testsuite> that has one ('' when none has a name). */
  suite: string;
  name: string;
  classname?: string;
  /** The case's time attribute in seconds (see junit-time.ts); 0 when missing or not readable. */
  durationSec: number;
  outcome: JunitOutcome;
  /** For failed and flaky cases: the first failure's message attribute and text, cleaned and capped. */
  message?: string;
}

export interface JunitParseResult {
  /** Every <testcase> closed before the end of the file or the first fatal damage, in file order. */
  cases: JunitCase[];
  /** true when the file was empty, not JUnit XML, or damaged: `cases` may then be incomplete. */
  partial: boolean;
  /** What was wrong and where (line:column), when partial. */
  error?: string;
  /** What was read around without losing a case (an unknown encoding, unreadable times, cut values), if anything. */
  notes?: string[];
  /** Distinct suite names of the <testsuite> elements seen, in file order (as in JunitCase.suite). */
  suites: string[];
}

export interface JunitParseOptions {
  /** Keep at most this many characters of each failure message, then MESSAGE_CUT (default 4096). */
  maxMessageLength?: number;
  /** Suite, case and class names come back as the string this table holds for them (see NameTable). */
  names?: NameTable;
}

/**
 * One string per distinct name, shared by the files a thread parses. Runs of a job repeat the same thousands of test
 * names: a name found here costs no copy of its own (see detach), and whoever keys a map by it next (the combine
 * step ranks every name) finds its hash already computed. Bounded: past maxNames it starts afresh.
 *
 * Looking a fresh name up hashes all of it, about 0.4 µs for a 150-character name (V8 hashes a character at a
 * time): 3,000 names a run made the table cost more than the combine step and the cache write. Runs of a job also
 * list their cases in the same order, so the table remembers which case name followed each one (internAfter): a
 * guess costs a lookup by a string whose hash is cached and one comparison, about half as much in the parser, and
 * only a wrong guess also pays for the lookup. Cases in another order cost that lookup and one update more.
 */
export class NameTable {
  #names = new Map<string, string>();
  /** For each case name of the table, the case name that followed it the last time it was seen. */
  #next = new Map<string, string>();
  readonly #max: number;

  constructor(maxNames = 200_000) {
    this.#max = maxNames;
  }

  /** The table's string equal to `value`: one found, or a copy of `value` (see detach), kept from now on. */
  intern(value: string): string {
    const known = this.#names.get(value);
    if (known !== undefined) return known;
    const own = detach(value);
    if (this.#names.size >= this.#max) {
      this.#names = new Map();
      this.#next = new Map();
    }
    this.#names.set(own, own);
    return own;
  }

  /**
   * intern(value) for the name of a case that follows the case named `previous` (a string this table returned, or
   * undefined for a file's first case): the name that followed `previous` last time, when it is equal, else a lookup.
   */
  internAfter(value: string, previous: string | undefined): string {
    if (previous === undefined) return this.intern(value);
    const guess = this.#next.get(previous);
    if (guess === value) return guess;
    const own = this.intern(value);
    this.#next.set(previous, own);
    return own;
  }
}

/** The data-quality message of a parse: the damage, then the notes; undefined when the file was read cleanly. */
export function junitProblem(result: JunitParseResult): string | undefined {
  const parts = [...(result.error === undefined ? [] : [result.error]), ...(result.notes ?? [])];
  return parts.length === 0 ? undefined : parts.join('; ');
}

const DEFAULT_MAX_MESSAGE = 4096;
/** What ends a failure message that was cut at maxMessageLength. */
export const MESSAGE_CUT = ' …[cut]';
/** Attribute values (test names, messages) are cut at this many characters... */
export const VALUE_CAP = 65_536;
/** ...and end with this marker instead of the rest. */
export const CUT_MARK = '…[cut: longer than 65,536 characters]';
/** Past these, a file is damaged rather than JUnit: no writer nests this deep or puts this many attributes on a tag. */
const MAX_DEPTH = 4096;
const MAX_ATTRIBUTES = 4096;

/**
 * saxes errors that concern a single character or entity: saxes reports them and carries on with
 * the text as written, so the document structure is intact and parsing can continue.
 */
const RECOVERABLE = new Set([
  // An XML declaration after a comment, a processing instruction or whitespace: saxes reads it all the same.
  // Only before the root element (see onError).
  'an XML declaration must be at the start of the document.',
  'the XML declaration must appear at the start of the document.',
  'undefined entity.',
  'disallowed character.',
  'malformed character entity.',
  'disallowed character in entity name.',
  'empty entity name.',
  'the string "]]>" is disallowed in char data.',
]);

/** HTML entities seen in test output; any other undefined entity is kept as literal text. */
const HTML_ENTITIES: Record<string, string> = {
  nbsp: '\u00A0',
  ensp: '\u2002',
  emsp: '\u2003',
  thinsp: '\u2009',
  zwsp: '\u200B',
  shy: '\u00AD',
  copy: '\u00A9',
  reg: '\u00AE',
  trade: '\u2122',
  deg: '\u00B0',
  plusmn: '\u00B1',
  times: '\u00D7',
  divide: '\u00F7',
  micro: '\u00B5',
  middot: '\u00B7',
  para: '\u00B6',
  sect: '\u00A7',
  bull: '\u2022',
  hellip: '\u2026',
  ndash: '\u2013',
  mdash: '\u2014',
  lsquo: '\u2018',
  rsquo: '\u2019',
  sbquo: '\u201A',
  ldquo: '\u201C',
  rdquo: '\u201D',
  bdquo: '\u201E',
  laquo: '\u00AB',
  raquo: '\u00BB',
  lsaquo: '\u2039',
  rsaquo: '\u203A',
  larr: '\u2190',
  rarr: '\u2192',
  uarr: '\u2191',
  darr: '\u2193',
  harr: '\u2194',
  euro: '\u20AC',
  pound: '\u00A3',
  yen: '\u00A5',
  cent: '\u00A2',
  iexcl: '\u00A1',
  iquest: '\u00BF',
  le: '\u2264',
  ge: '\u2265',
  ne: '\u2260',
  infin: '\u221E',
  check: '\u2713',
  cross: '\u2717',
};

/**
 * A bare '&' (not starting an entity or character reference) makes saxes read everything up to
 * the next ';' as an entity name, swallowing markup. feed() rewrites it to this entity, which
 * the parser resolves to '&' in text and attributes; in CDATA it stays literal and clean() undoes it.
 */
const AMP_ENTITY = 'ratchet-bare-amp';
const AMP_MARKER = `&${AMP_ENTITY};`;
const BARE_AMP = /&(?!(?:[A-Za-z_:][A-Za-z0-9_.:-]{0,63}|#[0-9]{1,8}|#x[0-9A-Fa-f]{1,8});)/g;
/** Longest tail after a '&' held back for the next chunk, so an entity split across chunks stays whole. */
const AMP_CARRY_MAX = 80;

/**
 * C0 control characters (other than tab, LF, CR) and U+FFFE/U+FFFF are not allowed in XML 1.0.
 * Each C0 character is mapped to U+E000 + its code (private use, legal in XML) so that clean() can
 * recognise ANSI escape sequences and drop them whole instead of leaving "[31m" behind.
 */
const FORBIDDEN_CHARS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
const HAS_FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const ESCAPE_MARKER = '\uE01B';

function mapForbidden(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x20 ? String.fromCharCode(0xe000 + code) : '\uFFFD';
}

/**
 * Character references to forbidden C0 characters (&#x1b;, &#27;) are left as literal text by
 * saxes; clean() maps them like raw control characters so ANSI sequences written this way go too.
 */
const CONTROL_CHAR_REF = /&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));/g;

function mapControlCharRef(ref: string): string {
  const hex = ref[2] === 'x' || ref[2] === 'X';
  return String.fromCharCode(0xe000 + parseInt(ref.slice(hex ? 3 : 2, -1), hex ? 16 : 10));
}

const NEEDS_CLEANING = /[\x00-\x08\x0B-\x1F\x7F-\x9F\uE000-\uE01F]|&ratchet-bare-amp;|&#/;
const ANSI_SEQUENCE = /[\x1B\uE01B]\[[0-?]*[ -/]*[@-~]/g;
/** Control characters except tab and newline (C0, DEL, C1), and the markers standing for C0 ones. */
const CONTROL_CHARS = /[\x00-\x08\x0B-\x1F\x7F-\x9F\uE000-\uE01F]/g;

/**
 * Text fit for a report: undo the bare-'&' marker, drop ANSI escape sequences and control
 * characters other than \n and \t (raw, mapped by feed(), or as character references).
 */
function clean(text: string): string {
  if (!NEEDS_CLEANING.test(text)) return text;
  let out = text.includes('&#') ? text.replace(CONTROL_CHAR_REF, mapControlCharRef) : text;
  if (out.includes(AMP_MARKER)) out = out.replaceAll(AMP_MARKER, '&');
  if (out.includes(ESCAPE_MARKER) || out.includes('\x1B')) out = out.replace(ANSI_SEQUENCE, '');
  return out.replace(CONTROL_CHARS, '');
}

/**
 * A copy of `s` that does not share memory with the chunk it was cut from. saxes builds attribute
 * values by slicing the input chunk, and V8 keeps the whole chunk alive for as long as the slice
 * lives: keeping 100,000 test names would keep the whole file in memory. Concatenating and slicing
 * makes V8 flatten the value into a new string of its own.
 */
function detach(s: string): string {
  return s.length < 16 ? s : `${s} `.slice(0, -1);
}

/** Thrown from inside saxes callbacks to abandon the document at once; never escapes this module. */
const STOP = Symbol('stop');

/** No namespace processing: JUnit files don't use namespaces and it is faster. */
interface PlainOptions {
  xmlns: false;
  position: true;
}

/**
 * The private saxes fields we bound between chunks (see boundBuffers): `text` accumulates attribute values,
 * comments, CDATA and (when a text listener is set) text; `name` a tag or attribute name; `attribList` the
 * attributes of the tag being read. If a saxes version renames them, the checks become no-ops and only the memory
 * bound is lost.
 */
interface SaxesBuffers {
  text: unknown;
  name: unknown;
  attribList: unknown;
}

/** Children of a test case whose text is failure text; the first failure's becomes the message. */
const FAILURES = new Set(['failure', 'error', 'rerunFailure', 'rerunError']);
/** Surefire: the case failed, then passed on a rerun. */
const FLAKES = new Set(['flakyFailure', 'flakyError']);
/** Inside a failure element, output that is not part of the message (Surefire's flaky and rerun elements nest them). */
const OUTPUT = new Set(['system-out', 'system-err']);
/** Attribute values that mark a case as not run (googletest, ginkgo, others), compared in lower case. */
const SKIP_STATUS = new Set(['notrun', 'disabled', 'skipped']);
const SKIP_RESULT = new Set(['suppressed', 'skipped']);

interface OpenCase {
  suite: string;
  name: string;
  classname: string | undefined;
  durationSec: number;
  /** Set when a failure element starts, so a case cut off inside it still counts as failed. */
  failed: boolean;
  flaky: boolean;
  skipped: boolean;
  /** Where the message comes from: the first failure, else the first flaky run. */
  messageFrom: 'failure' | 'flaky' | undefined;
  messageAttr: string;
  messageText: string;
  /** Depth of the <testcase> element, to tell its own close tag from nested ones. */
  depth: number;
}

/** Incremental parser state for one document. Feed decoded text with write(), then finish(). */
class JunitCollector {
  private readonly parser: SaxesParser<PlainOptions>;
  private readonly maxMessage: number;
  private readonly names: NameTable | undefined;
  /** Failure text beyond this is not kept (room for clean() to shorten it). */
  private readonly collectLimit: number;
  private readonly times = new TimeReader();
  private readonly notes: string[] = [];

  private readonly cases: JunitCase[] = [];
  private readonly suiteNames = new Set<string>();
  private readonly suiteStack: string[] = [];
  private current: OpenCase | null = null;
  private depth = 0;
  /** Depth of the failure element whose text is being captured, or 0. */
  private captureDepth = 0;
  /** Depth of a <system-out>/<system-err> inside it, while its text is left out, or 0. */
  private pauseDepth = 0;
  /** Between the start of a tag and its end, saxes keeps attribute values in its text buffer. */
  private inTag = false;
  private sawContent = false;
  private rootSeen = false;
  /** Whether feed() has mapped control characters: only then do names need clean(). */
  private mappedControls = false;
  private ending = false;
  private stopped = false;
  private error: string | undefined;
  private carry = '';
  private valuesCut = 0;
  /** The name of the case opened last, from the name table (see caseName). */
  private lastCaseName: string | undefined;

  constructor(options: JunitParseOptions | undefined) {
    const max = options?.maxMessageLength ?? DEFAULT_MAX_MESSAGE;
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`maxMessageLength ${max}: expected a whole number of characters, 0 or more`);
    }
    this.maxMessage = max;
    this.names = options?.names;
    this.collectLimit = max + 1024;
    const parser = new SaxesParser<PlainOptions>({ xmlns: false, position: true });
    for (const [name, value] of Object.entries(HTML_ENTITIES)) parser.ENTITIES[name] = value;
    parser.ENTITIES[AMP_ENTITY] = '&';
    parser.on('error', (err) => this.onError(err));
    parser.on('opentagstart', (tag) => this.onOpenTagStart(tag));
    parser.on('opentag', (tag) => this.onOpenTag(tag));
    parser.on('closetag', (tag) => this.onCloseTag(tag));
    this.parser = parser;
  }

  get done(): boolean {
    return this.stopped;
  }

  /** Something to report about the whole file that loses no case (the encoding, say). */
  note(text: string): void {
    this.notes.push(text);
  }

  /** Feed the next piece of the document. */
  write(text: string): void {
    if (this.stopped) return;
    let piece = this.carry + text;
    this.carry = '';
    // Hold back a trailing '&...' that may be an entity cut by the chunk boundary.
    const amp = piece.lastIndexOf('&');
    if (amp !== -1 && piece.length - amp < AMP_CARRY_MAX && piece.indexOf(';', amp) === -1) {
      this.carry = piece.slice(amp);
      piece = piece.slice(0, amp);
    }
    this.feed(piece);
  }

  /** End of input: flush, run saxes' end-of-document checks and build the result. */
  finish(): JunitParseResult {
    if (!this.stopped) {
      if (this.carry !== '') this.feed(this.carry);
      this.carry = '';
    }
    if (!this.stopped) {
      if (!this.sawContent) return this.result('empty file');
      this.ending = true;
      try {
        this.parser.close();
      } catch (err) {
        if (err !== STOP) throw err;
      }
    }
    return this.result(this.error);
  }

  private result(error: string | undefined): JunitParseResult {
    const result: JunitParseResult = { cases: this.cases, partial: error !== undefined, suites: [...this.suiteNames] };
    if (error !== undefined) result.error = error;
    const notes = [...this.notes];
    const times = this.times.note();
    if (times !== undefined) notes.push(times);
    if (this.valuesCut > 0) {
      notes.push(`${this.valuesCut} attribute value${this.valuesCut === 1 ? '' : 's'} longer than ${VALUE_CAP.toLocaleString('en')} characters cut`);
    }
    if (notes.length > 0) result.notes = notes;
    return result;
  }

  /** Make a piece of decoded text safe for saxes (see FORBIDDEN_CHARS and AMP_ENTITY) and parse it. */
  private feed(piece: string): void {
    if (piece === '' || this.stopped) return;
    if (!this.sawContent && /\S/.test(piece)) this.sawContent = true;
    let text = piece;
    if (HAS_FORBIDDEN.test(text)) {
      text = text.replace(FORBIDDEN_CHARS, mapForbidden);
      this.mappedControls = true;
    }
    if (text.includes('&')) text = text.replace(BARE_AMP, AMP_MARKER);
    try {
      this.parser.write(text);
      this.boundBuffers();
    } catch (err) {
      if (err !== STOP) throw err;
    }
  }

  /**
   * What saxes holds between chunks stays bounded. Inside the root and outside a tag its text buffer holds only
   * CDATA, comments or captured text: move it to the failure message being captured, or drop it (a huge
   * <system-out><![CDATA[...]]> would otherwise sit in memory whole). Elsewhere it is an attribute value being
   * read, or a comment or processing instruction before or after the root: cut to VALUE_CAP and marked, as
   * onOpenTag cuts a value that came in one chunk, so the result does not depend on where chunks end.
   */
  private boundBuffers(): void {
    const internals = this.parser as unknown as SaxesBuffers;
    const buffered = internals.text;
    if (typeof buffered === 'string' && buffered !== '') {
      if (this.depth > 0 && !this.inTag) {
        if (this.captureDepth !== 0 && this.pauseDepth === 0) this.appendFailureText(buffered);
        internals.text = '';
      } else if (buffered.length > VALUE_CAP) {
        internals.text = buffered.slice(0, VALUE_CAP) + CUT_MARK;
      }
    }
    const name = internals.name;
    if (typeof name === 'string' && name.length > VALUE_CAP) {
      this.fatal(`a tag or attribute name longer than ${VALUE_CAP.toLocaleString('en')} characters`);
    }
    const attributes = internals.attribList;
    if (Array.isArray(attributes) && attributes.length > MAX_ATTRIBUTES) {
      this.fatal(`a tag with more than ${MAX_ATTRIBUTES.toLocaleString('en')} attributes`);
    }
  }

  private appendFailureText(text: string): void {
    const c = this.current;
    if (c === null) return;
    const room = this.collectLimit - c.messageText.length;
    if (room <= 0) return;
    // Leading whitespace is trimmed anyway; dropping it here keeps it from using up the room.
    const piece = c.messageText === '' ? text.trimStart() : text;
    c.messageText += piece.length > room ? piece.slice(0, room) : piece;
  }

  private readonly onText = (text: string): void => {
    this.appendFailureText(text);
  };

  private capture(depth: number): void {
    this.captureDepth = depth;
    this.parser.on('text', this.onText);
    this.parser.on('cdata', this.onText);
  }

  private stopCapture(): void {
    this.parser.off('text');
    this.parser.off('cdata');
  }

  /** A failure element has begun: the case counts as failed even if the file ends inside the tag. */
  private onOpenTagStart(tag: SaxesStartTagPlain): void {
    this.inTag = true;
    const c = this.current;
    if (c !== null && this.depth === c.depth && FAILURES.has(tag.name)) c.failed = true;
  }

  private onOpenTag(tag: SaxesTagPlain): void {
    this.inTag = false;
    const depth = ++this.depth;
    const name = tag.name;
    if (depth === 1) {
      this.rootSeen = true;
      if (name !== 'testsuites' && name !== 'testsuite') {
        this.fatal(`not a JUnit XML file: the root element is <${name}>, expected <testsuites> or <testsuite>`);
      }
    } else if (depth > MAX_DEPTH) {
      this.fatal(`elements nested more than ${MAX_DEPTH.toLocaleString('en')} deep`);
    }
    const current = this.current;
    if (current === null) {
      if (name === 'testsuite') {
        const own = this.value(tag, 'name');
        const suite = own !== undefined && own !== '' ? this.cleanName(own) : (this.suiteStack.at(-1) ?? '');
        this.suiteStack.push(suite);
        this.suiteNames.add(suite);
      } else if (name === 'testcase') {
        this.current = this.openCase(tag, depth);
      }
      return;
    }
    if (this.captureDepth !== 0) {
      // Inside a failure element: leave its output out of the message.
      if (this.pauseDepth === 0 && OUTPUT.has(name)) {
        this.pauseDepth = depth;
        this.stopCapture();
      }
      return;
    }
    // Inside a test case: only its direct outcome children count.
    if (depth !== current.depth + 1) return;
    if (FAILURES.has(name)) {
      current.failed = true;
      if (current.messageFrom !== 'failure') this.startMessage(current, tag, 'failure', depth);
    } else if (FLAKES.has(name)) {
      current.flaky = true;
      if (current.messageFrom === undefined) this.startMessage(current, tag, 'flaky', depth);
    } else if (name === 'skipped') {
      current.skipped = true;
    }
  }

  private openCase(tag: SaxesTagPlain, depth: number): OpenCase {
    const classname = this.value(tag, 'classname');
    const status = tag.attributes.status;
    const result = tag.attributes.result;
    return {
      suite: this.suiteStack.at(-1) ?? '',
      name: this.caseName(this.value(tag, 'name') ?? ''),
      classname: classname === undefined ? undefined : this.cleanName(classname),
      durationSec: this.times.read(tag.attributes.time),
      failed: false,
      flaky: false,
      skipped: (status !== undefined && SKIP_STATUS.has(status.toLowerCase())) || (result !== undefined && SKIP_RESULT.has(result.toLowerCase())),
      messageFrom: undefined,
      messageAttr: '',
      messageText: '',
      depth,
    };
  }

  private startMessage(c: OpenCase, tag: SaxesTagPlain, from: 'failure' | 'flaky', depth: number): void {
    c.messageFrom = from;
    c.messageAttr = this.value(tag, 'message') ?? '';
    c.messageText = '';
    this.capture(depth);
  }

  /** An attribute's value, cut at VALUE_CAP (see boundBuffers). */
  private value(tag: SaxesTagPlain, key: string): string | undefined {
    const v = tag.attributes[key];
    if (v === undefined || v.length <= VALUE_CAP) return v;
    this.valuesCut++;
    return v.slice(0, VALUE_CAP) + CUT_MARK;
  }

  private onCloseTag(tag: SaxesTagPlain): void {
    const depth = this.depth--;
    if (this.stopped) return;
    if (depth === this.pauseDepth) {
      this.pauseDepth = 0;
      this.capture(this.captureDepth);
      return;
    }
    if (depth === this.captureDepth) {
      this.captureDepth = 0;
      this.stopCapture();
      return;
    }
    const current = this.current;
    if (current !== null) {
      if (depth === current.depth) {
        this.cases.push(this.completeCase(current));
        this.current = null;
      }
      return;
    }
    if (tag.name === 'testsuite') this.suiteStack.pop();
  }

  /** The value with its control characters mapped when this file has any (see clean), else as it is. */
  private mapped(value: string): string {
    return this.mappedControls ? clean(value) : value;
  }

  /** Attribute values never hold the bare-'&' marker (saxes resolves it), only mapped controls. */
  private cleanName(value: string): string {
    const name = this.mapped(value);
    return this.names === undefined ? detach(name) : this.names.intern(name);
  }

  /** A case's name, as cleanName; with a name table, guessed from the case before (see NameTable.internAfter). */
  private caseName(value: string): string {
    const names = this.names;
    if (names === undefined) return this.cleanName(value);
    const name = names.internAfter(this.mapped(value), this.lastCaseName);
    this.lastCaseName = name;
    return name;
  }

  private completeCase(c: OpenCase): JunitCase {
    const outcome: JunitOutcome = c.failed ? 'failed' : c.flaky ? 'flaky' : c.skipped ? 'skipped' : 'passed';
    const out: JunitCase = { suite: c.suite, name: c.name, durationSec: c.durationSec, outcome };
    if (c.classname !== undefined) out.classname = c.classname;
    if (c.messageFrom !== undefined && (c.failed || c.flaky)) {
      const message = this.buildMessage(c.messageAttr, c.messageText);
      if (message !== '') out.message = detach(message);
    }
    return out;
  }

  private buildMessage(attr: string, text: string): string {
    const a = clean(attr).trim();
    const t = clean(text).trim();
    // Writers often repeat the message attribute as the first line of the text.
    const joined = a === '' ? t : t === '' || t.startsWith(a) ? t || a : `${a}\n${t}`;
    return joined.length > this.maxMessage ? joined.slice(0, this.maxMessage).trimEnd() + MESSAGE_CUT : joined;
  }

  private onError(err: Error): void {
    const reason = err.message.replace(/^\d+:\d+: /, '');
    if (RECOVERABLE.has(reason) && !(this.rootSeen && reason.includes('XML declaration'))) return;
    this.fatal(reason);
  }

  /** Record the first fatal problem and abandon the document (throws STOP out of saxes). */
  private fatal(reason: string): never {
    this.stopped = true;
    const { line, column } = this.parser;
    const where = `line ${line}, column ${column}`;
    // A case cut off inside its failure failed, whatever else it would have said; its message may be cut.
    const open = this.current;
    const keptOpen = open?.failed === true && !reason.startsWith('not a JUnit XML file');
    if (keptOpen) this.cases.push(this.completeCase(open!));
    this.current = null;
    const before = this.cases.length - (keptOpen ? 1 : 0);
    const cutOff = keptOpen ? ' and, as failed, the one it cut off inside its failure' : '';
    const kept = `kept the ${before} test case${before === 1 ? '' : 's'} completed before it${cutOff}`;
    if (reason.startsWith('not a JUnit XML file')) {
      this.error = `${reason} (at ${where})`;
    } else if (!this.rootSeen) {
      this.error = `not a JUnit XML file: ${stripDot(reason)} at ${where}`;
    } else if (this.ending) {
      this.error = `file ends early at ${where} (${stripDot(reason)}): truncated; ${kept}`;
    } else {
      this.error = `malformed XML at ${where}: ${stripDot(reason)}; ${kept}`;
    }
    throw STOP;
  }
}

function stripDot(reason: string): string {
  return reason.endsWith('.') ? reason.slice(0, -1) : reason;
}

/** Parse a whole JUnit document held in a string. */
export function parseJunitText(xml: string, options?: JunitParseOptions): JunitParseResult {
  const collector = new JunitCollector(options);
  collector.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml);
  return collector.finish();
}

/**
 * Parse a JUnit document from chunks (e.g. a file or object stream). Bytes are decoded incrementally, so that
 * characters split across chunks survive, in the encoding the first bytes name (junit-encoding.ts); string chunks
 * are taken as already decoded. Stops reading at the first fatal damage.
 */
export async function parseJunitStream(chunks: AsyncIterable<Uint8Array | string>, options?: JunitParseOptions): Promise<JunitParseResult> {
  const collector = new JunitCollector(options);
  let decoder: TextDecoder | undefined;
  let replacements: ReplacementCounter | undefined;
  // Bytes held until there are enough to choose the encoding from.
  let head: Uint8Array[] = [];
  let first = true;

  const decode = (bytes: Uint8Array, stream: boolean): string => {
    if (decoder === undefined) {
      const choice = chooseEncoding(bytes);
      if (choice.note !== undefined) collector.note(choice.note);
      decoder = new TextDecoder(choice.encoding);
      if (choice.encoding === 'utf-8') replacements = new ReplacementCounter();
    }
    const text = decoder.decode(bytes, { stream });
    if (replacements !== undefined) {
      if (text.includes('\uFFFD')) replacements.add(bytes, text);
      replacements.keepTail(bytes);
    }
    return text;
  };
  const flushHead = (stream: boolean): string => {
    const bytes = head.length === 1 ? head[0]! : Buffer.concat(head);
    head = [];
    return decode(bytes, stream);
  };
  const push = (text: string): void => {
    if (first && text !== '') {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    collector.write(text);
  };

  for await (const chunk of chunks) {
    if (typeof chunk === 'string') {
      // Bytes still pending come first.
      const pending = head.length > 0 ? flushHead(false) : decoder !== undefined ? decoder.decode() : '';
      push(pending + chunk);
    } else if (decoder === undefined) {
      head.push(chunk);
      if (head.length > 1) head = [Buffer.concat(head)];
      if (enoughToChoose(head[0]!)) push(flushHead(true));
    } else {
      push(decode(chunk, true));
    }
    if (collector.done) break;
  }
  if (!collector.done) {
    if (head.length > 0) push(flushHead(false));
    else if (decoder !== undefined) push(decoder.decode());
  }
  const invalid = replacements?.invalid ?? 0;
  if (invalid > 0) {
    collector.note(
      `${invalid} byte sequence${invalid === 1 ? ' is' : 's are'} not valid UTF-8 (shown as U+FFFD); if the file is in another encoding, its XML declaration should name it`,
    );
  }
  return collector.finish();
}
