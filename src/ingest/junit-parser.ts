/**
 * Streaming JUnit XML parser on top of saxes. Pure: it takes text or byte chunks and never does I/O.
 *
 * JUnit files from CI are often damaged: a job killed mid-write leaves truncated XML, and failure
 * text carries control characters, HTML entities (&nbsp;) or bare ampersands. The parser repairs
 * what it safely can (see feed() and RECOVERABLE) and, on anything else, stops and returns the
 * test cases completed before the damage with `partial: true` and an error saying where it was.
 */
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';

export interface JunitCase {
  /** Name of the innermost enclosing <testsuite> that has one ('' when none has a name). */
  suite: string;
  name: string;
  classname?: string;
  /** The case's time attribute in seconds; 0 when missing or not a number. */
  durationSec: number;
  outcome: 'passed' | 'failed' | 'skipped';
  /** For failed cases: the first <failure>/<error>'s message attribute and text, cleaned and capped. */
  message?: string;
}

export interface JunitParseResult {
  /** Every <testcase> closed before the end of the file or the first fatal damage, in file order. */
  cases: JunitCase[];
  /** true when the file was empty, not JUnit XML, or damaged: `cases` may then be incomplete. */
  partial: boolean;
  /** What was wrong and where (line:column), when partial. */
  error?: string;
  /** Distinct suite names of the <testsuite> elements seen, in file order (as in JunitCase.suite). */
  suites: string[];
}

export interface JunitParseOptions {
  /** Keep at most this many characters of each failure message (default 4096). */
  maxMessageLength?: number;
}

const DEFAULT_MAX_MESSAGE = 4096;

/**
 * saxes errors that concern a single character or entity: saxes reports them and carries on with
 * the text as written, so the document structure is intact and parsing can continue.
 */
