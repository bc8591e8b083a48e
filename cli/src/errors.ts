/** Exit codes: 1 for failures (server errors, network errors, refusals), 2 for usage errors. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** An expected failure: main prints `message` (never a stack) and exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  /**
   * A machine-readable code: the server's (REST lower_snake or GraphQL UPPER_SNAKE) when the
   * failure came from the server, else the CLI's own (`usage_error`, `token_not_found`, ...).
   */
  readonly code: string | undefined;
  /** Extra lines printed after the message, e.g. what to do next. */
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: number; code?: string; hint?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
    this.code = options.code;
    this.hint = options.hint;
  }
}

/** A mistake in how the command was called (exit 2). */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, { exitCode: EXIT_USAGE, code: 'usage_error', hint });
}

export const LOGIN_HINT = 'Run `keyward login` with a valid token (or set KEYWARD_TOKEN).';

export function isNodeErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
