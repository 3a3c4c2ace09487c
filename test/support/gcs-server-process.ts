/**
 * The GCS test server in a process of its own, so that a bench's client and server do not share a core: the
 * bench forks itself with forkGcsTestServer(), and the child, seeing its arguments, calls
 * serveInChildProcess(). Kept apart from gcs-harness.ts, which loads vitest.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type GcsTestServer, startGcsTestServer } from './gcs-test-server.ts';

/** What a server child sends its parent once it listens. */
interface ServerReady {
  type: 'ready';
  url: string;
}

/**
 * The child side of forkGcsTestServer(): serves `root`, every response held back `latencyMs` (to mimic a
 * remote GCS), tells the parent its URL, and exits when the parent disconnects.
 */
export async function serveInChildProcess(root: string, bucket: string, latencyMs: number): Promise<GcsTestServer> {
  const server = await startGcsTestServer({ root, bucket, ...(latencyMs > 0 ? { faults: () => ({ kind: 'slow' as const, delayMs: latencyMs }) } : {}) });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  process.send?.({ type: 'ready', url: server.url } satisfies ServerReady);
  return server;
}

export interface ForkedGcsTestServer {
  child: ChildProcess;
  /** The server's URL, once it listens; rejects if the child exits first. */
  url: Promise<string>;
  /** Disconnects the child and waits for it to exit. */
  stop(): Promise<void>;
}

/** Forks `script` with `args`; the script calls serveInChildProcess() when it sees them. */
export function forkGcsTestServer(script: string, args: string[]): ForkedGcsTestServer {
  const child = fork(script, args, { execArgv: process.execArgv });
  const url = new Promise<string>((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if ((message as Partial<ServerReady>).type !== 'ready') return;
      child.off('message', onMessage);
      resolve((message as ServerReady).url);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the GCS test server process exited early with code ${code}`)));
  });
  // A bench that fails before it asks for the URL must not also die of an unhandled rejection.
  url.catch(() => {});
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}
