import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomOpaqueToken, sha256Hex } from '../crypto.js';
import { KeywardError, validationError } from '../errors.js';
import { enqueueMail } from '../mail/mail.service.js';
import { assertAllowed, type RateLimits } from '../rate-limits/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import { Account, AccountLink, type AccountLinkPurpose, type Plan, type Role } from './accounts.entity.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from './passwords.js';

const LINK_LIFETIME_MS: Record<AccountLinkPurpose, number> = {
  verify_email: 24 * 3_600_000,
  password_reset: 3_600_000,
};
const LINK_PATH: Record<AccountLinkPurpose, string> = {
  verify_email: '/verify-email',
  password_reset: '/reset-password',
};

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function validateEmail(email: string): string {
  const normalized = normalizeEmail(email);
  if (normalized.length > 254 || !EMAIL_PATTERN.test(normalized)) {
    throw validationError('email', 'enter a valid email address.');
  }
  return normalized;
}

function validatePassword(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw validationError(field, `use between ${PASSWORD_MIN_LENGTH} and ${PASSWORD_MAX_LENGTH} characters.`);
  }
}

function validateName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw validationError('name', 'use between 1 and 100 characters.');
  }
  return trimmed;
}

export interface NewAccount {
  email: string;
  password: string;
  name?: string;
  emailVerified?: boolean;
  plan?: Plan;
  role?: Role;
}

/** Accounts: registration, credentials, email verification and password reset. */
export class AccountsService {
  constructor(
    private readonly deps: {
      sessions: SessionsService;
      rateLimits: RateLimits;
      /** Told after a change that alters what the account's tokens may do (verification, plan, role). */
      onAccountChanged?: (accountId: string) => void | Promise<void>;
    },
  ) {}

  /** Creates an account; email uniqueness is case-insensitive (stored lower-cased, unique index). */
  async createAccount(em: EntityManager, input: NewAccount): Promise<Account> {
    const email = validateEmail(input.email);
    validatePassword(input.password);
    const name = validateName(input.name ?? email.split('@')[0] ?? email);
    const account = Object.assign(new Account(), {
      id: randomUUID(),
      email,
      name,
      passwordHash: await hashPassword(input.password),
      emailVerified: input.emailVerified ?? false,
      plan: input.plan ?? 'free',
      role: input.role ?? 'member',
    });
    try {
      await em.persist(account).flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new KeywardError('email_taken');
      throw error;
    }
    return account;
  }

  /** Registers an account and mails the verification link, in one transaction. */
  async register(em: EntityManager, input: NewAccount, origin: string): Promise<Account> {
    return em.transactional(async (tx) => {
      const account = await this.createAccount(tx, {
        ...input,
        emailVerified: false,
        plan: 'free',
        role: 'member',
      });
      await this.mailLink(tx, account, 'verify_email', origin);
      return account;
    });
  }

  /**
   * Checks email and password. Same error, and the same time spent, for an unknown email and a
   * wrong password. Every attempt spends a point of the per-account `login-account` limit (keyed
   * by the hash of the normalized email, known or not) before the password is looked at, and a
   * success gives the count back: only failures accumulate. Once the limit is spent, even the
   * right password is refused with rate_limit_exceeded until the window passes.
   */
  async authenticate(em: EntityManager, email: string, password: string): Promise<Account> {
    const throttleKey = sha256Hex(normalizeEmail(email));
    assertAllowed(await this.deps.rateLimits.consume('login-account', throttleKey));
    const account =
      email.length <= 254 && password.length <= PASSWORD_MAX_LENGTH
        ? await em.findOne(Account, { email: normalizeEmail(email) })
        : null;
    const ok = await verifyPassword(account?.passwordHash ?? null, password.slice(0, PASSWORD_MAX_LENGTH));
    if (!account || !ok) throw new KeywardError('invalid_credentials');
    await this.deps.rateLimits.reset('login-account', throttleKey);
    return account;
  }

