import type pg from 'pg';
import { Account, type Plan, type Role } from '../accounts/accounts.entity.js';
import { KeywardError } from '../errors.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import {
  effectivePermissions,
  organizationTokenPermissions,
  type PermissionPreset,
} from '../permissions/presets.js';
import type { TokenMemo, VerifiedToken } from '../principal.js';
import type { CachedToken, TokenCache } from './token-cache.js';
import { cidrMatcher } from './token-restrictions.js';
import { hashTokenSecret, isWellFormedTokenSecret } from './token-secret.js';
import type { UsageRefillInterval } from './tokens.entity.js';

interface TokenRow {
  secret_hash: string;
  id: string;
  account_id: string | null;
  name: string;
  display_prefix: string;
  preset: PermissionPreset;
  permissions: string[] | null;
  expires_at: Date | null;
  active: boolean;
  revoked: boolean;
  expired: boolean;
  /** Milliseconds from the database's now() to expires_at; null when the token never expires. */
  remaining_ms: number | null;
  rate_limit_per_minute: number | null;
  allowed_cidrs: string[] | null;
  not_before: Date | null;
  /** not_before is still ahead by the database's now(). */
  pending: boolean;
  /** Milliseconds from the database's now() to not_before; null without one. */
  starts_in_ms: number | null;
  usage_limit: number | null;
  usage_refill_amount: number | null;
  usage_refill_interval: UsageRefillInterval | null;
  /** The grace of a rotation is over by the database's now(): the secret answers token_rotated. */
  rotated: boolean;
  /** Milliseconds from the database's now() to grace_ends_at; null when the token was never rotated. */
  grace_ms: number | null;
  successor_prefix: string | null;
  a_id: string | null;
  a_email: string;
  a_name: string;
  a_email_verified: boolean;
  a_plan: Plan;
  a_role: Role;
  a_created_at: Date;
  /** The owning organization of an organization token (null: a personal token), and its name. */
  organization_id: string | null;
  o_name: string | null;
  o_created_at: Date | null;
  /** performance.now() when the statement was sent (set here, not selected). */
  sent_at: number;
}

/** How long a cached entry is trusted without a lookup, even if no invalidation ever arrives. */
export const CACHE_LIFETIME_MS = 60_000;

// Expiry and notBefore are judged by the database clock, in the same statement that finds the
// tokens: `expired`/`pending` for this answer, `remaining_ms`/`starts_in_ms` for the cache, which
// counts them down on this process's monotonic clock.
// One statement looks up every hash missed in the same event-loop turn (see lookup()).
const VERIFY_SQL = `
  select t.secret_hash, t.id, t.account_id, t.name, t.display_prefix, t.preset, t.permissions, t.expires_at, t.active,
         t.revoked_at is not null as revoked, coalesce(t.expires_at <= now(), false) as expired,
         (extract(epoch from t.expires_at - now()) * 1000)::float8 as remaining_ms,
         t.rate_limit_per_minute, t.allowed_cidrs, t.not_before,
         coalesce(t.not_before > now(), false) as pending,
         (extract(epoch from t.not_before - now()) * 1000)::float8 as starts_in_ms,
         t.usage_limit, t.usage_refill_amount, t.usage_refill_interval,
         coalesce(t.grace_ends_at <= now(), false) as rotated,
         (extract(epoch from t.grace_ends_at - now()) * 1000)::float8 as grace_ms,
         case when t.rotated_at is not null then coalesce(s.display_prefix, '') end as successor_prefix,
         a.id as a_id, a.email as a_email, a.name as a_name, a.email_verified as a_email_verified, a.plan as a_plan, a.role as a_role, a.created_at as a_created_at,
         t.organization_id, o.name as o_name, o.created_at as o_created_at
  from api_token t left join account a on a.id = t.account_id left join api_token s on s.id = t.successor_id
       left join organization o on o.id = t.organization_id
  where t.secret_hash = any($1::text[])`;

/** Hashes per lookup statement at most; a larger turn's misses are split. */
const MAX_BATCH = 500;

interface Waiter {
  resolve: (row: TokenRow | undefined) => void;
  reject: (error: unknown) => void;
}

export interface TokenVerification {
  token: VerifiedToken;
  account: Account;
  /** Effective permissions (preset ∩ owner), computed once per cache entry. */
  permissions: ReadonlySet<string>;
  memo: TokenMemo;
}

/** Verification outcomes by code, for metrics. */
export type VerificationOutcome =
  | 'ok'
  | 'invalid_token'
  | 'token_revoked'
  | 'token_rotated'
  | 'token_user_missing'
  | 'token_expired'
  | 'token_inactive'
  | 'token_not_yet_valid'
  | 'ip_not_allowed';

