import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type RequestMeta, recordAudit, recordAuditForEmail } from '../audit/audit.service.js';
import { sha256Hex } from '../crypto.js';
import { KeywardError, validationError } from '../errors.js';
import { enqueueLinkMail } from '../mail/mail.service.js';
import { assertAllowed, type RateLimits } from '../rate-limits/rate-limiter.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import { assertPlainText } from '../text.js';
import { consumeLink } from './account-links.js';
import { Account, type Plan, type Role } from './accounts.entity.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from './passwords.js';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function validateEmail(email: string): string {
  assertPlainText('email', email);
  const normalized = normalizeEmail(email);
  if (normalized.length > 254 || !EMAIL_PATTERN.test(normalized)) {
    throw validationError('email', 'enter a valid email address.');
  }
  return normalized;
}

export function validatePassword(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw validationError(field, `use between ${PASSWORD_MIN_LENGTH} and ${PASSWORD_MAX_LENGTH} characters.`);
  }
}

export function validateName(name: string): string {
  assertPlainText('name', name);
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw validationError('name', 'use between 1 and 100 characters.');
  }
  return trimmed;
}

/**
 * Where a login comes from, for its audit event: the web app (a session), /api/v1 (a token pair)
 * or an OpenID provider (a session).
 */
export interface LoginAttempt {
  meta: RequestMeta;
  via: 'web' | 'api' | 'oidc';
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
  async register(em: EntityManager, input: NewAccount, origin: string, meta: RequestMeta): Promise<Account> {
    return em.transactional(async (tx) => {
      const account = await this.createAccount(tx, {
        ...input,
        emailVerified: false,
        plan: 'free',
        role: 'member',
      });
      enqueueLinkMail(tx, { to: account.email, kind: 'verify_email', origin });
      this.audit(tx, 'account.register', account.id, meta);
      return account;
    });
  }

  /**
   * Checks email and password. Same error, and the same time spent, for an unknown email and a
   * wrong password. Every attempt spends a point of the per-account `login-account` limit (keyed
   * by the hash of the normalized email, known or not) before the password is looked at, and a
   * success gives the count back: only failures accumulate. Once the limit is spent, even the
   * right password is refused with rate_limit_exceeded until the window passes. Audited as
   * session.login, or session.login_failed with a reason (an unknown email: no account, so only
   * admins see it).
   */
  async authenticate(
    em: EntityManager,
    email: string,
    password: string,
    attempt: LoginAttempt,
  ): Promise<Account> {
    assertPlainText('email', email);
    const throttleKey = sha256Hex(normalizeEmail(email));
    const decision = await this.deps.rateLimits.consume('login-account', throttleKey);
    const account =
      email.length <= 254 && password.length <= PASSWORD_MAX_LENGTH
        ? await em.findOne(Account, { email: normalizeEmail(email) })
        : null;
    if (!decision.allowed) {
      await this.auditNow(em, 'session.login_failed', account?.id ?? null, attempt.meta, 'throttled');
      assertAllowed(decision);
    }
    const ok = await verifyPassword(account?.passwordHash ?? null, password.slice(0, PASSWORD_MAX_LENGTH));
    if (!account || !ok) {
      const reason = account ? 'wrong_password' : 'unknown_email';
      await this.auditNow(em, 'session.login_failed', account?.id ?? null, attempt.meta, reason);
      throw new KeywardError('invalid_credentials');
    }
    await this.deps.rateLimits.reset('login-account', throttleKey);
    await this.auditNow(em, 'session.login', account.id, attempt.meta, attempt.via);
    return account;
  }

