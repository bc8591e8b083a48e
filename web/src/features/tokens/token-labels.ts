import type { PermissionPreset, TokenStatus } from './tokens.operations';

/** How the app names each preset; what a preset grants comes from the server (PermissionAction.presets). */
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

const statusLabels: Partial<Record<string, string>> = {
  ACTIVE: 'Active',
  INACTIVE: 'Inactive',
  EXPIRED: 'Expired',
  REVOKED: 'Revoked',
  PENDING: 'Pending',
};

/**
 * How the app names a status. A status this build does not know yet (a newer server's) is shown
 * by its own name ("SOME_STATE" as "Some state") rather than breaking the page.
 */
export function statusLabel(status: TokenStatus | (string & {})): string {
  return statusLabels[status] ?? status.charAt(0) + status.slice(1).toLowerCase().replaceAll('_', ' ');
}

/** Revoked and expired tokens are final: they can't be switched back on. A pending one can be switched off ahead. */
export const canToggle = (status: TokenStatus): boolean =>
  status === 'ACTIVE' || status === 'INACTIVE' || status === 'PENDING';