export interface TokenVerifierDeps {
  /** A plain pg pool: the hot path uses a named prepared statement, no ORM hydration. */
  pool: pg.Pool;
  cache: TokenCache;
  prefix: string;
  defaultRate: number;
  catalogue: PermissionCatalogue;
  onOutcome?: (outcome: VerificationOutcome, cached: boolean) => void;
  /** A use refused for its client address: it still counts, as a denied use of the token. */
  onAddressRefused?: (tokenId: string, ip: string | null) => void;
  /** A rotated token's old secret was presented: accepted during its grace, refused after it. */
  onOldSecretUse?: (tokenId: string, ip: string | null) => void;
}

/**
 * The one verification path for API tokens (GraphQL and REST alike). Checks, in order:
 * format and checksum (no database access for garbage) → hash lookup (cache, else one prepared
 * statement) → rotated with its grace over → revoked → owner exists → expired → inactive → not yet valid (notBefore) → client
 * address outside allowedCidrs. Throws the matching KeywardError. Credits are spent later, once
 * the request has passed the rate limiter (token-credits.ts). The secret is only hashed; nothing
 * keeps it.
 */
export class TokenVerifier {
  /** Hashes missed in this event-loop turn, waiting for one lookup statement. */
  private batch: Map<string, Waiter[]> | null = null;

  constructor(private readonly deps: TokenVerifierDeps) {}

  async verify(secret: string, ip: string | null): Promise<TokenVerification> {
    return this.check(secret, ip);
  }

  /**
   * verify(), answered synchronously when the cache decides (a hit, a known-unknown hash or a
   * malformed secret): only a miss waits for the database.
   */
  check(secret: string, ip: string | null): TokenVerification | Promise<TokenVerification> {
    if (!isWellFormedTokenSecret(secret, this.deps.prefix)) return this.fail('invalid_token', false);
    const hash = hashTokenSecret(secret);
    const { cache } = this.deps;
    const cached = cache.get(hash);
    if (cached) {
      // Deadlines are on the monotonic clock, counted from the database's now(): a wall clock that
      // is off or jumps changes nothing. An entry past its lifetime is looked up again.
      const now = performance.now();
      if (now < cached.staleAt)
        return this.decide(
          cached,
          cached.expiresAt <= now,
          now < cached.startsAt,
          cached.graceEndsAt <= now,
          ip,
          true,
        );
    }
    if (cache.isKnownUnknown(hash)) return this.fail('invalid_token', true);
    return this.miss(hash, ip);
  }

  private async miss(hash: string, ip: string | null): Promise<TokenVerification> {
    const { cache } = this.deps;
    const generation = cache.generation;
    const row = await this.lookup(hash);
    if (!row) {
      cache.setUnknown(hash, generation);
      return this.fail('invalid_token', false);
    }
    const entry = this.entryFrom(row);
    cache.set(hash, entry, generation);
    // A miss is judged by the database clock.
    return this.decide(entry, row.expired, row.pending, row.rotated, ip, false);
  }

  /**
   * The row for `hash`, found together with every other hash missed in the same event-loop turn:
   * under a flood of unknown or cold tokens, one prepared statement (an index lookup of up to
   * MAX_BATCH hashes) replaces one round trip per request. Alone, a miss waits only for the end of
   * the current turn (setImmediate). Concurrent misses of one hash share its lookup.
   */
  private lookup(hash: string): Promise<TokenRow | undefined> {
    let batch = this.batch;
    if (!batch) {
      const started = new Map<string, Waiter[]>();
      this.batch = batch = started;
      setImmediate(() => {
        if (this.batch === started) this.batch = null;
        this.send(started);
      });
    }
    const pending = batch;
    return new Promise((resolve, reject) => {
      const waiters = pending.get(hash);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(hash, [{ resolve, reject }]);
      // A full batch goes now; the next miss starts another.
      if (pending.size >= MAX_BATCH && this.batch === pending) {
        this.batch = null;
        this.send(pending);
      }
    });
  }

  private send(batch: Map<string, Waiter[]>): void {
    // setImmediate may still fire for a batch already sent because it was full.
    if (batch.size === 0) return;
    const entries = [...batch];
    batch.clear();
    // Deadlines count from before the statement left, so a slow answer shortens them, never extends.
    const sentAt = performance.now();
    this.deps.pool
      .query<TokenRow>({
        name: 'keyward_verify_tokens',
        text: VERIFY_SQL,
        values: [entries.map(([hash]) => hash)],
      })
      .then(
        ({ rows }) => {
          for (const row of rows) row.sent_at = sentAt;
          const byHash = new Map(rows.map((row) => [row.secret_hash, row]));
          for (const [hash, waiters] of entries)
            for (const waiter of waiters) waiter.resolve(byHash.get(hash));
        },
        (error: unknown) => {
          for (const [, waiters] of entries) for (const waiter of waiters) waiter.reject(error);
        },
      );
  }

