/**
 * Vitest setup file (vitest.config.ts), run in each test file before the file itself: removes the file's
 * temporary directories after its tests.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './prow-tree.ts';

// Registered before any hook of the test file, so it runs after all of them (sequence.hooks 'stack' runs
// after-hooks in reverse order): the servers and child processes a file closes in its own afterAll are
// gone before their directories are.
afterAll(removeTempDirs);
