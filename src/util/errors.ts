/** A mistake in how Ratchet was called (bad option, bad config, missing path): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Errors of the machine rather than of the data: a full disk, a refused write, too many open files. No retry or
 * "list it and go on" helps with these; the run stops, and describeEnvironmentError says what to do.
 */
const ENVIRONMENT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);

export function isEnvironmentError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && ENVIRONMENT_CODES.has((error as NodeJS.ErrnoException).code!);
}

/** One line for an environment error: what happened, where, and what to do; undefined for other errors. */
export function describeEnvironmentError(error: unknown): string | undefined {
  if (!isEnvironmentError(error)) return undefined;
  const where = error.path ? ` ${error.path}` : '';
  const kept = 'the last published report and every snapshot were left as they were';
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left on the device writing${where}: free some space (or point --out and --cache at another disk) and run again; ${kept}`;
    case 'EROFS':
      return `the file system is read-only writing${where}: point --out and --cache at a writable directory; ${kept}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${error.syscall ? ` (${error.syscall})` : ''}${where}: check that you may write there (owner and mode of the directory), or point --out and --cache elsewhere; ${kept}`;
    default:
      return `too many open files${where} (${error.code}): raise the limit (ulimit -n) or lower --concurrency and --workers; ${kept}`;
  }
}
