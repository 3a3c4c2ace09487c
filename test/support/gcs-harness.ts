/**
 * The GCS test server as the tests use it, written once (the benches' server in its own process is in
 * gcs-server-process.ts, which does not load vitest):
 * - useGcsTestServer(): in a test file (or a describe block), a bucket directory filled once, served before
 *   the tests, each test starting with the server's original fault policy and fresh counts, and the
 *   server and every source made through it closed afterwards (its directories, made by tempDir(), go
 *   after the test file).
 * - withGcsTestServer(): a server for one test's own tree, closed whatever the test does.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createGcsSource, type GcsSourceOptions } from '../../src/source/gcs-source.ts';
import type { BucketSource } from '../../src/source/source.ts';
import { BUCKET } from './constants.ts';
import { type FaultConfig, type FaultFunction, type GcsTestServer, type GcsTestServerOptions, startGcsTestServer } from './gcs-test-server.ts';
import { tempDir } from './prow-tree.ts';

interface GcsHarnessOptions {
  /** Default: BUCKET, the name of OpenShift's bucket. */
  bucket?: string;
  /** Fills the bucket directory (empty, and existing) before the server starts. */
  fill?: (root: string) => void | Promise<void>;
  /** The fault policy the server starts with, and goes back to after each test. Default: none. */
  faults?: FaultConfig | FaultFunction;
  /** Settings of every source(), under the options given to the call itself (e.g. fast retries). */
  sourceDefaults?: Partial<GcsSourceOptions>;
  /** For a large fill. Default: vitest's hookTimeout. */
  timeoutMs?: number;
}

interface GcsHarness {
  readonly bucket: string;
  /** The bucket directory the server serves. */
  readonly root: string;
  readonly server: GcsTestServer;
  /** A GCS source reading the server, closed after the tests. */
  source(options?: Partial<GcsSourceOptions>): BucketSource;
  /** tempDir(): a new temp directory, removed after the test file. */
  tempDir(prefix?: string): string;
}

export function useGcsTestServer(options: GcsHarnessOptions = {}): GcsHarness {
  const bucket = options.bucket ?? BUCKET;
  let root: string | undefined;
  let server: GcsTestServer | undefined;
  const sources: BucketSource[] = [];
  const started = (): GcsTestServer => {
    if (!server) throw new Error('useGcsTestServer: the server starts in beforeAll; use it inside a test or a hook after that');
    return server;
  };
  const harness: GcsHarness = {
    bucket,
    get root() {
      if (!root) throw new Error('useGcsTestServer: the bucket directory is made in beforeAll; use it inside a test or a hook after that');
      return root;
    },
    get server() {
      return started();
    },
    source(sourceOptions = {}) {
      const source = createGcsSource({ bucket, endpoint: started().url, ...options.sourceDefaults, ...sourceOptions });
      sources.push(source);
      return source;
    },
    tempDir(prefix = 'ratchet-gcs-') {
      return tempDir(prefix);
    },
  };

  beforeAll(async () => {
    // A folder inside the temp directory, so the bucket holds nothing but what fill() wrote.
    root = path.join(harness.tempDir('ratchet-gcs-bucket-'), 'bucket');
    mkdirSync(root);
    await options.fill?.(root);
    server = await startGcsTestServer({ root, bucket, ...(options.faults ? { faults: options.faults } : {}) });
  }, options.timeoutMs);

  afterEach(() => {
    server?.setFaults(options.faults);
    server?.resetStats();
  });

  afterAll(async () => {
    for (const source of sources) await source.close?.();
    await server?.close();
  });

  return harness;
}

/** Serves `options.root` for the length of `use`, then closes the server, also when `use` throws. */
export async function withGcsTestServer<T>(options: GcsTestServerOptions, use: (server: GcsTestServer) => Promise<T>): Promise<T> {
  const server = await startGcsTestServer(options);
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}
