import type {
  PermissionAction,
  PermissionPreset,
  PermissionResource,
  TokenStatus,
} from './tokens.operations';

export const presetLabels: Record<PermissionPreset, string> = {
  ALL: 'All permissions',
  READ_ONLY: 'Read only',
  CLI: 'CLI developer permissions',
  CUSTOM: 'Custom',
};

export const presetDescriptions: Record<PermissionPreset, string> = {
  ALL: 'Every action, including actions Keyward adds later.',
  READ_ONLY: 'Every read action, including read actions added later.',
  CLI: 'What the keyward command-line client needs, including CLI actions added later.',
  CUSTOM: 'Exactly the actions you tick below; it never gains new ones.',
};

export const statusLabels: Record<TokenStatus, string> = {
  ACTIVE: 'Active',
  INACTIVE: 'Inactive',
  EXPIRED: 'Expired',
  REVOKED: 'Revoked',
};

/**
 * What a preset grants against today's catalogue: ALL = every action, READ_ONLY = kind `read`,
 * CLI = actions flagged `cli`, CUSTOM = the ticked permissions. Catalogue order is kept.
 */
export function effectivePermissions(
  catalogue: readonly PermissionResource[],
  preset: PermissionPreset,
  selected: ReadonlySet<string>,
): string[] {
  const includes = (action: PermissionAction): boolean =>
    preset === 'ALL' ||
    (preset === 'READ_ONLY' && action.kind === 'read') ||
    (preset === 'CLI' && action.cli) ||
    (preset === 'CUSTOM' && selected.has(action.permission));
  const chosen = catalogue.flatMap((resource) => resource.actions).filter(includes);
  return chosen.map((action) => action.permission);
}

/** Revoked and expired tokens are final: they can't be switched back on. */
export const canToggle = (status: TokenStatus): boolean => status === 'ACTIVE' || status === 'INACTIVE';

/** The catalogue a viewer may grant: members never see admin-only actions (the server refuses them). */
export function grantableCatalogue(
  catalogue: readonly PermissionResource[],
  isAdmin: boolean,
): PermissionResource[] {
  if (isAdmin) return [...catalogue];
  return catalogue
    .map((resource) => ({ ...resource, actions: resource.actions.filter((action) => !action.adminOnly) }))
    .filter((resource) => resource.actions.length > 0);
}
