/**
 * Worker threads that load runs (load-run.ts), so a fetch uses every core: parsing JUnit is CPU-bound, and one
 * thread parses about as fast as a remote GCS (or the local disk) delivers. Each worker opens its own copy of the
 * source from its spec and writes records to the cache itself; only run summaries cross threads.
 *
 * A worker that dies (a crash, out of memory) fails the runs it held, which the fetch lists as problems, and is
 * replaced for the runs after them; one that keeps dying stops being replaced.
 */
import { Worker } from 'node:worker_threads';
import type { ObjectLimits } from '../config/run-plan.ts';
import type { SourceSpec } from '../source/source-spec.ts';
import type { RunLocation } from './discover.ts';
import type { LoadedRun } from './load-run.ts';

export interface WorkerInit {
  spec: SourceSpec;
  /** RunCache.dir: the cache of this source. */
  cacheDir: string;
  limits: ObjectLimits;
}

export type WorkerRequest = { id: number; location: RunLocation };
/** An error crosses as its message, with its errno code (ENOSPC…) so the fetch can tell the disk's errors apart. */
export type WorkerReply = { id: number; loaded: LoadedRun } | { id: number; error: string; code?: string; path?: string };

/**
 * A worker keeps dozens of runs in flight, each holding its test cases until the run's record is written: with a
 * 48 MB young generation many of them outlived a collection and were copied, and promoted; 96 MB cut the client
 * CPU per run by about 8 % (bench/ingest.ts setups, A/B in one process), for at most 48 MB more per worker.
 */
const YOUNG_GENERATION_MB = Number(process.env.RATCHET_YOUNG_MB ?? 96);

/** Deaths after which a slot gets no new worker. */
const MAX_DEATHS = 3;

interface Pending {
  resolve: (loaded: LoadedRun) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  deaths: number;
  lastError: string | undefined;
}

export class IngestPool {
  readonly size: number;
  readonly #init: WorkerInit;
  readonly #slots: Slot[];
  #nextId = 0;
  #closed = false;

  constructor(init: WorkerInit, size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`IngestPool: size must be a whole number >= 1, got ${size}`);
    this.size = size;
    this.#init = init;
    this.#slots = Array.from({ length: size }, () => ({ worker: undefined, pending: new Map(), deaths: 0, lastError: undefined }));
  }

  /** Load one run in the least busy worker. Rejects when that worker dies or cannot be started. */
  load(location: RunLocation): Promise<LoadedRun> {
    if (this.#closed) return Promise.reject(new Error('the ingest pool was closed'));
    const usable = this.#slots.filter((s) => s.deaths < MAX_DEATHS);
    if (usable.length === 0) {
      return Promise.reject(
        new Error(
          `every ingest worker died ${MAX_DEATHS} times (last: ${this.#slots[0]!.lastError ?? 'unknown'}); fetch with --workers 0 to read on the main thread and see the error`,
        ),
      );
    }
    const slot = usable.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const worker = slot.worker ?? this.#start(slot);
    const id = ++this.#nextId;
    return new Promise<LoadedRun>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      worker.postMessage({ id, location } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = undefined;
        if (worker) await worker.terminate();
      }),
    );
  }

  #start(slot: Slot): Worker {
    const worker = new Worker(new URL('./ingest-worker.ts', import.meta.url), {
      workerData: this.#init,
      // Parsing allocates many short-lived strings and objects; a larger young generation makes fewer, cheaper
      // collections (bench/ingest.ts).
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    slot.worker = worker;
    worker.on('message', (reply: WorkerReply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if ('error' in reply)
        pending.reject(Object.assign(new Error(reply.error), reply.code ? { code: reply.code } : {}, reply.path ? { path: reply.path } : {}));
      else pending.resolve(reply.loaded);
    });
    const fail = (reason: string): void => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      if (this.#closed) return;
      slot.deaths++;
      slot.lastError = reason;
      for (const pending of slot.pending.values()) pending.reject(new Error(`the ingest worker died: ${reason}`));
      slot.pending.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exited with code ${code}`));
    return worker;
  }
}
