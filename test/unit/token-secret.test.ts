import { describe, expect, it } from 'vitest';
import {
  BASE62_ALPHABET,
  DISPLAY_PREFIX_LENGTH,
  displayPrefixOf,
  encodeBase62Fixed,
  generateTokenSecret,
  hashTokenSecret,
  isValidTokenPrefix,
  isWellFormedTokenSecret,
  TOKEN_CHECKSUM_LENGTH,
  TOKEN_RANDOM_LENGTH,
  tokenChecksum,
  tokenSecretPattern,
} from '../../server/src/tokens/token-secret.js';

const PREFIX = 'kw';
const BASE62 = /^[0-9A-Za-z]+$/;

function randomPartOf(secret: string, prefix = PREFIX): string {
  return secret.slice(prefix.length + 1, prefix.length + 1 + TOKEN_RANDOM_LENGTH);
}

/** Replaces one character, choosing a different base62 character so only the value changes. */
function withCharAt(secret: string, index: number, replacement: string): string {
  return secret.slice(0, index) + replacement + secret.slice(index + 1);
}

describe('isValidTokenPrefix', () => {
  it.each([
    ['kw', true],
    ['keyward', true],
    ['a1', true],
    ['abcdefghijklmnop', true],
    ['k', false],
    ['abcdefghijklmnopq', false],
    ['Kw', false],
    ['1kw', false],
    ['kw_', false],
    ['k-w', false],
    ['', false],
  ])('judges %j as valid=%s', (prefix, expected) => {
    expect(isValidTokenPrefix(prefix)).toBe(expected);
  });
});

describe('generateTokenSecret', () => {
  it.each(['kw', 'acme', 'x9'])(
    'produces a well-formed secret of prefix+1+36 characters for %j',
    (prefix) => {
      const secret = generateTokenSecret(prefix);
      expect(secret.startsWith(`${prefix}_`)).toBe(true);
      expect(secret).toHaveLength(prefix.length + 1 + TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH);
      expect(secret.slice(prefix.length + 1)).toMatch(BASE62);
      expect(isWellFormedTokenSecret(secret, prefix)).toBe(true);
    },
  );

  it('refuses an invalid prefix rather than minting unparseable secrets', () => {
    expect(() => generateTokenSecret('KW')).toThrow(/prefix/);
    expect(() => generateTokenSecret('')).toThrow(/prefix/);
  });

  it('has at least 178 bits in the random part', () => {
    expect(TOKEN_RANDOM_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(178);
  });

  it('never repeats over many draws and every draw is well-formed', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const secret = generateTokenSecret(PREFIX);
      expect(isWellFormedTokenSecret(secret, PREFIX)).toBe(true);
      seen.add(secret);
    }
    expect(seen.size).toBe(10_000);
  });

  it('uses every base62 character roughly equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const draws = 5_000;
    for (let i = 0; i < draws; i++) {
      for (const char of randomPartOf(generateTokenSecret(PREFIX))) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
      }
    }
    expect([...counts.keys()].sort().join('')).toBe([...BASE62_ALPHABET].sort().join(''));
    // Expected ~2419 per char (sd ~49). Modulo bias would push 8 chars ~21% high; 10% is ~5 sd.
    const expected = (draws * TOKEN_RANDOM_LENGTH) / 62;
    for (const count of counts.values()) {
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
    }
  });
});

