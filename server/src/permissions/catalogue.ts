/**
 * The permission catalogue. It is code, not configuration: presets are evaluated
 * against it at request time, so adding an action here widens every ALL / READ_ONLY / CLI token
 * that matches it, and no CUSTOM token.
 */

export type PermissionKind = 'read' | 'write';

export interface PermissionAction {
  name: string;
  /** `${resource}:${action}` */
  permission: string;
  description: string;
  kind: PermissionKind;
  /** Part of the CLI preset: what the `keyward` command-line tool needs day to day. */
  cli: boolean;
  /** Who may hold it: omitted = any account; 'admin' = role admin only. */
  requires?: 'admin';
  /**
   * When the action joined the catalogue: a UTC day (`2026-11-23`, read as its midnight) or an
   * instant. A preset token created before it gained the action (presetDrift in presets.ts), so
   * every new action must say when it was added.
   */
  addedAt: string;
}

export interface PermissionResource {
  name: string;
  description: string;
  actions: PermissionAction[];
}

export type PermissionCatalogue = readonly PermissionResource[];

type ActionSpec = Omit<PermissionAction, 'permission'>;

/** Builds a resource so each permission string is derived once and cannot drift from its parts. */
export function defineResource(
  name: string,
  description: string,
  actions: readonly ActionSpec[],
): PermissionResource {
  return {
    name,
    description,
    actions: actions.map((action) => ({ ...action, permission: `${name}:${action.name}` })),
  };
}

/** Frozen so no request handler can widen the catalogue (and every preset with it) at runtime. */
function freezeCatalogue(resources: PermissionResource[]): PermissionCatalogue {
  for (const resource of resources) {
    for (const action of resource.actions) Object.freeze(action);
    Object.freeze(resource.actions);
    Object.freeze(resource);
  }
  return Object.freeze(resources);
}

/** The day the first catalogue shipped. */
const INITIAL = '2026-11-23';
/** The day organizations (and the site admins' account actions) joined the catalogue. */
const ORGANIZATIONS = '2026-12-01';
/** The day organization policies and the site admins' token inventory joined the catalogue. */
const OVERSIGHT = '2026-12-01T12:00:00Z';

