import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../caller.js';
import { KeywardError } from '../errors.js';
import { isUuid } from '../ids.js';
import type { OrganizationRole } from './organizations.entity.js';

/**
 * Who the caller is in an organization (docs/architecture.md, "Organization tokens"): a person
 * has the role of their membership, read from the database on every call so that a removed
 * member loses the organization on the next request, on every instance; an organization token
 * acts as an ADMIN of its own organization (never OWNER) and belongs to no other one.
 */
export interface OrganizationActor {
  role: OrganizationRole;
  /** The person's account id; null when an organization token acts (it is nobody's membership). */
  accountId: string | null;
}

/** The caller's standing in `organizationId`, or null when it is none of theirs (or unknown). */
export async function organizationActor(
  em: EntityManager,
  caller: Caller,
  organizationId: string,
): Promise<OrganizationActor | null> {
  const { principal } = caller;
  if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
  if (!isUuid(organizationId)) return null;
  if (principal.kind === 'token' && principal.token.organizationId !== null) {
    if (principal.token.organizationId !== organizationId) return null;
    const [exists] = await em.execute('select 1 from organization where id = ?', [organizationId]);
    return exists ? { role: 'ADMIN', accountId: null } : null;
  }
  const [member] = await em.execute<{ role: OrganizationRole }[]>(
    'select role from organization_member where organization_id = ? and account_id = ?',
    [organizationId, principal.account.id],
  );
  return member ? { role: member.role, accountId: principal.account.id } : null;
}

/** Whether `role` is at least `needed` (OWNER > ADMIN > MEMBER). */
export function holdsRole(role: OrganizationRole, needed: OrganizationRole): boolean {
  if (needed === 'OWNER') return role === 'OWNER';
  if (needed === 'ADMIN') return role === 'OWNER' || role === 'ADMIN';
  return true;
}

/** A role refusal: `forbidden`, naming the role needed and the caller's own. */
export function roleRefusal(needed: OrganizationRole, actual: OrganizationRole, what: string): KeywardError {
  const roles = needed === 'OWNER' ? 'the OWNER role' : 'the OWNER or ADMIN role';
  return new KeywardError('forbidden', `${what} needs ${roles} in this organization; you are ${actual}.`);
}

export const organizationNotFound = () => new KeywardError('not_found', 'No organization with that id.');

/**
 * The caller's standing in an organization where `what` needs `needed`: another organization (or
 * an unknown id) is not_found, a lesser role is forbidden naming the role needed.
 */
export async function requireOrganizationRole(
  em: EntityManager,
  caller: Caller,
  organizationId: string,
  needed: OrganizationRole,
  what: string,
): Promise<OrganizationActor> {
  const actor = await organizationActor(em, caller, organizationId);
  if (!actor) throw organizationNotFound();
  if (!holdsRole(actor.role, needed)) throw roleRefusal(needed, actor.role, what);
  return actor;
}
