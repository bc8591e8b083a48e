import type { EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../audit/audit.service.js';
import { actorOf, type Caller } from '../caller.js';
import { sha256Hex } from '../crypto.js';
import { KeywardError } from '../errors.js';
import { assertAllowed, type RateLimits } from '../rate-limits/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import { Account } from './accounts.entity.js';
import { validateName, validatePassword } from './accounts.service.js';
import { hashPassword, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords.js';

export interface UpdateAccountInput {
  name?: string | null;
}

export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/** What people change about their own account: its name and its password. */
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
    await em.transactional(async (tx) => {
      account.name = name;
      tx.persist(account);
      recordAudit(tx, {
        action: 'account.update',
        actor: actorOf(principal),
        accountId: account.id,
        targetId: account.id,
        meta: caller.meta,
        detail: 'name',
      });
    });
    await this.deps.onAccountChanged?.(account.id);
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