  async resendVerification(em: EntityManager, account: Account, origin: string): Promise<void> {
    if (account.emailVerified) return;
    await em.transactional((tx) => this.mailLink(tx, account, 'verify_email', origin));
  }

  async verifyEmail(em: EntityManager, token: string): Promise<Account> {
    const account = await em.transactional(async (tx) => {
      const link = await this.consumeLink(tx, token, 'verify_email');
      const verified = await tx.findOneOrFail(Account, { id: link.account });
      verified.emailVerified = true;
      return verified;
    });
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }

  /**
   * Mails a reset link when the account exists; answers the same either way. Limited per email
   * address (`password-reset-email`, known or not), besides the caller's per-IP limit.
   */
  async requestPasswordReset(em: EntityManager, email: string, origin: string): Promise<void> {
    if (email.length > 254) return;
    const key = sha256Hex(normalizeEmail(email));
    assertAllowed(await this.deps.rateLimits.consume('password-reset-email', key));
    const account = await em.findOne(Account, { email: normalizeEmail(email) });
    if (!account) return;
    await em.transactional((tx) => this.mailLink(tx, account, 'password_reset', origin));
  }

  /** Sets a new password from a single-use link and ends every session and programmatic login of the account. */
  async resetPassword(em: EntityManager, token: string, password: string): Promise<Account> {
    validatePassword(password);
    const passwordHash = await hashPassword(password);
    const account = await em.transactional(async (tx) => {
      const link = await this.consumeLink(tx, token, 'password_reset');
      const found = await tx.findOneOrFail(Account, { id: link.account });
      found.passwordHash = passwordHash;
      // Whoever could read the mailbox proved control of the address.
      found.emailVerified = true;
      await this.deps.sessions.destroyAllForAccount(tx, found.id);
      // Programmatic logins end too: whoever knew the old password may hold a refresh token.
      await tx.execute(
        'update refresh_token set revoked_at = now() where account_id = ? and revoked_at is null',
        [found.id],
      );
      return found;
    });
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }

  private async mailLink(tx: EntityManager, account: Account, purpose: AccountLinkPurpose, origin: string) {
    const token = randomOpaqueToken();
    // One live link per purpose: an older one stops working when a new one is sent.
    await tx.nativeUpdate(
      AccountLink,
      { account: account.id, purpose, usedAt: null },
      { usedAt: new Date(), expiresAt: new Date() },
    );
    tx.persist(
      Object.assign(new AccountLink(), {
        tokenHash: sha256Hex(token),
        account: account.id,
        purpose,
        expiresAt: new Date(Date.now() + LINK_LIFETIME_MS[purpose]),
      }),
    );
    const link = `${origin}${LINK_PATH[purpose]}?token=${token}`;
    const [subject, body] =
      purpose === 'verify_email'
        ? [
            'Verify your Keyward email address',
            `Hello ${account.name},\n\nConfirm your email address: ${link}\n\nThe link works once and expires in 24 hours.`,
          ]
        : [
            'Reset your Keyward password',
            `Hello ${account.name},\n\nSet a new password: ${link}\n\nThe link works once and expires in 1 hour. If you did not ask for it, ignore this mail.`,
          ];
    enqueueMail(tx, { to: account.email, subject, body, kind: purpose });
  }

  /** Marks a link used, atomically: two concurrent uses of one link cannot both succeed. */
  private async consumeLink(
    tx: EntityManager,
    token: string,
    purpose: AccountLinkPurpose,
  ): Promise<AccountLink> {
    if (token.length === 0 || token.length > 128) throw new KeywardError('invalid_link');
    const rows = await tx.execute<{ account_id: string }[]>(
      `update account_link set used_at = now()
       where token_hash = ? and purpose = ? and used_at is null and expires_at > now()
       returning account_id`,
      [sha256Hex(token), purpose],
    );
    const row = rows[0];
    if (!row) throw new KeywardError('invalid_link');
    return Object.assign(new AccountLink(), { account: row.account_id, purpose });
  }
}
