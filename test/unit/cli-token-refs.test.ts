/** Token references by exact name, when a revoke asks first, and a child token's expiry. */
import { describe, expect, it } from 'vitest';
import { childExpiry } from '../../cli/src/commands/token-create.js';
import { CliError } from '../../cli/src/errors.js';
import { isExactReference, resolveTokenReference } from '../../cli/src/resolve-token.js';
import type { TokenNode } from '../../cli/src/tokens-api.js';

function node(id: string, name: string, status: TokenNode['status'] = 'ACTIVE'): TokenNode {
  return {
    id,
    name,
    description: null,
    displayPrefix: `kw_${id.slice(0, 9)}`,
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

const CI = node('a1b2c3d4-0000-4000-8000-000000000001', 'ci');
const OLD_CI = node('b1b2c3d4-0000-4000-8000-000000000002', 'ci', 'REVOKED');
const DEPLOY = node('c1b2c3d4-0000-4000-8000-000000000003', 'deploy');
const TWIN_A = node('d1b2c3d4-0000-4000-8000-000000000004', 'twin');
const TWIN_B = node('e1b2c3d4-0000-4000-8000-000000000005', 'twin');

describe('resolveTokenReference by name', () => {
  it('matches an exact name, even shorter than a prefix may be, preferring the un-revoked one', () => {
    expect(resolveTokenReference('ci', [CI, OLD_CI, DEPLOY])).toEqual({ kind: 'match', token: CI });
  });

  it('reports two live tokens of the same name as ambiguous', () => {
    expect(resolveTokenReference('twin', [TWIN_A, TWIN_B])).toEqual({
      kind: 'ambiguous',
      candidates: [TWIN_A, TWIN_B],
    });
  });

  it('is case-sensitive for names and finds nothing for a short non-name', () => {
    expect(resolveTokenReference('CI', [CI])).toEqual({ kind: 'none' });
    expect(resolveTokenReference('a1', [CI])).toEqual({ kind: 'none' });
  });

  it('counts a whole id or the name as exact, a prefix not', () => {
    expect(isExactReference(CI.id, CI)).toBe(true);
    expect(isExactReference('ci', CI)).toBe(true);
    expect(isExactReference('a1b2c3', CI)).toBe(false);
  });
});

describe('childExpiry', () => {
  const now = Date.parse('2026-06-01T00:00:00.000Z');
  const parent = '2026-06-11T00:00:00.000Z';

  it('keeps never and --expires when the logged-in token never expires', () => {
    expect(childExpiry(undefined, null, now)).toEqual({});
    expect(childExpiry(90, null, now)).toEqual({ expiresInDays: 90 });
  });

  it("defaults to the logged-in token's expiry and allows anything up to it", () => {
    expect(childExpiry(undefined, parent, now)).toEqual({ expiresAt: parent });
    expect(childExpiry(10, parent, now)).toEqual({ expiresInDays: 10 });
  });

  it('refuses an --expires past it, naming the longest allowed value', () => {
    expect(() => childExpiry(11, parent, now)).toThrow(CliError);
    try {
      childExpiry(30, parent, now);
    } catch (error) {
      expect((error as CliError).hint).toContain('--expires 10 or less');
    }
  });
});
