/**
 * Go duration strings (time.Duration.String() output, as accepted by time.ParseDuration):
 * an optional sign, then one or more <decimal number><unit> parts, e.g. "1h2m3.5s", "850ms",
 * "-1.5µs", or the bare "0". Used for DisruptedDuration in backend-disruption files.
 */

/** Nanoseconds per unit, as BigInt so that sums are exact like Go's integer arithmetic. */
const UNIT_NS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00B5s', 1_000n], // µ MICRO SIGN
  ['\u03BCs', 1_000n], // μ GREEK SMALL LETTER MU
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const UNITS_HELP = 'ns, us (or µs), ms, s, m, h';
/** Go rejects durations beyond the int64 range of nanoseconds (about 292 years). */
const MAX_NS = 9_223_372_036_854_775_807n;
const PART = /([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/y;

/**
 * Parse a Go duration string to seconds. Like Go, fractions finer than a nanosecond are dropped.
 * Throws a RangeError naming the input and what is wrong with it.
 */
export function parseGoDuration(text: string): number {
  const fail = (why: string): never => {
    throw new RangeError(`invalid Go duration ${JSON.stringify(text)}: ${why}`);
  };
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') fail('expected a number and a unit, e.g. "1m3.2s" or "850ms"');

  let totalNs = 0n;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const start = PART.lastIndex;
    const m = PART.exec(rest);
    if (m === null || m[0] === '') fail(`unexpected character at position ${start + 1}`);
    const [, whole = '', fraction, unit = ''] = m!;
    if (whole === '' && (fraction === undefined || fraction === '')) {
      fail(`expected a number before ${unit === '' ? 'the end' : `"${unit}"`}`);
    }
    if (unit === '') fail(`missing unit after "${m![0]}" (units: ${UNITS_HELP})`);
    const unitNs = UNIT_NS.get(unit);
    if (unitNs === undefined) fail(`unknown unit "${unit}" (units: ${UNITS_HELP})`);
    let ns = BigInt(whole === '' ? '0' : whole) * unitNs!;
    if (fraction !== undefined && fraction !== '') {
      ns += (BigInt(fraction) * unitNs!) / 10n ** BigInt(fraction.length);
    }
    totalNs += ns;
    if (totalNs > MAX_NS) fail('out of range (more than about 292 years)');
  }
  const seconds = Number(totalNs) / 1e9;
  return negative && seconds !== 0 ? -seconds : seconds;
}
