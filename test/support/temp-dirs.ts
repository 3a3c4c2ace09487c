/** Temporary directories a test file makes, all removed after its last test. */
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tempDir } from './prow-tree.ts';

/** Call at a test file's top level: returns `temp(prefix)`, which makes a directory that goes after the file's tests. */
export function tempDirsRemovedAfterAll(): (prefix: string) => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = tempDir(prefix);
    dirs.push(dir);
    return dir;
  };
}
