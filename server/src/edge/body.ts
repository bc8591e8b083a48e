import type { IncomingMessage } from 'node:http';
import type { ZodType } from 'zod';
import { KeywardError, validationError } from '../errors.js';

export function tooLarge(maxBytes: number): KeywardError {
  return new KeywardError(
    'payload_too_large',
    `The request body is larger than ${Math.round(maxBytes / 1024)} KiB.`,
  );
}

/** Refuses a declared Content-Length over the limit before a byte of the body is read. */
export function assertDeclaredLength(req: IncomingMessage, maxBytes: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge(maxBytes);
}

/**
 * Reads the whole body: at most `maxBytes` (payload_too_large as soon as it is exceeded, chunked
 * bodies included) and within `timeoutMs` (request_timeout for a client that trickles it).
 */
export function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      cleanup();
      reject(new KeywardError('request_timeout'));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new KeywardError('request_timeout', 'The client closed the request before sending its body.'));
    };
    function cleanup() {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

/** Parses a JSON body: application/json only, valid JSON; clear errors otherwise. */
export function parseJsonBody(req: IncomingMessage, raw: Buffer): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new KeywardError(
      'unsupported_media_type',
      'Send the request body as JSON with Content-Type: application/json.',
    );
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') throw validationError('body', 'expected a JSON object.');
  try {
    return JSON.parse(text);
  } catch {
    throw validationError('body', 'is not valid JSON.');
  }
}

/** Validates a parsed body with a zod schema; the first issue becomes validation_failed naming its field. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'body';
  throw validationError(field, issue?.message ?? 'is not valid.');
}