  /**
   * `expired`, `pending` and `rotated` (the grace is over) are decided by the database's clock (a
   * miss) or counted down from it (a hit).
   */
  private decide(
    entry: CachedToken,
    expired: boolean,
    pending: boolean,
    rotated: boolean,
    ip: string | null,
    cached: boolean,
  ): TokenVerification {
    // A rotated token whose grace is over names its successor, even once the sweep has revoked it.
    if (rotated && entry.successorPrefix !== null) return this.rotatedOut(entry, ip, cached);
    if (entry.revoked) return this.fail('token_revoked', cached);
    if (!entry.account) return this.fail('token_user_missing', cached);
    if (expired) return this.fail('token_expired', cached);
    if (!entry.active) return this.fail('token_inactive', cached);
    if (pending) return this.fail('token_not_yet_valid', cached);
    if (entry.allowedFrom && !entry.allowedFrom(ip)) {
      this.deps.onAddressRefused?.(entry.token.id, ip);
      return this.fail('ip_not_allowed', cached);
    }
    if (entry.successorPrefix !== null) this.deps.onOldSecretUse?.(entry.token.id, ip);
    this.deps.onOutcome?.('ok', cached);
    return { token: entry.token, account: entry.account, permissions: entry.permissions, memo: entry.memo };
  }

  /** token_rotated, naming the successor's display prefix so the client's owner knows what to update. */
  private rotatedOut(entry: CachedToken, ip: string | null, cached: boolean): never {
    this.deps.onOldSecretUse?.(entry.token.id, ip);
    this.deps.onOutcome?.('token_rotated', cached);
    throw new KeywardError(
      'token_rotated',
      `The API token was rotated and its grace period is over: use its successor, ${entry.successorPrefix}…`,
    );
  }

  private fail(code: Exclude<VerificationOutcome, 'ok'>, cached: boolean): never {
    this.deps.onOutcome?.(code, cached);
    throw new KeywardError(code);
  }

  private entryFrom(row: TokenRow): CachedToken {
    const account = row.organization_id ? organizationAccount(row) : ownerAccount(row);
    const token: VerifiedToken = {
      id: row.id,
      accountId: row.organization_id ?? row.account_id ?? '',
      organizationId: row.organization_id,
      name: row.name,
      displayPrefix: row.display_prefix,
      preset: row.preset,
      permissions: row.permissions,
      expiresAt: row.expires_at,
      rateLimitPerMinute: row.rate_limit_per_minute ?? this.deps.defaultRate,
      restrictions: {
        allowedCidrs: row.allowed_cidrs,
        notBefore: row.not_before,
        usageLimit: row.usage_limit,
        usageRefill:
          row.usage_refill_amount !== null && row.usage_refill_interval !== null
            ? { amount: row.usage_refill_amount, interval: row.usage_refill_interval }
            : null,
      },
    };
    return {
      token,
      account,
      active: row.active,
      revoked: row.revoked,
      expiresAt: row.remaining_ms === null ? Number.POSITIVE_INFINITY : row.sent_at + row.remaining_ms,
      startsAt: row.starts_in_ms === null ? Number.NEGATIVE_INFINITY : row.sent_at + row.starts_in_ms,
      graceEndsAt: row.grace_ms === null ? Number.POSITIVE_INFINITY : row.sent_at + row.grace_ms,
      successorPrefix: row.successor_prefix,
      allowedFrom: row.allowed_cidrs ? cidrMatcher(row.allowed_cidrs) : null,
      staleAt: row.sent_at + CACHE_LIFETIME_MS,
      permissions: new Set(
        !account
          ? []
          : row.organization_id
            ? organizationTokenPermissions(token, this.deps.catalogue)
            : effectivePermissions(token, account, this.deps.catalogue),
      ),
      memo: {},
    };
  }
}

/** The owning account of a personal token; null once it is deleted (token_user_missing). */
function ownerAccount(row: TokenRow): Account | null {
  if (!row.a_id || !row.account_id) return null;
  return Object.assign(new Account(), {
    id: row.a_id,
    email: row.a_email,
    name: row.a_name,
    // Never loaded on this path: a principal has no use for it.
    passwordHash: '',
    emailVerified: row.a_email_verified,
    plan: row.a_plan,
    role: row.a_role,
    createdAt: row.a_created_at,
  });
}

/**
 * An organization token acts as its organization, never as the person who created it (who may
 * have left or been deleted: the token keeps working). The organization is seen as an account so
 * that what keys by account (cache eviction, limits, usage) keys by the organization; it has no
 * email, is verified, on the team plan, and is never a site admin. docs/architecture.md,
 * "Organization tokens".
 */
function organizationAccount(row: TokenRow): Account | null {
  if (!row.organization_id || row.o_name === null) return null;
  return Object.assign(new Account(), {
    id: row.organization_id,
    email: '',
    name: row.o_name,
    passwordHash: '',
    emailVerified: true,
    plan: 'team' as Plan,
    role: 'member' as Role,
    createdAt: row.o_created_at ?? new Date(0),
  });
}
