/**
 * The one error catalogue: code → HTTP status → default message.
 * REST renders the lower_snake code, GraphQL the UPPER_SNAKE form.
 */
export const errorCatalogue = {
  missing_token: {
    status: 401,
    message: 'This route needs an API token: send Authorization: Bearer <token>.',
  },
  invalid_token: { status: 401, message: 'The API token is not valid.' },
  token_revoked: { status: 401, message: 'The API token has been revoked.' },
  token_expired: { status: 401, message: 'The API token has expired.' },
  token_rotated: {
    status: 401,
    message: 'The API token was rotated and its grace period is over: use its successor.',
  },
  token_inactive: { status: 401, message: 'The API token is inactive.' },
  token_user_missing: { status: 401, message: 'The account that owns this API token no longer exists.' },
  token_not_yet_valid: {
    status: 401,
    message: 'The API token is not valid yet: it works from its notBefore instant.',
  },
  unauthenticated: { status: 401, message: 'You need to log in.' },
  invalid_credentials: { status: 401, message: 'Email or password is incorrect.' },
  invalid_link: { status: 400, message: 'This link is invalid or has expired.' },
  insufficient_scope: { status: 403, message: 'The token lacks a permission this request needs.' },
  ip_not_allowed: { status: 403, message: 'This API token may not be used from this address.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  pro_license_required: { status: 403, message: 'This item needs an active Pro licence (plan pro or team).' },
  plan_upgrade_required: { status: 403, message: 'This needs a higher plan than the account has.' },
  email_not_verified: { status: 403, message: 'Verify your email address first.' },
  policy_expiry_required: {
    status: 403,
    message: "The organization's policy requires its tokens to have an expiry.",
  },
  policy_max_lifetime_exceeded: {
    status: 403,
    message: "The token would live longer than the organization's policy allows.",
  },
  policy_preset_not_allowed: {
    status: 403,
    message: "The organization's policy does not allow this preset.",
  },
  csrf_failed: {
    status: 403,
    message: 'Cross-site request refused: send the X-Keyward-CSRF: 1 header or a same-origin Origin header.',
  },
  component_not_found: { status: 404, message: 'No component has that slug.' },
  block_not_found: { status: 404, message: 'No block has that slug.' },
  not_found: { status: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, message: 'This method is not allowed on this route.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  email_taken: { status: 409, message: 'An account with this email already exists.' },
  token_limit_reached: { status: 409, message: 'You have reached the maximum number of active tokens.' },
  validation_failed: { status: 400, message: 'The request is not valid.' },
  query_too_complex: { status: 400, message: 'The query costs more than the limit; ask for less.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  request_timeout: { status: 408, message: 'The request body did not arrive in time.' },
  rate_limit_exceeded: { status: 429, message: 'Too many requests: slow down and retry later.' },
  usage_exhausted: {
    status: 429,
    message: 'The API token has used all its credits (usageLimit); they come back only with a refill.',
  },
  component_source_unreadable: { status: 500, message: 'The component source could not be read.' },
  block_source_unreadable: { status: 500, message: 'The block source could not be read.' },
  service_unavailable: { status: 503, message: 'The service is temporarily unavailable; retry shortly.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An expected failure with a public code; anything else thrown is masked as internal_error. */
export class KeywardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers (e.g. rate-limit headers on a 429). */
  readonly headers: Record<string, string>;
  /** The input field a validation error is about, when there is one. */
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    /** `status` overrides the code's own, for a code used about something other than the credential. */
    options: { headers?: Record<string, string>; field?: string; status?: number } = {},
  ) {
    // An expected failure (4xx) is an answer, not a bug: nothing reads its stack, and capturing
    // one cost more than the rest of a rejected request (15% of the CPU of a flood of malformed
    // tokens in the benchmark). Server-side failures (5xx) keep theirs.
    const stackTraceLimit = Error.stackTraceLimit;
    if (errorCatalogue[code].status < 500) Error.stackTraceLimit = 0;
    super(message ?? errorCatalogue[code].message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'KeywardError';
    this.code = code;
    this.status = options.status ?? errorCatalogue[code].status;
    this.headers = options.headers ?? {};
    this.field = options.field;
  }

  /** UPPER_SNAKE form used in GraphQL `extensions.code`. */
  get graphqlCode(): string {
    return this.code.toUpperCase();
  }
}

export const isKeywardError = (error: unknown): error is KeywardError => error instanceof KeywardError;

/** A validation_failed error whose message says which field and why, e.g. `name: use 1–100 characters.` */
export function validationError(field: string, reason: string): KeywardError {
  return new KeywardError('validation_failed', `${field}: ${reason}`, { field });
}

/**
 * The one answer for an unusable `after` cursor: malformed, from another list, another account's
 * or unknown are not told apart (a foreign cursor must reveal nothing about its owner's data).
 */
export function invalidCursorError(): KeywardError {
  return validationError('after', 'not a cursor of this list; pass back an endCursor unchanged.');
}
