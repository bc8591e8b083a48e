import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths pino censors wherever they appear: credentials must never reach a log line,
 * whatever a caller passes in.
 */
export const redactedPaths = [
  'password',
  'newPassword',
  'secret',
  'token',
  'refreshToken',
  'accessToken',
  'authorization',
  'cookie',
  '*.password',
  '*.newPassword',
  '*.secret',
  '*.token',
  '*.refreshToken',
  '*.accessToken',
  '*.authorization',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

/** Error fields that name what failed, never the data it failed on (a row's `detail`, a query's values). */
const safeErrorFields = [
  'type',
  'name',
  'code',
  'severity',
  'schema',
  'table',
  'column',
  'constraint',
  'routine',
];

/**
 * Removes the values a database error carries in its text: SQL string literals (the ORM inlines a
 * failing statement's parameters: emails, password hashes, token hashes), a failing row or key
 * (`Failing row contains (...)`, `Key (email)=(...)`) and quoted input (`for type uuid: "..."`).
 * Table, column and constraint names stay, so the line still says what failed.
 */
export function redactErrorText(text: string): string {
  return text
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/Failing row contains .*$/gm, 'Failing row contains (?)')
    .replace(/(Key \([^)]*\))=\(.*$/gm, '$1=(?)')
    .replace(/: "(?:[^"]|"")*"/g, ': "?"');
}

/**
 * The `err` serializer: an Error becomes its type, redacted message and stack, and the fields in
 * safeErrorFields (its cause likewise); a string is redacted the same way. Anything else on the
 * error (`detail`, `where`, parameters) is dropped.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactErrorText(value);
  if (!(value instanceof Error) || depth > 3) return value instanceof Error ? '[cause]' : value;
  const fields = value as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {
    type: value.constructor.name,
    message: redactErrorText(value.message),
    stack: redactErrorText(value.stack ?? ''),
  };
  for (const field of safeErrorFields) {
    const fieldValue = fields[field];
    if (field !== 'type' && (typeof fieldValue === 'string' || typeof fieldValue === 'number'))
      out[field] = fieldValue;
  }
  if (value.cause !== undefined) out.cause = serializeError(value.cause, depth + 1);
  return out;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'keyward' },
      serializers: {
        err: (value: unknown) => serializeError(value),
        error: (value: unknown) => serializeError(value),
      },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
