/**
 * A start-up failure the operator can fix: main prints its message, one line naming the fix,
 * instead of a stack trace.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
