/**
 * What must not outlive the process: a lock file, a child process, a staging directory. Each is registered here
 * while it exists and undone, synchronously, when the process exits, also on Ctrl-C or SIGTERM (Node exits on those
 * without 'exit' handlers unless told otherwise: handleSignals). SIGKILL cannot be caught: for that, whatever is left
 * carries its owner's identity (process-identity.ts) and the next run cleans up after a dead owner.
 */

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let listening = false;

function runAll(): void {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // the process is going: the next run cleans up what is left
    }
  }
}

/** Runs `cleanup` when the process exits, unless the returned function is called first (it then forgets it). */
export function onExit(cleanup: Cleanup): () => void {
  if (!listening) {
    listening = true;
    process.on('exit', runAll);
  }
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Exits with 128 + the signal's number on SIGINT, SIGTERM and SIGHUP, so that the 'exit' cleanups run. Returns the
 * function that removes the handlers (a CLI called in-process, as tests do, must leave the process as it was).
 */
export function handleSignals(): () => void {
  const handlers = Object.entries(SIGNALS).map(([signal, code]) => {
    const handler = (): void => {
      process.stderr.write(`ratchet: stopped by ${signal}; what was published is as it was\n`);
      process.exit(code);
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}
