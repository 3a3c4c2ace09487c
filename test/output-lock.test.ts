/**
 * The output lock (src/util/output-lock.ts): a run killed while taking it can leave its temporary file beside the
 * lock (`<lock>.<pid>.<hex>.tmp`); the next holder removes those of processes no longer running, and keeps a live
 * process's.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../src/util/output-lock.ts';
import { tempDir } from './support/prow-tree.ts';

describe('the output lock', () => {
  it('takes the lock and removes the temporary files of killed takers, not those of live ones', async () => {
    const dir = tempDir('ratchet-lock-');
    const file = path.join(dir, '.ratchet.lock');
    // Above Linux's largest pid (4,194,304): no such process can be running.
    const dead = path.join(dir, '.ratchet.lock.4194999.8186f557.tmp');
    const live = path.join(dir, `.ratchet.lock.${process.pid}.0badcafe.tmp`);
    const other = path.join(dir, 'cache.4194999.0.1.tmp');
    for (const f of [dead, live, other]) writeFileSync(f, '{}');
    const lock = await acquireLock(file, { command: 'test' });
    expect(existsSync(file)).toBe(true);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    // Not the lock's: another sweeper's business.
    expect(existsSync(other)).toBe(true);
    await lock.release();
    expect(readdirSync(dir).sort()).toEqual([path.basename(other), path.basename(live)].sort());
  });
});
