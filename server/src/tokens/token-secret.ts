/**
 * API-token secrets: `<prefix>_` + 30 random base62 chars + 6 base62 chars of CRC32.
 *
 * The checksum lets the server (and leak scanners) reject typos and random strings without a
 * database round trip; it is not a security control, the random part is.
 */
import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_RANDOM_LENGTH = 30;
export const TOKEN_CHECKSUM_LENGTH = 6;
export const DISPLAY_PREFIX_LENGTH = 12;
export const DEFAULT_TOKEN_PREFIX = 'kw';

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const TOKEN_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}$/;

/**
 * Largest multiple of 62 that fits in a byte (4 * 62). Bytes at or above it are rejected so that
 * `byte % 62` is uniform: without this the first 8 characters would be ~21% more likely.
 */
const UNBIASED_BYTE_LIMIT = 248;

export function isValidTokenPrefix(prefix: string): boolean {
  return typeof prefix === 'string' && TOKEN_PREFIX_PATTERN.test(prefix);
}

/** Total length of a secret for this prefix: prefix, underscore, random part, checksum. */
export function tokenSecretLength(prefix: string): number {
  return prefix.length + 1 + TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH;
}

function assertValidPrefix(prefix: string): void {
  if (!isValidTokenPrefix(prefix)) {
    throw new Error('Token prefix must match /^[a-z][a-z0-9]{1,15}$/ (check KEYWARD_TOKEN_PREFIX).');
  }
}

/**
 * Encodes a non-negative integer as exactly `width` base62 digits, most significant first.
 * Fixed width keeps every secret the same length, so a length check alone can reject most junk.
 */
export function encodeBase62Fixed(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 62 ** width) {
    throw new RangeError(`Value does not fit in ${width} base62 digits.`);
  }
  let rest = value;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62_ALPHABET.charAt(rest % 62) + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/** The 6-char checksum for everything before it (prefix, underscore and the random part). */
export function tokenChecksum(body: string): string {
  // `>>> 0` guarantees the unsigned reading even if a runtime ever returned a signed int.
  return encodeBase62Fixed(crc32(body) >>> 0, TOKEN_CHECKSUM_LENGTH);
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    // A little headroom means one randomBytes call almost always suffices despite rejections.
    const bytes = randomBytes(length + 8);
    for (const byte of bytes) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      out += BASE62_ALPHABET.charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateTokenSecret(prefix: string): string {
  assertValidPrefix(prefix);
  const body = `${prefix}_${randomBase62(TOKEN_RANDOM_LENGTH)}`;
  return body + tokenChecksum(body);
}

/** Value of a base62 digit by char code, or -1; avoids building lookup strings per call. */
function base62Value(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 65 && code <= 90) return code - 55; // A-Z
  if (code >= 97 && code <= 122) return code - 61; // a-z
  return -1;
}

/**
 * True only when the string has exactly this prefix, the exact length, only base62 after the
 * underscore, and a matching checksum. Cheap (length check first, one short slice for the CRC)
 * and never throws, because it runs on untrusted bearer values before anything else.
 */
export function isWellFormedTokenSecret(secret: string, prefix: string): boolean {
  if (typeof secret !== 'string' || !isValidTokenPrefix(prefix)) return false;
  if (secret.length !== tokenSecretLength(prefix)) return false;
  if (!secret.startsWith(prefix) || secret.charCodeAt(prefix.length) !== 95 /* _ */) return false;

  const checksumStart = secret.length - TOKEN_CHECKSUM_LENGTH;
  for (let i = prefix.length + 1; i < checksumStart; i++) {
    if (base62Value(secret.charCodeAt(i)) < 0) return false;
  }
  // Decode the checksum instead of re-encoding the CRC so the comparison allocates nothing.
  let presented = 0;
  for (let i = checksumStart; i < secret.length; i++) {
    const digit = base62Value(secret.charCodeAt(i));
    if (digit < 0) return false;
    presented = presented * 62 + digit;
  }
  return presented === crc32(secret.slice(0, checksumStart)) >>> 0;
}

/** SHA-256 hex of the secret: the only form the server stores or looks up. */
export function hashTokenSecret(secret: string): string {
  // One-shot crypto.hash (Node 20.12+) skips building a Hash object: this runs on every API call.
  return hash('sha256', secret, 'hex');
}

/** First 12 characters, kept so lists can identify a token without holding the secret. */
export function displayPrefixOf(secret: string): string {
  return secret.slice(0, DISPLAY_PREFIX_LENGTH);
}

/**
 * A new global RegExp matching token-shaped strings for `prefix` in arbitrary text. A fresh
 * object per call because global regexes carry `lastIndex` state. Boundaries stop matches inside
 * longer alphanumeric runs (`xkw_...` belongs to another prefix). Matches are only token-shaped:
 * confirm with isWellFormedTokenSecret before acting on one.
 */
export function tokenSecretPattern(prefix: string): RegExp {
  // Validation also guarantees the prefix has no regex metacharacters to escape.
  assertValidPrefix(prefix);
  const tail = TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH;
  return new RegExp(`(?<![0-9A-Za-z])${prefix}_[0-9A-Za-z]{${tail}}(?![0-9A-Za-z])`, 'g');
}

/** Token-shaped runs for any valid prefix (so secrets of an earlier KEYWARD_TOKEN_PREFIX count too). */
const ANY_TOKEN_SHAPED = new RegExp(
  `(?<![0-9A-Za-z])[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{${TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH}}(?![0-9A-Za-z])`,
  'g',
);

/**
 * `text` with anything token-shaped replaced by `[redacted]`: for request paths that end up in log
 * lines and error messages, where a user may have pasted a secret (`DELETE /api/tokens/kw_...`).
 */
export function redactTokenSecrets(text: string): string {
  return text.replace(ANY_TOKEN_SHAPED, '[redacted]');
}