  /**
   * Signs in with an email address an OpenID provider has verified: the account that has the
   * address, and only when the account's own address is verified too, so whoever registered an
   * address without proving it never gets the session of whoever proves it later. Creates no
   * account. Audited as session.login (detail `oidc`) or session.login_failed
   * (`oidc_unknown_email`, `oidc_unverified_account`).
   * @throws invalid_credentials (no account has the address), email_not_verified (its account's is not).
   */
  async authenticateVerifiedEmail(em: EntityManager, email: string, meta: RequestMeta): Promise<Account> {
    assertPlainText('email', email);
    const normalized = normalizeEmail(email);
    const account = normalized.length <= 254 ? await em.findOne(Account, { email: normalized }) : null;
    if (!account) {
      await this.auditNow(em, 'session.login_failed', null, meta, 'oidc_unknown_email');
      throw new KeywardError('invalid_credentials', 'No account has this email address.');
    }
    if (!account.emailVerified) {
      await this.auditNow(em, 'session.login_failed', account.id, meta, 'oidc_unverified_account');
      throw new KeywardError('email_not_verified');
    }
    await this.auditNow(em, 'session.login', account.id, meta, 'oidc');
    return account;
  }

  async resendVerification(em: EntityManager, account: Account, origin: string): Promise<void> {
    assertAllowed(await this.deps.rateLimits.consume('resend-verification', account.id));
    if (account.emailVerified) return;
    await em.transactional(async (tx) => {
      enqueueLinkMail(tx, { to: account.email, kind: 'verify_email', origin });
    });
  }

  async verifyEmail(em: EntityManager, token: string, meta: RequestMeta): Promise<Account> {
    const account = await em.transactional(async (tx) => {
      const accountId = await consumeLink(tx, token, 'verify_email');
      const verified = await tx.findOneOrFail(Account, { id: accountId });
      verified.emailVerified = true;
      this.audit(tx, 'account.email_verify', verified.id, meta);
      return verified;
    });
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }

  /**
   * Queues a reset mail for the address, whether or not an account has it: the request does the
   * same work, in the same time, either way, and the mail dispatcher sends (and mints the link)
   * only when the account exists. Limited per email address (`password-reset-email`, known or
   * not), besides the caller's per-IP limit.
   */
  async requestPasswordReset(
    em: EntityManager,
    email: string,
    origin: string,
    meta: RequestMeta,
  ): Promise<void> {
    assertPlainText('email', email);
    const normalized = normalizeEmail(email);
    if (normalized.length > 254) return;
    assertAllowed(await this.deps.rateLimits.consume('password-reset-email', sha256Hex(normalized)));
    await em.transactional(async (tx) => {
      enqueueLinkMail(tx, { to: normalized, kind: 'password_reset', origin });
      const actor = { type: 'account' as const, id: null };
      await recordAuditForEmail(tx, {
        action: 'account.password_reset_request',
        actor,
        email: normalized,
        meta,
      });
    });
  }

  /** Sets a new password from a single-use link and ends every session and programmatic login of the account. */
  async resetPassword(
    em: EntityManager,
    token: string,
    password: string,
    meta: RequestMeta,
  ): Promise<Account> {
    validatePassword(password);
    const passwordHash = await hashPassword(password);
    const account = await em.transactional(async (tx) => {
      const accountId = await consumeLink(tx, token, 'password_reset');
      const found = await tx.findOneOrFail(Account, { id: accountId });
      found.passwordHash = passwordHash;
      // Whoever could read the mailbox proved control of the address.
      found.emailVerified = true;
      await this.deps.sessions.destroyAllForAccount(tx, found.id);
      // Programmatic logins end too: whoever knew the old password may hold a refresh token.
      await tx.execute(
        'update refresh_token set revoked_at = now() where account_id = ? and revoked_at is null',
        [found.id],
      );
      this.audit(tx, 'account.password_reset', found.id, meta);
      return found;
    });
    await this.deps.onAccountChanged?.(account.id);
    return account;
  }

  /** An event about the account, acted by it (the person who holds its session, password or mailbox). */
  private audit(tx: EntityManager, action: string, accountId: string, meta: RequestMeta, detail?: string) {
    const actor = { type: 'account' as const, id: accountId };
    recordAudit(tx, { action, actor, accountId, targetId: accountId, meta, detail: detail ?? null });
  }

  /** Written at once, outside any transaction: it must outlive the error thrown next. */
  private async auditNow(
    em: EntityManager,
    action: string,
    accountId: string | null,
    meta: RequestMeta,
    detail: string,
  ): Promise<void> {
    const actor = { type: 'account' as const, id: accountId };
    recordAudit(em, { action, actor, accountId, targetId: accountId, meta, detail });
    await em.flush();
  }
}