export const permissionCatalogue: PermissionCatalogue = freezeCatalogue([
  defineResource('account', 'Your Keyward account profile.', [
    {
      name: 'read',
      description: 'See your account details: email, name, plan and entitlements.',
      kind: 'read',
      cli: true,
      addedAt: INITIAL,
    },
    {
      name: 'update',
      description: 'Change your account name and profile settings.',
      kind: 'write',
      cli: false,
      addedAt: INITIAL,
    },
  ]),
  defineResource('tokens', 'Your API tokens.', [
    {
      name: 'read',
      description:
        'List your API tokens and see their names, scopes, status and last use (never the secrets).',
      kind: 'read',
      cli: true,
      addedAt: INITIAL,
    },
    {
      name: 'create',
      description: 'Create new API tokens, limited to the permissions and expiry of the token doing it.',
      kind: 'write',
      cli: true,
      addedAt: INITIAL,
    },
    {
      name: 'update',
      description: 'Rename tokens, edit their descriptions, and deactivate or reactivate them.',
      kind: 'write',
      cli: false,
      addedAt: INITIAL,
    },
    {
      name: 'revoke',
      description: 'Permanently revoke API tokens.',
      kind: 'write',
      cli: true,
      addedAt: INITIAL,
    },
  ]),
  defineResource('components', 'The component library.', [
    {
      name: 'read',
      description: 'Browse components and download their source (Pro items need an active Pro licence).',
      kind: 'read',
      cli: true,
      addedAt: INITIAL,
    },
    {
      name: 'publish',
      description: 'Publish new components and new versions of existing ones.',
      kind: 'write',
      cli: false,
      requires: 'admin',
      addedAt: INITIAL,
    },
  ]),
  defineResource('blocks', 'The block library.', [
    {
      name: 'read',
      description: 'Browse blocks and download their source (Pro items need an active Pro licence).',
      kind: 'read',
      cli: true,
      addedAt: INITIAL,
    },
    {
      name: 'publish',
      description: 'Publish new blocks and new versions of existing ones.',
      kind: 'write',
      cli: false,
      requires: 'admin',
      addedAt: INITIAL,
    },
  ]),
  // Organization resources are separate resources (`org-members`, `org-tokens`) rather than
  // `org:members:read`: a permission is exactly `resource:action`, and a bare resource name or
  // `resource:*` selects one resource's actions (presets.ts, normalizeCustomPermissions).
  defineResource('org', 'The organizations you belong to.', [
    {
      name: 'read',
      description: 'List your organizations and see their names and slugs, and your role in each.',
      kind: 'read',
      cli: true,
      addedAt: ORGANIZATIONS,
    },
    {
      name: 'create',
      description: 'Create organizations (needs the team plan); you become their owner.',
      kind: 'write',
      cli: false,
      addedAt: ORGANIZATIONS,
    },
    {
      name: 'update',
      description:
        "Change an organization's token policy and its inactivity and reminder settings, where your role allows it (owner).",
      kind: 'write',
      cli: false,
      addedAt: OVERSIGHT,
    },
  ]),
  defineResource('org-members', 'The members of your organizations and their roles.', [
    {
      name: 'read',
      description: 'See who belongs to your organizations (email and role).',
      kind: 'read',
      cli: false,
      addedAt: ORGANIZATIONS,
    },
    {
      name: 'manage',
      description:
        'Add and remove members and change their roles, where your own role in the organization allows it (owner or admin).',
      kind: 'write',
      cli: false,
      addedAt: ORGANIZATIONS,
    },
  ]),
  defineResource('org-tokens', "Your organizations' API tokens.", [
    {
      name: 'read',
      description: "List an organization's tokens (never the secrets), where your role allows it.",
      kind: 'read',
      cli: true,
      addedAt: ORGANIZATIONS,
    },
    {
      name: 'manage',
      description:
        "Create, deactivate and revoke an organization's tokens, where your role allows it (owner or admin).",
      kind: 'write',
      cli: true,
      addedAt: ORGANIZATIONS,
    },
  ]),
  defineResource('audit', 'The audit log of changes to your account and tokens.', [
    {
      name: 'read',
      description: 'Read the audit log: who created, changed or revoked your tokens, when and from where.',
      kind: 'read',
      cli: false,
      addedAt: INITIAL,
    },
  ]),
  defineResource('admin-accounts', 'Every account on this server (site admins only).', [
    {
      name: 'read',
      description: 'List every account on the server with its plan and role.',
      kind: 'read',
      cli: false,
      requires: 'admin',
      addedAt: ORGANIZATIONS,
    },
    {
      name: 'manage',
      description: "Change any account's plan or site role.",
      kind: 'write',
      cli: false,
      requires: 'admin',
      addedAt: ORGANIZATIONS,
    },
  ]),
  defineResource('admin-tokens', 'Every API token on this server (site admins only).', [
    {
      name: 'read',
      description:
        'List every token on the server (never the secrets) with its owner, organization and policy standing.',
      kind: 'read',
      cli: false,
      requires: 'admin',
      addedAt: OVERSIGHT,
    },
    {
      name: 'manage',
      description: 'Revoke any token on the server; its owner is told by mail.',
      kind: 'write',
      cli: false,
      requires: 'admin',
      addedAt: OVERSIGHT,
    },
  ]),
]);

/** Every permission string, in catalogue order (resource, then action), as the UI lists them. */
export function allPermissions(catalogue: PermissionCatalogue): string[] {
  return catalogue.flatMap((resource) => resource.actions.map((action) => action.permission));
}

export function findPermission(
  catalogue: PermissionCatalogue,
  permission: string,
): PermissionAction | undefined {
  for (const resource of catalogue) {
    for (const action of resource.actions) {
      if (action.permission === permission) return action;
    }
  }
  return undefined;
}

export function findResource(catalogue: PermissionCatalogue, name: string): PermissionResource | undefined {
  return catalogue.find((resource) => resource.name === name);
}
