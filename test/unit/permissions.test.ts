import { describe, expect, it } from 'vitest';
import {
  allPermissions,
  defineResource,
  findPermission,
  type PermissionCatalogue,
  permissionCatalogue,
} from '../../server/src/permissions/catalogue.js';
import {
  effectivePermissions,
  isPermissionPreset,
  normalizeCustomPermissions,
  ownerPermissions,
  PERMISSION_PRESETS,
  type PermissionOwner,
  type PermissionPreset,
  presetPermissions,
  presetsIncluding,
} from '../../server/src/permissions/presets.js';

const catalogue = permissionCatalogue;

const EVERY = [
  'account:read',
  'account:update',
  'admin-accounts:manage',
  'admin-accounts:read',
  'admin-tokens:manage',
  'admin-tokens:read',
  'audit:read',
  'blocks:publish',
  'blocks:read',
  'components:publish',
  'components:read',
  'org-members:manage',
  'org-members:read',
  'org-tokens:manage',
  'org-tokens:read',
  'org:create',
  'org:read',
  'org:update',
  'tokens:create',
  'tokens:read',
  'tokens:revoke',
  'tokens:update',
];
const READS = [
  'account:read',
  'admin-accounts:read',
  'admin-tokens:read',
  'audit:read',
  'blocks:read',
  'components:read',
  'org-members:read',
  'org-tokens:read',
  'org:read',
  'tokens:read',
];
/** Only site admins may hold these (`requires: 'admin'`). */
const ADMIN_ONLY = [
  'admin-accounts:manage',
  'admin-accounts:read',
  'admin-tokens:manage',
  'admin-tokens:read',
  'blocks:publish',
  'components:publish',
];
const MEMBER_MAY = EVERY.filter((p) => !ADMIN_ONLY.includes(p));
const MEMBER_READS = READS.filter((p) => !ADMIN_ONLY.includes(p));
const CLI = [
  'account:read',
  'blocks:read',
  'components:read',
  'org-tokens:manage',
  'org-tokens:read',
  'org:read',
  'tokens:create',
  'tokens:read',
  'tokens:revoke',
];

const member: PermissionOwner = { role: 'member', emailVerified: true };
const admin: PermissionOwner = { role: 'admin', emailVerified: true };
const unverifiedMember: PermissionOwner = { role: 'member', emailVerified: false };
const unverifiedAdmin: PermissionOwner = { role: 'admin', emailVerified: false };

/** Today's catalogue plus a future read+cli action and a future write action. */
const extended: PermissionCatalogue = catalogue.map((resource) =>
  resource.name === 'components'
    ? defineResource(resource.name, resource.description, [
        ...resource.actions,
        {
          name: 'list',
          description: 'List component names.',
          kind: 'read',
          cli: true,
          addedAt: '2027-01-01',
        },
        {
          name: 'deprecate',
          description: 'Mark components deprecated.',
          kind: 'write',
          cli: false,
          addedAt: '2027-01-01',
        },
      ])
    : resource,
);

