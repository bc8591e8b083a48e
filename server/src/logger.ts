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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'keyward' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