const RECOVERABLE = new Set([
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

function parseSeconds(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Thrown from inside saxes callbacks to abandon the document at once; never escapes this module. */
const STOP = Symbol('stop');

/** No namespace processing: JUnit files don't use namespaces and it is faster. */
interface PlainOptions {
  xmlns: false;
  position: true;
}

/** The one private saxes field we touch: where it accumulates text (see dropBufferedText). */
interface SaxesTextBuffer {
  text: unknown;
}

interface OpenCase {
  suite: string;
  name: string;
  classname: string | undefined;
  durationSec: number;
  failed: boolean;
  skipped: boolean;
  /** Message attribute of the first <failure>/<error>, or undefined before one is seen. */
  failureAttr: string | undefined;
  failureText: string;
  /** Depth of the <testcase> element, to tell its own close tag from nested ones. */
  depth: number;
}

/** Incremental parser state for one document. Feed decoded text with write(), then finish(). */
class JunitCollector {
  private readonly parser: SaxesParser<PlainOptions>;
  private readonly maxMessage: number;
  /** Failure text beyond this is not kept (room for clean() to shorten it). */
  private readonly collectLimit: number;

  private readonly cases: JunitCase[] = [];
  private readonly suiteNames = new Set<string>();
  private readonly suiteStack: string[] = [];
  private current: OpenCase | null = null;
  private depth = 0;
  /** Depth of the <failure>/<error> whose text is being captured, or 0. */
  private captureDepth = 0;
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

  constructor(options: JunitParseOptions | undefined) {
    const max = options?.maxMessageLength ?? DEFAULT_MAX_MESSAGE;
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`maxMessageLength ${max}: expected a whole number of characters, 0 or more`);
    }
    this.maxMessage = max;
    this.collectLimit = max + 1024;
    const parser = new SaxesParser<PlainOptions>({ xmlns: false, position: true });
    for (const [name, value] of Object.entries(HTML_ENTITIES)) parser.ENTITIES[name] = value;
    parser.ENTITIES[AMP_ENTITY] = '&';
    parser.on('error', (err) => this.onError(err));
    parser.on('opentagstart', () => {
      this.inTag = true;
    });
    parser.on('opentag', (tag) => this.onOpenTag(tag));
    parser.on('closetag', (tag) => this.onCloseTag(tag));
    this.parser = parser;
  }

  get done(): boolean {
    return this.stopped;
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
      if (!this.sawContent) {
        return { cases: this.cases, partial: true, error: 'empty file', suites: [...this.suiteNames] };
      }
      this.ending = true;
      try {
        this.parser.close();
      } catch (err) {
        if (err !== STOP) throw err;
      }
    }
    const result: JunitParseResult = {
      cases: this.cases,
      partial: this.error !== undefined,
      suites: [...this.suiteNames],
    };
    if (this.error !== undefined) result.error = this.error;
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
    } catch (err) {
      if (err !== STOP) throw err;
      return;
    }
    this.dropBufferedText();
  }

  /**
   * saxes keeps CDATA, comments and (when a text listener is set) text in one buffer until the
   * node ends, so a huge <system-out><![CDATA[...]]> would sit in memory whole. Between chunks,
   * inside the root and outside a tag, that buffer holds only such content: move it to the
   * failure message being captured, or drop it. Relies on the buffer's field name; if a saxes
   * version renames it this becomes a no-op and only the memory bound is lost.
   */
  private dropBufferedText(): void {
    if (this.depth === 0 || this.inTag) return;
    const internals = this.parser as unknown as SaxesTextBuffer;
    const buffered = internals.text;
    if (typeof buffered !== 'string' || buffered === '') return;
    if (this.captureDepth !== 0) this.appendFailureText(buffered);
    internals.text = '';
  }

  private appendFailureText(text: string): void {
    const c = this.current;
    if (c === null) return;
    const room = this.collectLimit - c.failureText.length;
    if (room <= 0) return;
    // Leading whitespace is trimmed anyway; dropping it here keeps it from using up the room.
    const piece = c.failureText === '' ? text.trimStart() : text;
    c.failureText += piece.length > room ? piece.slice(0, room) : piece;
  }

  private readonly onText = (text: string): void => {
    this.appendFailureText(text);
  };

  private onOpenTag(tag: SaxesTagPlain): void {
    this.inTag = false;
    const depth = ++this.depth;
    const name = tag.name;
    if (depth === 1) this.rootSeen = true;
    if (depth === 1 && name !== 'testsuites' && name !== 'testsuite') {
      this.fatal(`not a JUnit XML file: the root element is <${name}>, expected <testsuites> or <testsuite>`);
    }
    const current = this.current;
    if (current === null) {
      if (name === 'testsuite') {
        const own = tag.attributes.name;
        const suite = own !== undefined && own !== '' ? this.cleanName(own) : (this.suiteStack.at(-1) ?? '');
        this.suiteStack.push(suite);
        this.suiteNames.add(suite);
      } else if (name === 'testcase') {
        const classname = tag.attributes.classname;
        this.current = {
          suite: this.suiteStack.at(-1) ?? '',
          name: this.cleanName(tag.attributes.name ?? ''),
          classname: classname === undefined ? undefined : this.cleanName(classname),
          durationSec: parseSeconds(tag.attributes.time),
          failed: false,
          skipped: false,
          failureAttr: undefined,
          failureText: '',
          depth,
        };
      }
      return;
    }
    // Inside a test case: only its direct outcome children count.
    if (depth !== current.depth + 1) return;
    if (name === 'failure' || name === 'error') {
      if (!current.failed) {
        current.failed = true;
        current.failureAttr = tag.attributes.message ?? '';
        this.captureDepth = depth;
        this.parser.on('text', this.onText);
        this.parser.on('cdata', this.onText);
      }
    } else if (name === 'skipped') {
      current.skipped = true;
    }
  }

  private onCloseTag(tag: SaxesTagPlain): void {
    const depth = this.depth--;
    if (this.stopped) return;
    if (depth === this.captureDepth) {
      this.captureDepth = 0;
      this.parser.off('text');
      this.parser.off('cdata');
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

  /** Attribute values never hold the bare-'&' marker (saxes resolves it), only mapped controls. */
  private cleanName(value: string): string {
    return this.mappedControls ? detach(clean(value)) : detach(value);
  }

  private completeCase(c: OpenCase): JunitCase {
    const out: JunitCase = {
      suite: c.suite,
      name: c.name,
      durationSec: c.durationSec,
      outcome: c.failed ? 'failed' : c.skipped ? 'skipped' : 'passed',
    };
    if (c.classname !== undefined) out.classname = c.classname;
    if (c.failed) {
      const message = this.buildMessage(c.failureAttr ?? '', c.failureText);
      if (message !== '') out.message = detach(message);
    }
    return out;
  }

  private buildMessage(attr: string, text: string): string {
    const a = clean(attr).trim();
    const t = clean(text).trim();
    // Writers often repeat the message attribute as the first line of the text.
    const joined = a === '' ? t : t === '' || t.startsWith(a) ? t || a : `${a}\n${t}`;
    return joined.length > this.maxMessage ? joined.slice(0, this.maxMessage).trimEnd() : joined;
  }

  private onError(err: Error): void {
    const reason = err.message.replace(/^\d+:\d+: /, '');
    if (RECOVERABLE.has(reason)) return;
    this.fatal(reason);
  }

  /** Record the first fatal problem and abandon the document (throws STOP out of saxes). */
  private fatal(reason: string): never {
    this.stopped = true;
    const { line, column } = this.parser;
    const where = `line ${line}, column ${column}`;
    const kept = this.cases.length;
    const keptText = `kept the ${kept} test case${kept === 1 ? '' : 's'} completed before it`;
    if (reason.startsWith('not a JUnit XML file')) {
      this.error = `${reason} (at ${where})`;
    } else if (!this.rootSeen) {
      this.error = `not a JUnit XML file: ${stripDot(reason)} at ${where}`;
    } else if (this.ending) {
      this.error = `file ends early at ${where} (${stripDot(reason)}): truncated; ${keptText}`;
    } else {
      this.error = `malformed XML at ${where}: ${stripDot(reason)}; ${keptText}`;
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
 * Parse a JUnit document from chunks (e.g. a file or object stream), decoding UTF-8 incrementally
 * so that characters split across chunks survive. Stops reading at the first fatal damage.
 */
export async function parseJunitStream(chunks: AsyncIterable<Uint8Array | string>, options?: JunitParseOptions): Promise<JunitParseResult> {
  const collector = new JunitCollector(options);
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of chunks) {
    let text: string;
    if (typeof chunk === 'string') {
      // Bytes still pending in the decoder come first.
      text = decoder.decode() + chunk;
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    } else {
      text = decoder.decode(chunk, { stream: true });
    }
    if (text !== '') first = false;
    collector.write(text);
    if (collector.done) break;
  }
  if (!collector.done) collector.write(decoder.decode());
  return collector.finish();
}
