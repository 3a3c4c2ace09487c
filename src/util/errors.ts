/** A mistake in how Ratchet was called (bad option, bad config, missing path): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
