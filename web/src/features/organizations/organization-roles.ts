import type { OrganizationRole } from './organizations.operations';

/** The roles, most powerful first (the order the server lists members in). */
export const organizationRoles = ['OWNER', 'ADMIN', 'MEMBER'] as const satisfies readonly OrganizationRole[];

export const roleLabels: Record<OrganizationRole, string> = {
  OWNER: 'Owner',
  ADMIN: 'Admin',
  MEMBER: 'Member',
};

export const roleDescriptions: Record<OrganizationRole, string> = {
  OWNER: 'Everything, including the policy and managing owners.',
  ADMIN: 'Adds and removes members and admins, and manages the organization’s tokens.',
  MEMBER: 'Sees the organization, its members and its policy.',
};

/** Owners and admins manage members and the organization's tokens (the server decides; this only hides what would be refused). */
export const managesMembers = (role: OrganizationRole): boolean => role === 'OWNER' || role === 'ADMIN';

/**
 * Whether `actor` may change or remove a member who is `target`: only owners touch owners. The
 * server applies the same rule and the last-owner rule besides.
 */
export const canManageMember = (actor: OrganizationRole, target: OrganizationRole): boolean =>
  actor === 'OWNER' || (actor === 'ADMIN' && target !== 'OWNER');

/** The roles `actor` may give: only owners make owners. */
export const assignableRoles = (actor: OrganizationRole): OrganizationRole[] =>
  organizationRoles.filter((role) => role !== 'OWNER' || actor === 'OWNER');

/** `team` → `Team`: how the app names the viewer's plan. */
export const planLabel = (plan: string): string => plan.charAt(0).toUpperCase() + plan.slice(1).toLowerCase();

/** The plan that allows creating organizations (the server's rule; see docs/api.md). */
export const ORGANIZATION_PLAN = 'team';
