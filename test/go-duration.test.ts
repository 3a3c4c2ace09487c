/** Go duration strings parse to seconds for every unit Go accepts, and junk is rejected clearly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../src/ingest/go-duration.ts';

describe('parseGoDuration', () => {
  it.each([
    ['3ns', 3e-9],
    ['2us', 2e-6],
    ['1.5\u00B5s', 1.5e-6], // micro sign, as Go prints it
    ['1.5\u03BCs', 1.5e-6], // Greek mu, also accepted by Go
    ['850ms', 0.85],
    ['12.5s', 12.5],
    ['2.300000001s', 2.300000001],
    ['1m3.2s', 63.2],
    ['1h2m', 3720],
    ['1h0m0s', 3600],
    ['2h45m30.5s', 2 * 3600 + 45 * 60 + 30.5],
    ['1.5h', 5400],
    ['.5s', 0.5],
    ['5.s', 5],
    ['0', 0],
    ['0s', 0],
    ['-1s', -1],
    ['+5s', 5],
    ['-1m30s', -90],
    ['1s500ms', 1.5],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseGoDuration(text)).toBeCloseTo(seconds, 12);
  });

  it('is exact to the nanosecond, dropping finer fractions as Go does', () => {
    expect(parseGoDuration('1.000000001s')).toBe(1.000000001);
    expect(parseGoDuration('1.9ns')).toBe(1e-9);
    expect(parseGoDuration('63.2s')).toBe(63.2);
  });

  it.each([
    ['', /expected a number and a unit/],
    ['-', /expected a number and a unit/],
    ['12', /missing unit after "12"/],
    ['1h30', /missing unit after "30"/],
    ['5d', /unknown unit "d"/],
    ['1 s', /unknown unit " s"/],
    [' 1s', /expected a number before " "/],
    ['1e3s', /unknown unit "e"/],
    ['1.2.3s', /missing unit/],
    ['s', /expected a number before "s"/],
    ['.s', /expected a number before "s"/],
    ['1h-2m', /unknown unit "h-"/],
    ['abc', /expected a number before "abc"/],
    ['2562048h', /out of range/],
  ])('rejects %j', (text, why) => {
    expect(() => parseGoDuration(text)).toThrow(RangeError);
    expect(() => parseGoDuration(text)).toThrow(`invalid Go duration ${JSON.stringify(text)}`);
    expect(() => parseGoDuration(text)).toThrow(why);
  });

  it('agrees with arithmetic on hours, minutes, seconds and milliseconds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 999 }),
        (h, m, s, ms) => {
          const text = `${h}h${m}m${s}.${String(ms).padStart(3, '0')}s`;
          expect(parseGoDuration(text)).toBeCloseTo(h * 3600 + m * 60 + s + ms / 1000, 9);
        },
      ),
    );
  });
});