describe('permissionCatalogue', () => {
  it('holds exactly the initial permissions', () => {
    expect([...allPermissions(catalogue)].sort()).toEqual(EVERY);
  });

  it('lists permissions in catalogue order, resource by resource', () => {
    expect(allPermissions(catalogue).slice(0, 3)).toEqual(['account:read', 'account:update', 'tokens:read']);
  });

  it('builds every permission string as resource:action, with no duplicates', () => {
    const seen = new Set<string>();
    for (const resource of catalogue) {
      expect(resource.description.length).toBeGreaterThan(10);
      expect(resource.actions.length).toBeGreaterThan(0);
      for (const action of resource.actions) {
        expect(action.permission).toBe(`${resource.name}:${action.name}`);
        expect(action.description.length).toBeGreaterThan(10);
        expect(seen.has(action.permission)).toBe(false);
        seen.add(action.permission);
      }
    }
    expect(new Set(catalogue.map((resource) => resource.name)).size).toBe(catalogue.length);
  });

  it.each([
    ['account:read', 'read', true, undefined],
    ['account:update', 'write', false, undefined],
    ['tokens:read', 'read', true, undefined],
    ['tokens:create', 'write', true, undefined],
    ['tokens:update', 'write', false, undefined],
    ['tokens:revoke', 'write', true, undefined],
    ['components:read', 'read', true, undefined],
    ['components:publish', 'write', false, 'admin'],
    ['blocks:read', 'read', true, undefined],
    ['blocks:publish', 'write', false, 'admin'],
    ['audit:read', 'read', false, undefined],
    ['org:read', 'read', true, undefined],
    ['org:create', 'write', false, undefined],
    ['org:update', 'write', false, undefined],
    ['org-members:read', 'read', false, undefined],
    ['org-members:manage', 'write', false, undefined],
    ['org-tokens:read', 'read', true, undefined],
    ['org-tokens:manage', 'write', true, undefined],
    ['admin-accounts:read', 'read', false, 'admin'],
    ['admin-accounts:manage', 'write', false, 'admin'],
    ['admin-tokens:read', 'read', false, 'admin'],
    ['admin-tokens:manage', 'write', false, 'admin'],
  ])('describes %s as kind %s, cli %s, requires %s', (permission, kind, cli, requires) => {
    const action = findPermission(catalogue, permission);
    expect(action).toBeDefined();
    expect(action?.kind).toBe(kind);
    expect(action?.cli).toBe(cli);
    expect(action?.requires).toBe(requires);
  });

  it.each(['tokens', 'tokens:', ':read', 'tokens:delete', 'TOKENS:READ', ''])(
    'finds no action for %j',
    (permission) => {
      expect(findPermission(catalogue, permission)).toBeUndefined();
    },
  );

  it('cannot be mutated at runtime', () => {
    const tokens = catalogue[1];
    expect(() =>
      tokens?.actions.push({ ...tokens.actions[0]!, name: 'x', permission: 'tokens:x' }),
    ).toThrow();
    expect(allPermissions(catalogue)).toHaveLength(EVERY.length);
  });
});

describe('presetPermissions', () => {
  it.each<[PermissionPreset, string[]]>([
    ['ALL', EVERY],
    ['READ_ONLY', READS],
    ['CLI', CLI],
    ['CUSTOM', []],
  ])('grants the %s preset its sorted share of the initial catalogue', (preset, expected) => {
    expect(presetPermissions(preset, catalogue)).toEqual(expected);
  });

  it('keeps only the stored CUSTOM permissions that still exist, sorted and unique', () => {
    expect(
      presetPermissions('CUSTOM', catalogue, ['tokens:read', 'gone:away', 'account:read', 'tokens:read']),
    ).toEqual(['account:read', 'tokens:read']);
  });

  it('grants nothing for an unknown preset read from storage', () => {
    expect(presetPermissions('ROOT' as PermissionPreset, catalogue)).toEqual([]);
  });
});

describe('actions added to the catalogue later', () => {
  it.each<[PermissionPreset, string[]]>([
    ['ALL', ['components:deprecate', 'components:list']],
    ['READ_ONLY', ['components:list']],
    ['CLI', ['components:list']],
  ])('are gained by %s tokens where they fit the preset', (preset, gained) => {
    const before = new Set(presetPermissions(preset, catalogue));
    const after = presetPermissions(preset, extended);
    expect(after.filter((permission) => !before.has(permission))).toEqual(gained);
  });

  it('are not gained by a CUSTOM token, even one created by selecting the whole resource', () => {
    const created = normalizeCustomPermissions(['components'], catalogue);
    expect(created).toEqual({ ok: true, permissions: ['components:publish', 'components:read'] });
    const stored = created.ok ? created.permissions : [];
    expect(presetPermissions('CUSTOM', extended, stored)).toEqual(['components:publish', 'components:read']);
    expect(effectivePermissions({ preset: 'CUSTOM', permissions: stored }, admin, extended)).toEqual(stored);
  });

  it('reach ALL tokens through effective permissions at request time', () => {
    expect(effectivePermissions({ preset: 'ALL', permissions: null }, member, extended)).toContain(
      'components:list',
    );
  });
});

