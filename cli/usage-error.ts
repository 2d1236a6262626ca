/** A mistake in how a command was called (unknown cell, missing option): exit code 2, like a bad flag. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
