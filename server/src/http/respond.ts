import type { ServerResponse } from 'node:http';
import { errorCatalogue, isKeywardError, type KeywardError } from '../errors.js';
import type { Logger } from '../logger.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

/** The REST error body: {error, message, requestId}, with the code's status and any extra headers. */
export function sendError(res: ServerResponse, error: KeywardError, requestId: string) {
  sendJson(res, error.status, { error: error.code, message: error.message, requestId }, error.headers);
}

/** Anything that is not a KeywardError is logged and answered as internal_error, revealing nothing. */
export function sendUnexpected(res: ServerResponse, error: unknown, requestId: string, logger: Logger) {
  if (isKeywardError(error)) return sendError(res, error, requestId);
  logger.error({ err: error, requestId }, 'unexpected error');
  if (res.headersSent) return res.destroy();
  sendJson(res, 500, { error: 'internal_error', message: errorCatalogue.internal_error.message, requestId });
}
