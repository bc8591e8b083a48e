import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../audit/audit.service.js';
import { actorOf, type Caller } from '../caller.js';
import { sha256Hex } from '../crypto.js';
import { KeywardError, validationError } from '../errors.js';
import { assertAllowed, type RateLimits } from '../rate-limits/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import { Account } from './accounts.entity.js';
import { validateName, validatePassword } from './accounts.service.js';
import { hashPassword, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords.js';

export interface UpdateAccountInput {
  name?: string | null;
}

/** The account's settings for scheduled jobs; absent fields keep their value. */
export interface UpdateAccountSettingsInput {
  /** Days unused before a token is deactivated (30–730); null turns it off. */
  deactivateAfterDays?: number | null;
  /** Whether the daily expiry-reminder digest is mailed. */
  expiryReminders?: boolean | null;
}

export interface AccountSettings {
  deactivateAfterDays: number | null;
  expiryReminders: boolean;
}

/** The bounds of `deactivateAfterDays`: a month to two years. */
export const DEACTIVATE_AFTER_DAYS = { min: 30, max: 730 } as const;

/** Null (off) or a whole number of days within DEACTIVATE_AFTER_DAYS, else validation_failed. */
export function validateDeactivateAfterDays(days: number | null): number | null {
  if (days === null) return null;
  const { min, max } = DEACTIVATE_AFTER_DAYS;
  if (!Number.isInteger(days) || days < min || days > max)
    throw validationError(
      'deactivateAfterDays',
      `use a whole number of days from ${min} to ${max}, or null for never.`,
    );
  return days;
}

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/** Writes the changed account with its `account.update` event (`detail`: what changed), in one transaction. */
function saveAudited(em: EntityManager, caller: Caller, account: Account, detail: string): Promise<void> {
  return em.transactional(async (tx) => {
    tx.persist(account);
    recordAudit(tx, {
      action: 'account.update',
      actor: actorOf(caller.principal),
      accountId: account.id,
      targetId: account.id,
      meta: caller.meta,
      detail,
    });
  });
}

/** What people change about their own account: its name, its password, its settings. */
export class AccountSettingsService {
  constructor(
    private readonly deps: {
      sessions: SessionsService;
      rateLimits: RateLimits;
      /** Told after a change cached token answers depend on (the account's name). */
      onAccountChanged?: (accountId: string) => void | Promise<void>;
    },
  ) {}

  /** Changes the caller's own name (a token needs account:update); audited as account.update. */
  async updateAccount(em: EntityManager, caller: Caller, input: UpdateAccountInput): Promise<Account> {
    const { principal } = caller;
    if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
    const account = await em.findOneOrFail(Account, { id: principal.account.id });
    const name = input.name == null ? account.name : validateName(input.name);
    if (name === account.name) return account;
    account.name = name;
    await saveAudited(em, caller, account, 'name');
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }

  /** The caller's settings, read fresh (a token's cached account may predate a change). */
  async settings(em: EntityManager, accountId: string): Promise<AccountSettings> {
    const account = await em.findOneOrFail(Account, { id: accountId });
    return { deactivateAfterDays: account.deactivateAfterDays, expiryReminders: account.expiryReminders };
  }

  /**
   * Changes the caller's settings (a token needs account:update); audited as account.update with
   * the changed fields in its detail. Nothing changes when any field is invalid.
   */
  async updateSettings(
    em: EntityManager,
    caller: Caller,
    input: UpdateAccountSettingsInput,
  ): Promise<Account> {
    const { principal } = caller;
    if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
    const days =
      input.deactivateAfterDays === undefined
        ? undefined
        : validateDeactivateAfterDays(input.deactivateAfterDays);
    const account = await em.findOneOrFail(Account, { id: principal.account.id });
    const changed: string[] = [];
    if (days !== undefined && days !== account.deactivateAfterDays) {
      account.deactivateAfterDays = days;
      changed.push('deactivateAfterDays');
    }
    if (input.expiryReminders != null && input.expiryReminders !== account.expiryReminders) {
      account.expiryReminders = input.expiryReminders;
      changed.push('expiryReminders');
    }
    if (changed.length === 0) return account;
    await saveAudited(em, caller, account, changed.join(', '));
    return account;
  }

  /**
   * Sets a new password from a web session that proves the current one. A wrong current password
   * counts as a failed login of the account (a stolen session must not become a guessing oracle).
   * Every other web session and every programmatic login of the account ends; this session stays.
   */
  async changePassword(em: EntityManager, caller: Caller, input: ChangePasswordInput): Promise<Account> {
    const { principal } = caller;
    if (principal.kind !== 'session') throw new KeywardError('forbidden');
    validatePassword(input.newPassword, 'newPassword');
    const account = await em.findOneOrFail(Account, { id: principal.account.id });
    const throttleKey = sha256Hex(account.email);
    assertAllowed(await this.deps.rateLimits.consume('login-account', throttleKey));
    const current = input.currentPassword.slice(0, PASSWORD_MAX_LENGTH);
    if (!(await verifyPassword(account.passwordHash, current))) {
      throw new KeywardError('invalid_credentials', 'The current password is incorrect.');
    }
    await this.deps.rateLimits.reset('login-account', throttleKey);
    const passwordHash = await hashPassword(input.newPassword);
    await em.transactional(async (tx) => {
      account.passwordHash = passwordHash;
      tx.persist(account);
      await this.deps.sessions.destroyOthers(tx, account.id, principal.sessionHash);
      await tx.execute(
        'update refresh_token set revoked_at = now() where account_id = ? and revoked_at is null',
        [account.id],
      );
      recordAudit(tx, {
        action: 'account.password_change',
        actor: actorOf(principal),
        accountId: account.id,
        targetId: account.id,
        meta: caller.meta,
      });
    });
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }
}
