/**
 * Runs scripts/fault-injection.ts as CI does: a small tree with hostile and unlucky objects, `ratchet run` killed
 * with SIGKILL at five seeded random points, then normal runs whose snapshot equals a clean run's (see the script).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('the fault-injection script', () => {
  it('passes every check: nothing lost, nothing leaked, the same snapshot after five kills', { timeout: 300_000 }, async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'fault-injection.ts'), '--seed', '13', '--kills', '5'], { cwd: ROOT });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('close', (exit) => resolve({ code: exit, output: text }));
    });
    expect(output.match(/^kill \d: SIGKILL after \d+ ms/gm)).toHaveLength(5);
    expect(output, output).toMatch(/^fault injection: every check passed$/m);
    expect(code).toBe(0);
  });
});
