/**
 * JUnit `time` attributes in seconds. Writers disagree: most write a plain decimal ("12.5", "1e-05"), Maven
 * Surefire groups thousands ("1,000.025", allowed by the SUREFIRE_TIME pattern of its report schema), some locales
 * write a decimal comma ("0,5"), and Go tools sometimes write a Go duration ("1.5s", "2m3s"). Each of these is read
 * where it can mean only one thing; anything else (a negative time, "whatever", a bare "1,500" that is either
 * 1500 or 1.5) counts as 0 s and is reported once per file, never silently.
 */
import { parseGoDuration } from './go-duration.ts';

/** Surefire: groups of three digits after the first, then an optional fraction. */
const GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;
/** One comma and no point: "1,500" is ambiguous, "0,5" and "12,3456" are decimal commas. */
const ONE_GROUP = /^\d{1,3},\d{3}$/;
const DECIMAL_COMMA = /^\d+,\d+$/;
const GO_DURATION = /^(?:\d+(?:\.\d*)?(?:ns|us|µs|μs|ms|s|m|h))+$/;

/** Reads the time attributes of one file, counting the ones it could not read. */
export class TimeReader {
  negative = 0;
  unreadable = 0;
  /** The first value that could not be read, for the report. */
  example: string | undefined;

  /** Seconds, 0 when absent or not readable (counted). The common case, a plain decimal, allocates nothing. */
  read(value: string | undefined): number {
    if (value === undefined) return 0;
    const n = Number(value);
    // Number() also reads hexadecimal, octal and binary literals ("0x1A"): not times.
    if (Number.isFinite(n) && !(value.length > 1 && value.charCodeAt(0) === 48 && /^0[xob]/i.test(value))) {
      if (n >= 0) return n;
      return this.#problem(value, true);
    }
    const v = value.trim();
    if (GROUPED.test(v) && !ONE_GROUP.test(v)) return Number(v.replaceAll(',', ''));
    if (DECIMAL_COMMA.test(v) && !ONE_GROUP.test(v)) return Number(v.replace(',', '.'));
    if (GO_DURATION.test(v)) {
      try {
        return parseGoDuration(v);
      } catch {
        // out of range: unreadable
      }
    }
    return this.#problem(value, v.startsWith('-'));
  }

  /** What went wrong, in one sentence, or undefined when every time was read. */
  note(): string | undefined {
    const parts: string[] = [];
    if (this.unreadable > 0) parts.push(`${this.unreadable} time attribute${this.unreadable === 1 ? '' : 's'} Ratchet cannot read`);
    if (this.negative > 0) parts.push(`${this.negative} negative time${this.negative === 1 ? '' : 's'}`);
    if (parts.length === 0) return undefined;
    return `${parts.join(' and ')} (first: time="${(this.example ?? '').slice(0, 40)}") counted as 0 s`;
  }

  #problem(value: string, negative: boolean): 0 {
    if (negative) this.negative++;
    else this.unreadable++;
    this.example ??= value;
    return 0;
  }
}