describe('normalizeCustomPermissions', () => {
  it.each<[string, string[], string[]]>([
    ['a single permission', ['tokens:read'], ['tokens:read']],
    [
      'a bare resource name, expanded',
      ['tokens'],
      ['tokens:create', 'tokens:read', 'tokens:revoke', 'tokens:update'],
    ],
    ['resource:*, expanded', ['blocks:*'], ['blocks:publish', 'blocks:read']],
    ['duplicates, collapsed', ['audit:read', 'audit:read', 'audit'], ['audit:read']],
    ['a resource plus one of its actions', ['account', 'account:read'], ['account:read', 'account:update']],
    ['unsorted input, sorted', ['tokens:read', 'account:read'], ['account:read', 'tokens:read']],
    ['surrounding whitespace, trimmed', [' tokens:read ', 'audit\t'], ['audit:read', 'tokens:read']],
  ])('accepts %s', (_label, input, permissions) => {
    expect(normalizeCustomPermissions(input, catalogue)).toEqual({ ok: true, permissions });
  });

  it.each<[string, string[], string[]]>([
    ['an unknown action', ['tokens:read', 'tokens:delete'], ['tokens:delete']],
    ['an unknown resource', ['widgets'], ['widgets']],
    ['an unknown resource wildcard', ['widgets:*'], ['widgets:*']],
    ['a wrong-case entry', ['Tokens:Read'], ['Tokens:Read']],
    [
      'malformed entries',
      ['tokens:read:x', ':read', 'tokens:', '*', ''],
      ['tokens:read:x', ':read', 'tokens:', '*', ''],
    ],
    ['a repeated bad entry, once', ['nope', 'tokens:read', 'nope'], ['nope']],
    ['bad entries exactly as given', [' nope '], [' nope ']],
  ])('rejects %s and reports it', (_label, input, invalid) => {
    expect(normalizeCustomPermissions(input, catalogue)).toEqual({ ok: false, invalid });
  });

  it('rejects an empty selection with an empty invalid list', () => {
    expect(normalizeCustomPermissions([], catalogue)).toEqual({ ok: false, invalid: [] });
  });
});

describe('ownerPermissions', () => {
  it.each<[string, PermissionOwner, string[]]>([
    ['a verified member holds everything but the admin-only actions', member, MEMBER_MAY],
    ['a verified admin holds everything', admin, EVERY],
    ['an unverified member keeps only reads', unverifiedMember, MEMBER_READS],
    ['an unverified admin keeps only reads', unverifiedAdmin, READS],
  ])('%s', (_label, owner, expected) => {
    expect([...ownerPermissions(owner, catalogue)].sort()).toEqual(expected);
  });
});

describe('effectivePermissions', () => {
  it.each<[string, PermissionPreset, string[] | null, PermissionOwner, string[]]>([
    ['caps an ALL token of a member below the admin-only actions', 'ALL', null, member, MEMBER_MAY],
    ['lets an ALL token of an admin publish', 'ALL', null, admin, EVERY],
    ['cuts an ALL token of an unverified account to reads', 'ALL', null, unverifiedAdmin, READS],
    [
      'leaves a READ_ONLY token of an unverified account intact',
      'READ_ONLY',
      null,
      unverifiedMember,
      MEMBER_READS,
    ],
    [
      'cuts a CLI token of an unverified account to its reads',
      'CLI',
      null,
      unverifiedMember,
      ['account:read', 'blocks:read', 'components:read', 'org-tokens:read', 'org:read', 'tokens:read'],
    ],
    [
      'drops publish from a CUSTOM token of a member',
      'CUSTOM',
      ['components:publish', 'components:read'],
      member,
      ['components:read'],
    ],
    ['treats a CUSTOM token with no stored list as granting nothing', 'CUSTOM', null, admin, []],
    ['ignores the stored list of a preset token', 'READ_ONLY', ['tokens:create'], admin, READS],
  ])('%s', (_label, preset, permissions, owner, expected) => {
    expect(effectivePermissions({ preset, permissions }, owner, catalogue)).toEqual(expected);
  });
});

describe('presetsIncluding', () => {
  it.each<[string, PermissionPreset[]]>([
    ['account:read', ['ALL', 'READ_ONLY', 'CLI']],
    ['audit:read', ['ALL', 'READ_ONLY']],
    ['tokens:create', ['ALL', 'CLI']],
    ['tokens:update', ['ALL']],
    ['components:publish', ['ALL']],
    ['tokens:delete', []],
  ])('reports %s as included in %j', (permission, presets) => {
    expect(presetsIncluding(permission, catalogue)).toEqual(presets);
  });
});

describe('PERMISSION_PRESETS', () => {
  it('lists the four presets and recognises only them', () => {
    expect(PERMISSION_PRESETS).toEqual(['ALL', 'READ_ONLY', 'CLI', 'CUSTOM']);
    for (const preset of PERMISSION_PRESETS) expect(isPermissionPreset(preset)).toBe(true);
    for (const value of ['all', 'ADMIN', '', null, 3]) expect(isPermissionPreset(value)).toBe(false);
  });
});
