import type { IncomingMessage } from 'node:http';
import type { ZodType } from 'zod';
import { KeywardError, validationError } from '../errors.js';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** Reads a JSON body: application/json only, at most `maxBytes`, valid JSON; clear errors otherwise. */
export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new KeywardError(
      'unsupported_media_type',
      'Send the request body as JSON with Content-Type: application/json.',
    );
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw validationError('body', 'expected a JSON object.');
  try {
    return JSON.parse(text);
  } catch {
    throw validationError('body', 'is not valid JSON.');
  }
}

function tooLarge(maxBytes: number): KeywardError {
  return new KeywardError(
    'payload_too_large',
    `The request body is larger than ${Math.round(maxBytes / 1024)} KiB.`,
  );
}

/** Validates a parsed body with a zod schema; the first issue becomes validation_failed naming its field. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'body';
  throw validationError(field, issue?.message ?? 'is not valid.');
}