describe('isWellFormedTokenSecret', () => {
  const secret = generateTokenSecret(PREFIX);

  it('rejects the secret when any single character is changed to another base62 character', () => {
    for (let index = 0; index < secret.length; index++) {
      const original = secret[index];
      for (const replacement of BASE62_ALPHABET) {
        if (replacement === original) continue;
        expect(isWellFormedTokenSecret(withCharAt(secret, index, replacement), PREFIX)).toBe(false);
      }
    }
  });

  it('rejects the secret when any character is swapped for punctuation', () => {
    for (let index = 0; index < secret.length; index++) {
      for (const replacement of ['-', '_', ' ', '=', '\u00e9']) {
        if (replacement === secret[index]) continue;
        expect(isWellFormedTokenSecret(withCharAt(secret, index, replacement), PREFIX)).toBe(false);
      }
    }
  });

  it.each([
    ['the wrong prefix', () => isWellFormedTokenSecret(secret, 'kx')],
    ['a different but valid prefix', () => isWellFormedTokenSecret(generateTokenSecret('acme'), PREFIX)],
    ['an invalid prefix argument', () => isWellFormedTokenSecret(secret, 'K')],
    ['one character too few', () => isWellFormedTokenSecret(secret.slice(0, -1), PREFIX)],
    ['one character too many', () => isWellFormedTokenSecret(`${secret}0`, PREFIX)],
    ['a leading space', () => isWellFormedTokenSecret(` ${secret.slice(1)}`, PREFIX)],
    ['the empty string', () => isWellFormedTokenSecret('', PREFIX)],
    ['only the prefix', () => isWellFormedTokenSecret('kw_', PREFIX)],
    ['a megabyte-long string', () => isWellFormedTokenSecret(`kw_${'a'.repeat(1_000_000)}`, PREFIX)],
    ['an uppercase copy', () => isWellFormedTokenSecret(secret.toUpperCase(), PREFIX)],
  ])('returns false for %s', (_label, check) => {
    expect(check()).toBe(false);
  });

  it.each([null, undefined, 42, {}, [], Symbol('token'), { length: 39 }])(
    'returns false without throwing for the non-string %s',
    (value) => {
      expect(isWellFormedTokenSecret(value as unknown as string, PREFIX)).toBe(false);
      expect(isWellFormedTokenSecret(secret, value as unknown as string)).toBe(false);
    },
  );

  it('accepts a hand-built secret whose checksum has leading zeros', () => {
    // Search deterministic bodies for a CRC below 62^4, whose encoding starts with "00".
    let found: string | undefined;
    for (let i = 0; found === undefined && i < 100_000; i++) {
      const body = `kw_${i.toString(36).padStart(TOKEN_RANDOM_LENGTH, '0')}`;
      if (tokenChecksum(body).startsWith('00')) found = body + tokenChecksum(body);
    }
    expect(found).toBeDefined();
    const small = found as string;
    expect(small).toHaveLength(2 + 1 + TOKEN_RANDOM_LENGTH + TOKEN_CHECKSUM_LENGTH);
    expect(isWellFormedTokenSecret(small, PREFIX)).toBe(true);
  });
});

describe('encodeBase62Fixed', () => {
  it.each([
    [0, '000000'],
    [1, '000001'],
    [61, '00000z'],
    [62, '000010'],
    [62 ** 5, '100000'],
    [0xffffffff, '4gfFC3'],
    [62 ** 6 - 1, 'zzzzzz'],
  ])('encodes %i as the fixed-width %j', (value, encoded) => {
    expect(encodeBase62Fixed(value, TOKEN_CHECKSUM_LENGTH)).toBe(encoded);
  });

  it.each([-1, 1.5, 62 ** 6, Number.NaN])('refuses %d, which has no 6-digit encoding', (value) => {
    expect(() => encodeBase62Fixed(value, TOKEN_CHECKSUM_LENGTH)).toThrow(RangeError);
  });

  it('always yields six characters for the checksum', () => {
    for (const body of ['', 'kw_', 'kw_abc', generateTokenSecret(PREFIX)]) {
      expect(tokenChecksum(body)).toMatch(/^[0-9A-Za-z]{6}$/);
    }
  });
});

describe('hashTokenSecret', () => {
  it('is 64 lowercase hex characters and stable for the same secret', () => {
    const secret = generateTokenSecret(PREFIX);
    const hash = hashTokenSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashTokenSecret(secret)).toBe(hash);
    expect(hash).not.toContain(secret);
  });

  it('matches the known SHA-256 of a fixed input', () => {
    expect(hashTokenSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('differs between secrets', () => {
    expect(hashTokenSecret(generateTokenSecret(PREFIX))).not.toBe(
      hashTokenSecret(generateTokenSecret(PREFIX)),
    );
  });
});

describe('displayPrefixOf', () => {
  it('keeps the first 12 characters of the secret', () => {
    const secret = generateTokenSecret(PREFIX);
    expect(displayPrefixOf(secret)).toHaveLength(DISPLAY_PREFIX_LENGTH);
    expect(secret.startsWith(displayPrefixOf(secret))).toBe(true);
  });
});

describe('tokenSecretPattern', () => {
  it('finds every secret embedded in arbitrary text', () => {
    const a = generateTokenSecret(PREFIX);
    const b = generateTokenSecret(PREFIX);
    const text = `Authorization: Bearer ${a}\n{"token":"${b}"} KEYWARD_TOKEN=${a}.`;
    expect(text.match(tokenSecretPattern(PREFIX))).toEqual([a, b, a]);
  });

  it('ignores other prefixes and strings glued to longer alphanumeric runs', () => {
    const secret = generateTokenSecret(PREFIX);
    const other = generateTokenSecret('acme');
    const text = `x${secret} ${secret}0 ${other} kw_short`;
    expect(text.match(tokenSecretPattern(PREFIX))).toBeNull();
  });

  it('returns a fresh regex each call so global lastIndex state never leaks between scans', () => {
    const secret = generateTokenSecret(PREFIX);
    const first = tokenSecretPattern(PREFIX);
    expect(first.test(secret)).toBe(true);
    expect(tokenSecretPattern(PREFIX).test(secret)).toBe(true);
    expect(first.flags).toContain('g');
  });

  it('refuses an invalid prefix so no caller can inject regex syntax', () => {
    expect(() => tokenSecretPattern('.*')).toThrow(/prefix/);
  });
});
