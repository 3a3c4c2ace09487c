/**
 * The crc32c the GCS source validates downloads with (src/source/crc32c.ts): the published check values, the
 * client's own implementation on random data split anywhere, and the validator interface the client calls.
 */
import { randomBytes } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { crc32cBase64, crc32cUpdate, FastCrc32c } from '../src/source/crc32c.ts';

describe('crc32c', () => {
  it('gives the published check values', () => {
    // RFC 3720 B.4 / the CRC catalogue: "123456789" → 0xE3069283.
    expect(crc32cUpdate(0, Buffer.from('123456789')) >>> 0).toBe(0xe3069283);
    expect(crc32cUpdate(0, new Uint8Array(32)) >>> 0).toBe(0x8a9136aa);
    expect(crc32cUpdate(0, new Uint8Array(32).fill(0xff)) >>> 0).toBe(0x62a8ab43);
    // The client's documented example.
    expect(crc32cBase64(crc32cUpdate(0, Buffer.from('data')))).toBe('rth90Q==');
    expect(crc32cUpdate(0, new Uint8Array(0))).toBe(0);
  });

  it("agrees with the client's implementation on random data fed in random pieces", () => {
    for (let round = 0; round < 20; round++) {
      const data = randomBytes(Math.floor(Math.random() * 70_000));
      const reference = new CRC32C();
      reference.update(data);
      const ours = new FastCrc32c();
      for (let at = 0; at < data.length; ) {
        const next = Math.min(data.length, at + 1 + Math.floor(Math.random() * 5000));
        ours.update(data.subarray(at, next));
        at = next;
      }
      expect(ours.toString()).toBe(reference.toString());
      expect(ours.validate(reference.toString())).toBe(true);
      expect(ours.validate(reference.valueOf())).toBe(true);
      expect(ours.validate('AAAAAA==')).toBe(reference.toString() === 'AAAAAA==');
    }
  });
});
