/**
 * JUnit time attributes: read where they can mean one thing only, counted as 0 s and reported otherwise.
 */
import { describe, expect, it } from 'vitest';
import { parseJunitText } from '../src/ingest/junit-parser.ts';
import { TimeReader } from '../src/ingest/junit-time.ts';

describe('TimeReader', () => {
  it('reads plain decimals and exponents, and absent or empty times as 0 without a word', () => {
    const t = new TimeReader();
    expect([t.read('12.5'), t.read('0'), t.read('1e-05'), t.read('2.17e-07'), t.read(' 3 '), t.read(undefined), t.read('')]).toEqual([
      12.5, 0, 1e-5, 2.17e-7, 3, 0, 0,
    ]);
    expect(t.note()).toBeUndefined();
  });

  it("reads Surefire's thousands separators, decimal commas and Go durations", () => {
    const t = new TimeReader();
    expect(t.read('1,000.025')).toBe(1000.025);
    expect(t.read('1,234,567')).toBe(1234567);
    expect(t.read('12,345,678.5')).toBe(12345678.5);
    expect(t.read('0,5')).toBe(0.5);
    expect(t.read('12,3456')).toBe(12.3456);
    expect(t.read('1.5s')).toBe(1.5);
    expect(t.read('2m3s')).toBe(123);
    expect(t.read('150ms')).toBe(0.15);
    expect(t.note()).toBeUndefined();
  });

  it('counts a negative, an ambiguous or an unreadable time as 0 and says so once, with the first example', () => {
    const t = new TimeReader();
    expect([t.read('whatever'), t.read('1,500'), t.read('-1.5'), t.read('NaN'), t.read('0x10'), t.read('-2s'), t.read('Infinity')]).toEqual([
      0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(t.unreadable).toBe(5);
    expect(t.negative).toBe(2);
    expect(t.note()).toBe('5 time attributes Ratchet cannot read and 2 negative times (first: time="whatever") counted as 0 s');
  });

  it('the parser reports odd times per file, beside the cases it keeps', () => {
    const r = parseJunitText('<testsuite name="s"><testcase name="a" time="-1"/><testcase name="b" time="1,000.5"/></testsuite>');
    expect(r.partial).toBe(false);
    expect(r.cases.map((c) => c.durationSec)).toEqual([0, 1000.5]);
    expect(r.notes).toEqual(['1 negative time (first: time="-1") counted as 0 s']);
  });
});
