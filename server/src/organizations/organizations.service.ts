import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Account } from '../accounts/accounts.entity.js';
import { validateEmail, validateName } from '../accounts/accounts.service.js';
import { recordAudit } from '../audit/audit.service.js';
import { actorOf, type Caller } from '../caller.js';
import { KeywardError, validationError } from '../errors.js';
import { isUuid } from '../ids.js';
import {
  holdsRole as holds,
  organizationActor,
  organizationNotFound,
  roleRefusal,
} from './organization-access.js';
import { Organization, OrganizationMember, type OrganizationRole } from './organizations.entity.js';

/** What creating an organization needs of the creator's account. */
export const ORGANIZATION_PLAN = 'team';

const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$/;

/** An organization as one of its members sees it: with that member's own role. */
export interface OrganizationView {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
  viewerRole: OrganizationRole;
}

export interface MemberView {
  account: { id: string; email: string; name: string };
  role: OrganizationRole;
  createdAt: Date;
}

/** Lowercase letters, digits and hyphens, 3–40 characters, starting and ending with a letter or digit. */
export function validateSlug(slug: string): string {
  if (!SLUG_PATTERN.test(slug)) {
    throw validationError(
      'slug',
      'use 3–40 lowercase letters, digits and hyphens, starting and ending with a letter or digit (e.g. acme-labs).',
    );
  }
  return slug;
}

/**
 * The role an actor needs for a change to one membership: anything that makes, unmakes or
 * removes an owner needs OWNER; any other change needs ADMIN (owners qualify). Leaving (removing
 * oneself) needs no role: only the last-owner rule can stop it.
 */
export function roleNeededFor(change: {
  self: boolean;
  currentRole: OrganizationRole | null;
  newRole: OrganizationRole | null;
}): OrganizationRole | null {
  if (change.self && change.newRole === null) return null;
  if (change.currentRole === 'OWNER' || change.newRole === 'OWNER') return 'OWNER';
  return 'ADMIN';
}

function accountOf(caller: Caller): Account {
  const { principal } = caller;
  if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
  if (principal.kind === 'token' && principal.token.organizationId !== null)
    throw new KeywardError('forbidden', 'An organization token acts for its organization, not for a person.');
  return principal.account;
}

const memberNotFound = () =>
  new KeywardError('not_found', 'No member of this organization has that account id.');

/**
 * Organizations and their members (docs/architecture.md, "Which file owns which rule"). Every
 * lookup is through the caller's own membership: another organization's id or slug answers
 * exactly like an unknown one. Every change locks the organization's row first, so changes to
 * one organization's members happen one at a time and the last owner is counted exactly.
 */
export class OrganizationsService {
  constructor(
    private readonly deps: {
      /** Told after a membership of the account changed or ended (cache invalidation). */
      onMembershipChanged?: (accountId: string) => void | Promise<void>;
    } = {},
  ) {}

