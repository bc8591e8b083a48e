import { describe, expect, it } from 'vitest';
import { parseGrace } from '../../cli/src/commands/token-rotate.js';
import { defineResource, permissionCatalogue } from '../../server/src/permissions/catalogue.js';
import { presetDrift } from '../../server/src/permissions/presets.js';
import { successorInput } from '../../server/src/tokens/token-rotation.js';
import { assertNarrowing, tokenStatus, validateGracePeriod } from '../../server/src/tokens/token-rules.js';
import { ApiToken } from '../../server/src/tokens/tokens.entity.js';

const DAY = 86_400_000;

describe('validateGracePeriod', () => {
  it.each([
    [undefined, 24],
    [null, 24],
    [0, 0],
    [0.5, 0.5],
    [168, 168],
  ])('%s hours → %s', (hours, expected) => {
    expect(validateGracePeriod(hours)).toBe(expected);
  });

  it.each([[-1], [168.5], [Number.NaN], [Number.POSITIVE_INFINITY]])(
    '%s is validation_failed on gracePeriodHours',
    (hours) => {
      expect(() => validateGracePeriod(hours)).toThrow(
        expect.objectContaining({ code: 'validation_failed', field: 'gracePeriodHours' }),
      );
    },
  );
});

describe('assertNarrowing', () => {
  const custom = (permissions: string[]) => ({ preset: 'CUSTOM' as const, permissions });
  it.each([
    [
      'ALL → READ_ONLY',
      { preset: 'ALL' as const, permissions: null },
      { preset: 'READ_ONLY' as const, permissions: null },
    ],
    [
      'ALL → ALL',
      { preset: 'ALL' as const, permissions: null },
      { preset: 'ALL' as const, permissions: null },
    ],
    ['CLI → CUSTOM subset', { preset: 'CLI' as const, permissions: null }, custom(['tokens:read'])],
    ['CUSTOM → same CUSTOM', custom(['tokens:read', 'audit:read']), custom(['audit:read', 'tokens:read'])],
  ])('allows %s', (_label, rotated, successor) => {
    expect(() => assertNarrowing(successor, rotated, permissionCatalogue)).not.toThrow();
  });

  it.each([
    [
      'READ_ONLY → CLI',
      { preset: 'READ_ONLY' as const, permissions: null },
      { preset: 'CLI' as const, permissions: null },
      'tokens:create',
    ],
    ['CUSTOM → ALL', custom(['tokens:read']), { preset: 'ALL' as const, permissions: null }, 'account:read'],
    [
      'CUSTOM → wider CUSTOM',
      custom(['tokens:read']),
      custom(['tokens:read', 'tokens:revoke']),
      'tokens:revoke',
    ],
  ])('refuses %s, naming what it would add', (_label, rotated, successor, named) => {
    expect(() => assertNarrowing(successor, rotated, permissionCatalogue)).toThrow(named);
  });
});

describe('successorInput', () => {
  const old = Object.assign(new ApiToken(), {
    id: 'old',
    name: 'deploy',
    description: 'ships',
    preset: 'CLI',
    permissions: null,
    createdAt: new Date(0),
    expiresAt: new Date(30 * DAY),
    rateLimitPerMinute: 60,
    allowedCidrs: ['10.0.0.0/8'],
    notBefore: new Date(1000),
    usageLimit: 100,
    usageRefillAmount: 50,
    usageRefillInterval: 'DAY',
  });
  const now = 100 * DAY;

  it('keeps everything it is not told, with the old lifetime counted from now and a past notBefore dropped', () => {
    expect(successorInput(old, {}, now)).toEqual({
      name: 'deploy',
      description: 'ships',
      expiresInDays: null,
      expiresAt: new Date(now + 30 * DAY),
      preset: 'CLI',
      permissions: null,
      rateLimitPerMinute: 60,
      allowedCidrs: ['10.0.0.0/8'],
      notBefore: null,
      usageLimit: 100,
      usageRefill: { amount: 50, interval: 'DAY' },
    });
  });

  it('a permission list alone means CUSTOM; an explicit expiry wins; a never-expiring token stays so', () => {
    const input = successorInput(old, { permissions: ['tokens:read'], expiresInDays: 3, name: 'new' }, now);
    expect(input).toMatchObject({
      preset: 'CUSTOM',
      permissions: ['tokens:read'],
      expiresInDays: 3,
      expiresAt: null,
      name: 'new',
    });
    expect(
      successorInput(Object.assign(new ApiToken(), { ...old, expiresAt: null }), {}, now).expiresAt,
    ).toBeNull();
  });
});

describe('tokenStatus with a rotation', () => {
  const base = { revokedAt: null, expiresAt: null, active: true };
  it('is REVOKED from the end of the grace, whatever else', () => {
    expect(tokenStatus({ ...base, graceEndsAt: new Date(2000) }, 1999)).toBe('ACTIVE');
    expect(tokenStatus({ ...base, graceEndsAt: new Date(2000) }, 2000)).toBe('REVOKED');
    expect(tokenStatus({ ...base, active: false, graceEndsAt: new Date(2000) }, 3000)).toBe('REVOKED');
  });
});

describe('presetDrift', () => {
  const grown = permissionCatalogue.map((resource) =>
    resource.name === 'blocks'
      ? defineResource(resource.name, resource.description, [
          ...resource.actions.map(({ permission: _permission, ...action }) => action),
          { name: 'list', description: 'List blocks.', kind: 'read', cli: true, addedAt: '2027-03-01' },
          {
            name: 'archive',
            description: 'Archive blocks.',
            kind: 'write',
            cli: false,
            addedAt: '2027-03-01T12:00:00Z',
          },
        ])
      : resource,
  );
  it.each([
    ['ALL', '2027-01-01', ['blocks:archive', 'blocks:list']],
    ['READ_ONLY', '2027-01-01', ['blocks:list']],
    ['CLI', '2027-01-01', ['blocks:list']],
    ['CUSTOM', '2027-01-01', []],
    // A date is its UTC midnight: a token created that day had it already; an instant counts exactly.
    ['ALL', '2027-03-01T06:00:00Z', ['blocks:archive']],
    ['ALL', '2027-04-01', []],
  ] as const)('%s created %s gained %j', (preset, created, expected) => {
    expect(presetDrift({ preset, createdAt: new Date(created) }, grown)).toEqual(expected);
  });

  it('every action of the shipped catalogue says when it was added', () => {
    for (const resource of permissionCatalogue)
      for (const action of resource.actions) expect(Number.isNaN(Date.parse(action.addedAt))).toBe(false);
  });
});

describe('parseGrace (keyward token rotate --grace)', () => {
  it.each([
    ['0', 0],
    ['30m', 0.5],
    ['24h', 24],
    ['7d', 168],
    ['168h', 168],
  ])('%s → %s hours', (value, hours) => {
    expect(parseGrace(value)).toBe(hours);
  });

  it.each([['5'], ['8d'], ['169h'], ['-1h'], ['1.5h'], ['soon'], ['']])('refuses %j', (value) => {
    expect(() => parseGrace(value)).toThrow();
  });
});
