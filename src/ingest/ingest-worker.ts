/** Entry point of an ingest worker thread (see ingest-pool.ts): load the runs the main thread sends. */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openSourceSpec } from '../source/open-source.ts';
import { loadRun } from './load-run.ts';
import { RunCache } from './run-cache.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from './ingest-pool.ts';

const port = parentPort;
if (!port) throw new Error('ingest-worker.ts runs as a worker thread (see ingest-pool.ts), not on its own');
const init = workerData as WorkerInit;
const source = await openSourceSpec(init.spec);
const cache = new RunCache(path.dirname(init.cacheDir), path.basename(init.cacheDir));

port.on('message', (request: WorkerRequest) => {
  loadRun(source, cache, request.location, init.limits).then(
    (loaded) => port.postMessage({ id: request.id, loaded } satisfies WorkerReply),
    (error: unknown) => {
      const { code, path: file } = (error ?? {}) as NodeJS.ErrnoException;
      port.postMessage({
        id: request.id,
        error: error instanceof Error ? error.message : String(error),
        ...(typeof code === 'string' ? { code } : {}),
        ...(typeof file === 'string' ? { path: file } : {}),
      } satisfies WorkerReply);
    },
  );
});