  /** Creates an organization whose creator is its first owner. Needs the team plan. */
  async createOrganization(
    em: EntityManager,
    caller: Caller,
    input: { name: string; slug: string },
  ): Promise<OrganizationView> {
    const account = accountOf(caller);
    if (account.plan !== ORGANIZATION_PLAN) {
      throw new KeywardError(
        'plan_upgrade_required',
        `Creating an organization needs the ${ORGANIZATION_PLAN} plan; this account is on the ${account.plan} plan.`,
      );
    }
    const name = validateName(input.name);
    const slug = validateSlug(input.slug);
    const organization = Object.assign(new Organization(), { id: randomUUID(), slug, name });
    try {
      await em.transactional(async (tx) => {
        tx.persist(organization);
        await tx.flush();
        tx.persist(
          Object.assign(new OrganizationMember(), {
            organization: organization.id,
            account: account.id,
            role: 'OWNER',
          }),
        );
        this.audit(tx, caller, 'organization.create', organization.id, account.id, `slug ${slug}`);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException)
        throw new KeywardError('conflict', `slug: "${slug}" is taken; choose another.`, { field: 'slug' });
      throw error;
    }
    return { ...organization, viewerRole: 'OWNER' };
  }

  /** The caller's organizations, by name. */
  async listOrganizations(em: EntityManager, caller: Caller): Promise<OrganizationView[]> {
    return this.viewsWhere(em, caller, '', []);
  }

  /** One of the caller's organizations by slug; null for an unknown slug and another organization's alike. */
  async findOrganizationBySlug(
    em: EntityManager,
    caller: Caller,
    slug: string,
  ): Promise<OrganizationView | null> {
    if (slug.length > 40) return null;
    const [found] = await this.viewsWhere(em, caller, 'and o.slug = ?', [slug]);
    return found ?? null;
  }

  /** The members of one of the caller's organizations: owners, then admins, then members, by email. */
  async listMembers(em: EntityManager, caller: Caller, organizationId: string): Promise<MemberView[]> {
    await this.requireMembership(em, caller, organizationId);
    const rows = await em.execute<MemberRow[]>(
      `${MEMBER_SELECT} where m.organization_id = ?
       order by array_position(array['OWNER','ADMIN','MEMBER'], m.role), a.email`,
      [organizationId],
    );
    return rows.map(memberView);
  }

  /** Adds an existing account, by email. Owners and admins may; only owners add owners. */
  async addMember(
    em: EntityManager,
    caller: Caller,
    input: { organizationId: string; email: string; role: OrganizationRole },
  ): Promise<MemberView> {
    const email = validateEmail(input.email);
    return this.change(em, caller, input.organizationId, async (tx, actorRole) => {
      const needed = roleNeededFor({ self: false, currentRole: null, newRole: input.role });
      if (needed && !holds(actorRole, needed)) throw roleRefusal(needed, actorRole, 'Adding this member');
      const account = await tx.findOne(Account, { email });
      if (!account) {
        throw new KeywardError(
          'not_found',
          'No account has this email address: they need to register first.',
          {
            field: 'email',
          },
        );
      }
      const existing = await tx.findOne(OrganizationMember, {
        organization: input.organizationId,
        account: account.id,
      });
      if (existing) {
        throw new KeywardError(
          'conflict',
          `That account is already a member (${existing.role}); change its role instead.`,
          { field: 'email' },
        );
      }
      const member = Object.assign(new OrganizationMember(), {
        organization: input.organizationId,
        account: account.id,
        role: input.role,
        createdAt: new Date(),
      });
      tx.persist(member);
      this.audit(tx, caller, 'organization.member_add', input.organizationId, account.id, `as ${input.role}`);
      return {
        account: { id: account.id, email: account.email, name: account.name },
        role: member.role,
        createdAt: member.createdAt,
      };
    });
  }

  /** Changes a member's role. Owners and admins may; only owners make or unmake owners; one owner stays. */
  async setMemberRole(
    em: EntityManager,
    caller: Caller,
    input: { organizationId: string; accountId: string; role: OrganizationRole },
  ): Promise<MemberView> {
    const view = await this.change(em, caller, input.organizationId, async (tx, actorRole, actorId) => {
      const self = input.accountId === actorId;
      if (!self && !holds(actorRole, 'ADMIN'))
        throw roleRefusal('ADMIN', actorRole, "Changing a member's role");
      const target = await this.lockedMember(tx, input.organizationId, input.accountId);
      const needed = roleNeededFor({ self, currentRole: target.role, newRole: input.role });
      if (needed && !holds(actorRole, needed)) throw roleRefusal(needed, actorRole, 'This role change');
      if (target.role === input.role) return target;
      if (target.role === 'OWNER') await this.assertAnotherOwner(tx, input.organizationId, 'demote');
      await tx.execute(
        'update organization_member set role = ? where organization_id = ? and account_id = ?',
        [input.role, input.organizationId, input.accountId],
      );
      this.audit(
        tx,
        caller,
        'organization.member_role',
        input.organizationId,
        input.accountId,
        `${target.role} → ${input.role}`,
      );
      return { ...target, role: input.role };
    });
    await this.deps.onMembershipChanged?.(input.accountId);
    return view;
  }

  /** Removes a member (or the caller leaves). Owners and admins may; only owners remove owners; one owner stays. */
  async removeMember(
    em: EntityManager,
    caller: Caller,
    input: { organizationId: string; accountId: string },
  ): Promise<MemberView> {
    const view = await this.change(em, caller, input.organizationId, async (tx, actorRole, actorId) => {
      const self = input.accountId === actorId;
      if (!self && !holds(actorRole, 'ADMIN')) throw roleRefusal('ADMIN', actorRole, 'Removing a member');
      const target = await this.lockedMember(tx, input.organizationId, input.accountId);
      const needed = roleNeededFor({ self, currentRole: target.role, newRole: null });
      if (needed && !holds(actorRole, needed)) throw roleRefusal(needed, actorRole, 'Removing an owner');
      if (target.role === 'OWNER') await this.assertAnotherOwner(tx, input.organizationId, 'remove');
      await tx.execute('delete from organization_member where organization_id = ? and account_id = ?', [
        input.organizationId,
        input.accountId,
      ]);
      this.audit(
        tx,
        caller,
        'organization.member_remove',
        input.organizationId,
        input.accountId,
        `was ${target.role}`,
      );
      return target;
    });
    await this.deps.onMembershipChanged?.(input.accountId);
    return view;
  }

  /**
   * Runs a membership change in a transaction that holds the organization's row lock, with the
   * caller's role as it is under the lock (a concurrent change may have altered it).
   */
  private async change<T>(
    em: EntityManager,
    caller: Caller,
    organizationId: string,
    work: (tx: EntityManager, actorRole: OrganizationRole, actorId: string | null) => Promise<T>,
  ): Promise<T> {
    if (caller.principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
    if (!isUuid(organizationId)) throw organizationNotFound();
    return em.transactional(async (tx) => {
      // The lock first, then every read in statements of their own: under READ COMMITTED each
      // later statement sees what the change that held the lock before us committed.
      const [locked] = await tx.execute('select id from organization where id = ? for update', [
        organizationId,
      ]);
      const actor = locked ? await organizationActor(tx, caller, organizationId) : null;
      if (!actor) throw organizationNotFound();
      return work(tx, actor.role, actor.accountId);
    });
  }

  private async lockedMember(
    tx: EntityManager,
    organizationId: string,
    accountId: string,
  ): Promise<MemberView> {
    if (!isUuid(accountId)) throw memberNotFound();
    const [row] = await tx.execute<MemberRow[]>(
      `${MEMBER_SELECT} where m.organization_id = ? and m.account_id = ?`,
      [organizationId, accountId],
    );
    if (!row) throw memberNotFound();
    return memberView(row);
  }

  /** Under the organization's lock: refuses to take away its only owner. */
  private async assertAnotherOwner(tx: EntityManager, organizationId: string, verb: string): Promise<void> {
    const [owners] = await tx.execute<{ n: number }[]>(
      `select count(*)::int as n from organization_member where organization_id = ? and role = 'OWNER'`,
      [organizationId],
    );
    if ((owners?.n ?? 0) <= 1) {
      throw new KeywardError(
        'conflict',
        `An organization keeps at least one owner: make another member an owner before you ${verb} this one.`,
      );
    }
  }

  private async requireMembership(em: EntityManager, caller: Caller, organizationId: string): Promise<void> {
    if (!(await organizationActor(em, caller, organizationId))) throw organizationNotFound();
  }

  private async viewsWhere(
    em: EntityManager,
    caller: Caller,
    condition: string,
    params: unknown[],
  ): Promise<OrganizationView[]> {
    const { principal } = caller;
    if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
    // An organization token sees its own organization only, as an ADMIN of it.
    const organizationId = principal.kind === 'token' ? principal.token.organizationId : null;
    const rows = await em.execute<
      { id: string; slug: string; name: string; created_at: Date; role: OrganizationRole }[]
    >(
      organizationId
        ? `select o.id, o.slug, o.name, o.created_at, 'ADMIN' as role from organization o
           where o.id = ? ${condition}`
        : `select o.id, o.slug, o.name, o.created_at, m.role from organization o
           join organization_member m on m.organization_id = o.id
           where m.account_id = ? ${condition} order by o.name, o.slug`,
      [organizationId ?? principal.account.id, ...params],
    );
    return rows.map((row) => ({
      id: row.id,
      slug: row.slug,
      name: row.name,
      createdAt: new Date(row.created_at),
      viewerRole: row.role,
    }));
  }

  /**
   * An event about an organization (the target), kept in the history of the account it concerns:
   * the creator for organization.create, the member for member events.
   */
  private audit(
    tx: EntityManager,
    caller: Caller,
    action: string,
    organizationId: string,
    accountId: string,
    detail: string,
  ): void {
    recordAudit(tx, {
      action,
      actor: actorOf(caller.principal),
      accountId,
      targetId: organizationId,
      meta: caller.meta,
      detail,
    });
  }
}

interface MemberRow {
  account_id: string;
  email: string;
  name: string;
  role: OrganizationRole;
  created_at: Date;
}

const MEMBER_SELECT = `select m.account_id, a.email, a.name, m.role, m.created_at
  from organization_member m join account a on a.id = m.account_id`;

function memberView(row: MemberRow): MemberView {
  return {
    account: { id: row.account_id, email: row.email, name: row.name },
    role: row.role,
    createdAt: new Date(row.created_at),
  };
}
