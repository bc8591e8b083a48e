import type { EntityManager } from '@mikro-orm/postgresql';
import { type AuditActor, type RequestMeta, recordAudit } from '../audit/audit.service.js';
import { actorOf, type Caller } from '../caller.js';
import { invalidCursorError, KeywardError } from '../errors.js';
import { isUuid } from '../ids.js';
import { Account, type Plan, type Role } from './accounts.entity.js';
import { normalizeEmail } from './accounts.service.js';

/**
 * Who changes an account from above: a site admin's request, or the operator at the shell
 * (`npm run admin`, audited with the actor `system`).
 */
export type AccountAdministrator = Caller | 'operator';

export interface AccountListOptions {
  /** Part of the email, case-insensitive. */
  email?: string | null;
  first: number;
  afterId?: string | null;
}

const OPERATOR_META: RequestMeta = { ip: null, userAgent: 'npm run admin' };

function requireSiteAdmin(by: AccountAdministrator): { actor: AuditActor; meta: RequestMeta } {
  if (by === 'operator') return { actor: { type: 'system', id: null }, meta: OPERATOR_META };
  const { principal } = by;
  if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
  if (principal.account.role !== 'admin')
    throw new KeywardError('forbidden', 'This needs the site admin role.');
  return { actor: actorOf(principal), meta: by.meta };
}

const accountNotFound = () => new KeywardError('not_found', 'No account with that id.');

/**
 * Site admins' oversight of accounts: the list, and plan and role changes, each audited with the
 * admin as actor. A change reaches the account's cached tokens on every instance on the next
 * request: the account row's trigger notifies the other instances (docs/architecture.md), and
 * `onAccountChanged` evicts this instance's entries before the call answers.
 */
export class AccountAdminService {
  constructor(
    private readonly deps: {
      onAccountChanged?: (accountId: string) => void | Promise<void>;
    } = {},
  ) {}

  /** Every account, by email; `afterId` is the account the page starts after. */
  async listAccounts(
    em: EntityManager,
    by: AccountAdministrator,
    options: AccountListOptions,
  ): Promise<{ accounts: Account[]; hasNextPage: boolean }> {
    requireSiteAdmin(by);
    const conditions: string[] = [];
    const params: unknown[] = [];
    const email = options.email?.trim();
    if (email) {
      conditions.push('email like ?');
      params.push(`%${normalizeEmail(email).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const { afterId } = options;
    if (afterId) {
      if (!isUuid(afterId)) throw invalidCursorError();
      const [after] = await em.execute<{ email: string }[]>('select email from account where id = ?', [
        afterId,
      ]);
      if (!after) throw invalidCursorError();
      conditions.push('email > ?');
      params.push(after.email);
    }
    const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
    const rows = await em.execute<{ id: string }[]>(
      `select id from account ${where} order by email limit ?`,
      [...params, options.first + 1],
    );
    const ids = rows.slice(0, options.first).map((row) => row.id);
    const accounts = ids.length === 0 ? [] : await em.find(Account, { id: { $in: ids } });
    const byId = new Map(accounts.map((account) => [account.id, account]));
    return { accounts: ids.flatMap((id) => byId.get(id) ?? []), hasNextPage: rows.length > options.first };
  }

  /** The account with this email (operators name accounts by email), or not_found. */
  async findByEmail(em: EntityManager, by: AccountAdministrator, email: string): Promise<Account> {
    requireSiteAdmin(by);
    const account = await em.findOne(Account, { email: normalizeEmail(email) });
    if (!account) throw new KeywardError('not_found', 'No account has this email address.');
    return account;
  }

  /** Sets an account's plan; audited as account.plan_change (`free → team`). */
  async setPlan(
    em: EntityManager,
    by: AccountAdministrator,
    accountId: string,
    plan: Plan,
  ): Promise<Account> {
    const { actor, meta } = requireSiteAdmin(by);
    const account = await em.transactional(async (tx) => {
      const found = await this.lockedAccount(tx, accountId);
      if (found.plan !== plan) {
        recordAudit(tx, {
          action: 'account.plan_change',
          actor,
          accountId: found.id,
          targetId: found.id,
          meta,
          detail: `${found.plan} → ${plan}`,
        });
        found.plan = plan;
      }
      return found;
    });
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }

  /**
   * Sets an account's site role; audited as account.role_change. The server keeps at least one
   * admin, exactly under races: every admin row is locked before they are counted.
   */
  async setRole(
    em: EntityManager,
    by: AccountAdministrator,
    accountId: string,
    role: Role,
  ): Promise<Account> {
    const { actor, meta } = requireSiteAdmin(by);
    const account = await em.transactional(async (tx) => {
      if (role !== 'admin') {
        // Locked first, then counted in statements of their own (each sees what committed before).
        await tx.execute(`select id from account where role = 'admin' for update`);
      }
      const found = await this.lockedAccount(tx, accountId);
      if (found.role === role) return found;
      if (found.role === 'admin') {
        const [admins] = await tx.execute<{ n: number }[]>(
          `select count(*)::int as n from account where role = 'admin'`,
        );
        if ((admins?.n ?? 0) <= 1)
          throw new KeywardError(
            'conflict',
            'The server keeps at least one admin: make another account an admin first.',
          );
      }
      recordAudit(tx, {
        action: 'account.role_change',
        actor,
        accountId: found.id,
        targetId: found.id,
        meta,
        detail: `${found.role} → ${role}`,
      });
      found.role = role;
      return found;
    });
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }

  private async lockedAccount(tx: EntityManager, accountId: string): Promise<Account> {
    if (!isUuid(accountId)) throw accountNotFound();
    const [locked] = await tx.execute('select id from account where id = ? for update', [accountId]);
    if (!locked) throw accountNotFound();
    const account = await tx.findOne(Account, { id: accountId }, { refresh: true });
    if (!account) throw accountNotFound();
    return account;
  }
}
