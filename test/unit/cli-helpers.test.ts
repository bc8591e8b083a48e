/** The CLI's pure helpers: token references, install paths, relative times, server URLs. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeApiUrl } from '../../cli/src/context.js';
import { CliError } from '../../cli/src/errors.js';
import { planInstall, safeSegments } from '../../cli/src/install-files.js';
import { relativeTime } from '../../cli/src/output.js';
import { displayReference, resolveTokenReference } from '../../cli/src/resolve-token.js';
import type { TokenNode } from '../../cli/src/tokens-api.js';

function node(id: string, displayPrefix: string, status: TokenNode['status'] = 'ACTIVE'): TokenNode {
  return {
    id,
    name: `token ${id.slice(0, 4)}`,
    description: null,
    displayPrefix,
    preset: 'CLI',
    permissions: [],
    status,
    active: true,
    expiresAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastUsedAt: null,
    revokedAt: null,
    allowedCidrs: null,
    notBefore: null,
    usageLimit: null,
    usageRemaining: null,
    usageRefill: null,
  };
}

const A = node('a1b2c3d4-0000-4000-8000-000000000001', 'kw_4Jf0a1b2c');
const B = node('a1b2ffff-0000-4000-8000-000000000002', 'kw_4Jf0zzzzz');
const C = node('c0ffee00-0000-4000-8000-000000000003', 'kw_Q9x8y7w6v', 'REVOKED');
const D = node('c0ffee11-0000-4000-8000-000000000004', 'kw_Q9x8aaaaa');
const TOKENS = [A, B, C, D];

describe('resolveTokenReference', () => {
  it.each([
    ['a full id', A.id, A],
    ['a full id in upper case', A.id.toUpperCase(), A],
    ['an id prefix', 'a1b2c3', A],
    ['a whole display prefix', 'kw_4Jf0a1b2c', A],
    ['a display prefix as listed', 'kw_4Jf0a1b2c...', A],
    ['a shorter display prefix', 'kw_4Jf0z', B],
    ['a whole secret (first 12 characters)', `kw_4Jf0zzzzz${'x'.repeat(27)}`, B],
    ['a prefix also matching a revoked token: the live one', 'c0ffee', D],
    ['a prefix matching only a revoked token', 'kw_Q9x8y', C],
  ])('matches %s', (_what, reference, expected) => {
    expect(resolveTokenReference(reference, TOKENS)).toEqual({ kind: 'match', token: expected });
  });

  it.each([
    ['id prefix', 'a1b2'],
    ['display prefix', 'kw_4Jf0'],
  ])('reports an ambiguous %s with every candidate', (_what, reference) => {
    expect(resolveTokenReference(reference, TOKENS)).toEqual({ kind: 'ambiguous', candidates: [A, B] });
  });

  it.each(['deadbeef', 'kw_nothing', ''])('finds nothing for %j', (reference) => {
    expect(resolveTokenReference(reference, TOKENS)).toEqual({ kind: 'none' });
  });

  it('echoes a pasted secret only up to its display prefix', () => {
    expect(displayReference(`kw_4Jf0zzzzz${'x'.repeat(27)}`)).toBe('kw_4Jf0zzzzz...');
    expect(displayReference('a1b2c3')).toBe('a1b2c3');
  });
});

describe('install paths', () => {
  it.each([
    ['button.tsx', ['button.tsx']],
    ['./src/button.tsx', ['src', 'button.tsx']],
    ['src//button.tsx', ['src', 'button.tsx']],
    ['src\\button.tsx', ['src', 'button.tsx']],
  ])('accepts %j', (raw, segments) => {
    expect(safeSegments(raw)).toEqual(segments);
  });

  it.each(['../x', 'a/../../x', 'a/..', '/etc/passwd', '\\\\server\\share', 'C:\\x', 'c:x', '', '.', 'a\0b'])(
    'rejects %j',
    (raw) => {
      expect(() => safeSegments(raw)).toThrow(CliError);
    },
  );

  it('plans targets inside the output directory and rejects duplicates', () => {
    const planned = planInstall('out', [{ path: 'a/b.ts', content: 'x' }]);
    expect(planned[0]?.target).toBe(path.resolve('out', 'a', 'b.ts'));
    expect(() =>
      planInstall('out', [
        { path: 'a.ts', content: '1' },
        { path: './a.ts', content: '2' },
      ]),
    ).toThrow(/twice/);
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  it.each([
    ['2026-06-01T11:59:30Z', 'just now'],
    ['2026-06-01T10:00:00Z', '2 hours ago'],
    ['2026-06-01T11:55:00Z', '5 minutes ago'],
    ['2026-05-29T12:00:00Z', '3 days ago'],
    ['2026-07-01T11:59:00Z', 'in 30 days'],
    ['2027-06-01T12:00:00Z', 'in 1 year'],
  ])('%s is %j', (iso, expected) => {
    expect(relativeTime(iso, now)).toBe(expected);
  });
});

describe('normalizeApiUrl', () => {
  it.each([
    ['http://localhost:4000', 'http://localhost:4000'],
    ['http://localhost:4000/', 'http://localhost:4000'],
    ['https://keys.example.com/keyward/', 'https://keys.example.com/keyward'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeApiUrl(raw)).toBe(expected);
  });

  it.each(['localhost:4000x', 'ftp://example.com', 'not a url'])('%s is a usage error (exit 2)', (raw) => {
    expect(() => normalizeApiUrl(raw)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
