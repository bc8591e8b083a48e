import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Account } from '../accounts/accounts.entity.js';
import { type RequestMeta, recordAudit } from '../audit/audit.service.js';
import { actorOf, type Caller } from '../caller.js';
import { invalidCursorError, KeywardError } from '../errors.js';
import { isUuid } from '../ids.js';
import { assertCan } from '../permissions/can.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { assertAllowed, type RateLimitDecision, type RateLimits } from '../rate-limits/rate-limiter.js';
import type { TokenCredits } from './token-credits.js';
import { revokeTokenTrees } from './token-revocation.js';
import { type RotateTokenInput, successorInput } from './token-rotation.js';
import {
  assertAttenuated,
  assertNarrowing,
  attenuatedRate,
  grantableBy,
  revokedTargetError,
  type TokenInput,
  type TokenStatus,
  tightenedRestrictions,
  tokenStatusSql,
  type ValidTokenInput,
  validateDescription,
  validateGracePeriod,
  validateName,
  validateTokenInput,
} from './token-rules.js';
import {
  displayPrefixOf,
  generateTokenSecret,
  hashTokenSecret,
  isWellFormedTokenSecret,
} from './token-secret.js';
import { ApiToken } from './tokens.entity.js';

/** One UTC day of a token's uses by outcome (`count` = allowed). */
export interface TokenUsageCounts {
  date: string;
  count: number;
  denied: number;
  rateLimited: number;
}

/**
 * The orders a token list can take. Each sorts by one key, then by id, so a page boundary is one
 * row-value comparison; missing instants sort as never (last used) and never-expiring last.
 */
export const TOKEN_ORDERS = {
  CREATED_DESC: { key: 'created_at', direction: 'desc', after: '<' },
  CREATED_ASC: { key: 'created_at', direction: 'asc', after: '>' },
  LAST_USED_DESC: { key: "coalesce(last_used_at, '-infinity')", direction: 'desc', after: '<' },
  EXPIRES_ASC: { key: "coalesce(expires_at, 'infinity')", direction: 'asc', after: '>' },
} as const;

export type TokenOrder = keyof typeof TOKEN_ORDERS;

export interface TokenListOptions {
  /** Any of these statuses; empty or absent: every token. */
  statuses?: readonly TokenStatus[] | null;
  /** Part of the name, or the start of the display prefix (case-insensitive). */
  search?: string | null;
  orderBy?: TokenOrder | null;
  first: number;
  afterId?: string | null;
}

export interface TokenPage {
  tokens: ApiToken[];
  hasNextPage: boolean;
}

/** A new token row from validated input; only the secret's hash and display prefix are kept. */
function newToken(
  accountId: string,
  valid: ValidTokenInput,
  secret: string,
  extra: { createdByToken: string | null; expiryReminders?: boolean },
): ApiToken {
  return Object.assign(new ApiToken(), {
    id: randomUUID(),
    account: accountId,
    name: valid.name,
    description: valid.description,
    secretHash: hashTokenSecret(secret),
    displayPrefix: displayPrefixOf(secret),
    preset: valid.preset,
    permissions: valid.permissions,
    expiresAt: valid.expiresAt,
    rateLimitPerMinute: valid.rateLimitPerMinute,
    allowedCidrs: valid.allowedCidrs,
    notBefore: valid.notBefore,
    usageLimit: valid.usageLimit,
    usageRefillAmount: valid.usageRefill?.amount ?? null,
    usageRefillInterval: valid.usageRefill?.interval ?? null,
    createdAt: new Date(),
    ...extra,
  });
}

function ownerOf(caller: Caller): Account {
  if (caller.principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
  return caller.principal.account;
}

/** Token lifecycle rules (docs/architecture.md, "Which file owns which rule"), shared by GraphQL and REST. */
export class TokensService {
  constructor(
    private readonly deps: {
      catalogue: PermissionCatalogue;
      prefix: string;
      maxTokensPerAccount: number;
      maxTokenRate: number;
      /** rateLimitPerMinute of a token created without one. */
      defaultTokenRate: number;
      rateLimits: RateLimits;
      credits: TokenCredits;
      /** Called after a change that must stop (or resume) a token everywhere at once. */
      onTokenChanged?: (tokenId: string) => void | Promise<void>;
    },
  ) {}

  /**
   * Creates a token and returns its secret, the only time it exists outside the caller.
   * Verified email, 5 per hour per account, at most N live tokens (exact under races: the
   * account row is locked while counting), attenuation when a token creates a token. The
   * token-create limit is spent after the input is valid and before the cap is counted; its
   * decision is returned so the caller can show its RateLimit-* headers.
   */
  async createToken(
    em: EntityManager,
    caller: Caller,
    input: TokenInput,
  ): Promise<{ token: ApiToken; secret: string; rateLimit: RateLimitDecision }> {
    const account = ownerOf(caller);
    if (!account.emailVerified)
      throw new KeywardError('email_not_verified', 'Verify your email address before creating tokens.');
    const valid = grantableBy(
      validateTokenInput(input, this.deps.catalogue, { maxRate: this.deps.maxTokenRate }, Date.now()),
      input.permissions,
      account,
      this.deps.catalogue,
    );
    const { principal } = caller;
    await this.attenuateForToken(valid, caller);
    const rateLimit = await this.deps.rateLimits.consume('token-create', account.id);
    assertAllowed(rateLimit);
    const secret = generateTokenSecret(this.deps.prefix);
    const token = await em.transactional(async (tx) => {
      await tx.execute('select id from account where id = ? for update', [account.id]);
      await this.assertBelowCap(tx, account.id, null);
      const created = newToken(account.id, valid, secret, {
        createdByToken: principal.kind === 'token' ? principal.token.id : null,
      });
      tx.persist(created);
      if (valid.usageLimit !== null) {
        await tx.flush();
        await this.startCredits(tx, created.id, valid.usageLimit, valid.usageRefill?.interval ?? null);
      }
      this.audit(tx, caller, 'token.create', created);
      return created;
    });
    return { token, secret, rateLimit };
  }

  /**
   * A token creating (or rotating) a token hands out at most what it holds: permissions, expiry,
   * restrictions and rate within its own (token-rules.ts, assertAttenuated). Fills `valid` in place.
   */
  private async attenuateForToken(valid: ValidTokenInput, caller: Caller): Promise<void> {
    const { principal } = caller;
    if (principal.kind !== 'token') return;
    const { restrictions } = principal.token;
    const usageRemaining =
      restrictions.usageLimit === null
        ? null
        : ((await this.deps.credits.remaining([principal.token.id])).get(principal.token.id) ?? 0);
    assertAttenuated(valid, { ...principal.token, usageRemaining }, this.deps.catalogue);
    valid.rateLimitPerMinute = attenuatedRate(
      valid.rateLimitPerMinute,
      principal.token.rateLimitPerMinute,
      this.deps.defaultTokenRate,
    );
  }

  /**
   * The cap on live tokens, counted under the account's row lock (taken by the caller). A rotated
   * token no longer counts: its successor replaces it, so a rotation at the cap still works.
   * `replacing`: the token a rotation replaces, left out of the count.
   */
  private async assertBelowCap(
    tx: EntityManager,
    accountId: string,
    replacing: string | null,
  ): Promise<void> {
    const [live] = await tx.execute<{ n: number }[]>(
      `select count(*)::int as n from api_token
       where account_id = ? and revoked_at is null and successor_id is null
         and (expires_at is null or expires_at > now()) and id <> coalesce(?::uuid, '00000000-0000-0000-0000-000000000000')`,
      [accountId, replacing],
    );
    if ((live?.n ?? 0) >= this.deps.maxTokensPerAccount) {
      throw new KeywardError(
        'token_limit_reached',
        `An account may have at most ${this.deps.maxTokensPerAccount} active tokens; revoke one first.`,
      );
    }
  }

  /**
   * Rotates a token (token-rotation.ts): creates its successor and returns the successor's secret,
   * once; the old secret keeps working for `gracePeriodHours` (0–168, default 24), then answers
   * token_rotated. The successor keeps the old token's permissions (or narrower: assertNarrowing),
   * restrictions and rate limit, and starts with the credits the old token has left. A revoked or
   * already rotated token is refused (conflict). Audited as `token.rotate` on the old token (detail:
   * the successor's id) and `token.create` on the successor, in one transaction; every instance
   * drops the old token's cached entry. Who may rotate is decided by requireOwnToken: today the
   * owner (when organizations own tokens, their admins' check belongs there).
   */
  async rotateToken(
    em: EntityManager,
    caller: Caller,
    id: string,
    input: RotateTokenInput,
  ): Promise<{ token: ApiToken; secret: string; rotated: ApiToken }> {
    const account = ownerOf(caller);
    // Rotation ends the old token: the caller must be allowed to revoke as well as create.
    assertCan(caller.principal, 'tokens:revoke');
    const old = await this.requireOwnToken(em, caller, id);
    this.assertRotatable(old);
    const graceHours = validateGracePeriod(input.gracePeriodHours);
    const now = Date.now();
    const requested = successorInput(old, input, now);
    // A token rotating a token cannot outlive itself (assertAttenuated): by default the successor
    // expires no later than the rotating token.
    const ceiling = caller.principal.kind === 'token' ? caller.principal.token.expiresAt : null;
    if (ceiling && input.expiresInDays == null && input.expiresAt == null)
      if (!requested.expiresAt || requested.expiresAt > ceiling) requested.expiresAt = ceiling;
    const valid = grantableBy(
      validateTokenInput(requested, this.deps.catalogue, { maxRate: this.deps.maxTokenRate }, now),
      requested.permissions,
      account,
      this.deps.catalogue,
    );
    assertNarrowing(valid, old, this.deps.catalogue);
    await this.attenuateForToken(valid, caller);
    // The successor starts with what the old token has left: a rotation never refills credits.
    const creditsLeft =
      valid.usageLimit === null
        ? null
        : Math.min(valid.usageLimit, (await this.deps.credits.remaining([old.id])).get(old.id) ?? 0);
    const secret = generateTokenSecret(this.deps.prefix);
    const successor = await em.transactional(async (tx) => {
      await tx.execute('select id from account where id = ? for update', [account.id]);
      const [locked] = await tx.execute<{ revoked_at: Date | null; successor_id: string | null }[]>(
        'select revoked_at, successor_id from api_token where id = ? for update',
        [old.id],
      );
      this.assertRotatable({
        ...old,
        revokedAt: locked?.revoked_at ?? null,
        successor: locked?.successor_id ?? null,
      });
      await this.assertBelowCap(tx, account.id, old.id);
      const created = newToken(account.id, valid, secret, {
        expiryReminders: old.expiryReminders,
        // The successor takes the old token's place among the tokens' creators (token-revocation.ts):
        // its creator is the old token's, and it takes over the tokens the old one created.
        createdByToken: old.createdByToken,
      });
      tx.persist(created);
      await tx.flush();
      await tx.execute('update api_token set created_by_token = ? where created_by_token = ?', [
        created.id,
        old.id,
      ]);
      if (valid.usageLimit !== null)
        await this.startCredits(tx, created.id, creditsLeft ?? 0, valid.usageRefill?.interval ?? null);
      // The grace is counted by the database clock, as verification judges it.
      await tx.execute(
        `update api_token set rotated_at = now(), successor_id = ?, updated_at = now(),
           grace_ends_at = now() + ?::float8 * interval '1 hour'
         where id = ?`,
        [created.id, graceHours, old.id],
      );
      recordAudit(tx, {
        action: 'token.create',
        actor: actorOf(caller.principal),
        accountId: account.id,
        targetId: created.id,
        meta: caller.meta,
        detail: `rotation of ${old.id}`,
      });
      recordAudit(tx, {
        action: 'token.rotate',
        actor: actorOf(caller.principal),
        accountId: account.id,
        targetId: old.id,
        meta: caller.meta,
        detail: `successor ${created.id}, grace ${graceHours} h`,
      });
      return created;
    });
    await this.deps.onTokenChanged?.(old.id);
    await em.refresh(old);
    return { token: successor, secret, rotated: old };
  }

  /** Only a live, never-rotated token can be rotated; anything else is a conflict saying why. */
  private assertRotatable(token: Pick<ApiToken, 'revokedAt' | 'successor'>): void {
    if (token.revokedAt)
      throw new KeywardError('conflict', 'This token has been revoked: it can no longer be rotated.');
    if (token.successor)
      throw new KeywardError(
        'conflict',
        'This token was already rotated: rotate its successor instead (see rotation.successorId).',
      );
  }

  /** The caller's own token, or null: another account's id is indistinguishable from an unknown one. */
  async findOwnToken(em: EntityManager, caller: Caller, id: string): Promise<ApiToken | null> {
    const account = ownerOf(caller);
    if (!isUuid(id)) return null;
    return em.findOne(ApiToken, { id, account: account.id });
  }

  /** Those of `ids` that are the caller's own tokens, in any order; anything else is left out. */
  async findOwnTokens(em: EntityManager, caller: Caller, ids: readonly string[]): Promise<ApiToken[]> {
    const account = ownerOf(caller);
    const wellFormed = ids.filter(isUuid);
    if (wellFormed.length === 0) return [];
    return em.find(ApiToken, { id: { $in: wellFormed }, account: account.id });
  }

  private async requireOwnToken(em: EntityManager, caller: Caller, id: string): Promise<ApiToken> {
    const token = await this.findOwnToken(em, caller, id);
    if (!token) throw new KeywardError('not_found', 'No token with that id.');
    return token;
  }

  /**
   * Only name, description and the expiry-reminder switch can change; permissions and expiry are
   * fixed at creation, and a revoked token changes no more (token_revoked, as a conflict: see
   * revokedTargetError).
   */
  async updateToken(
    em: EntityManager,
    caller: Caller,
    id: string,
    input: { name?: string | null; description?: string | null; expiryReminders?: boolean | null },
  ): Promise<ApiToken> {
    const token = await this.requireOwnToken(em, caller, id);
    if (token.revokedAt) throw revokedTargetError();
    const name = input.name == null ? token.name : validateName(input.name);
    const description =
      input.description === undefined ? token.description : validateDescription(input.description);
    const expiryReminders = input.expiryReminders ?? token.expiryReminders;
    if (name === token.name && description === token.description && expiryReminders === token.expiryReminders)
      return token;
    await em.transactional(async (tx) => {
      token.name = name;
      token.description = description;
      token.expiryReminders = expiryReminders;
      token.updatedAt = new Date();
      this.audit(tx, caller, 'token.update', token);
    });
    // Cached entries carry the name (whoami shows it).
    await this.deps.onTokenChanged?.(token.id);
    return token;
  }

  /**
   * Adds or narrows restrictions (tightenedRestrictions: never loosens; validation_failed naming
   * the field otherwise). One `token.restrict` event per call that changes anything, naming the
   * fields, in the same transaction; a lower usageLimit also caps the credits left and the refill.
   * Every instance drops its cached entry (the token row's trigger, then onTokenChanged).
   */
  async tightenTokenRestrictions(
    em: EntityManager,
    caller: Caller,
    id: string,
    input: { allowedCidrs?: readonly string[] | null; notBefore?: Date | null; usageLimit?: number | null },
  ): Promise<ApiToken> {
    const token = await this.requireOwnToken(em, caller, id);
    if (token.revokedAt) throw revokedTargetError();
    const changes = tightenedRestrictions(
      {
        allowedCidrs: token.allowedCidrs,
        notBefore: token.notBefore,
        usageLimit: token.usageLimit,
        usageRefill: null,
        expiresAt: token.expiresAt,
      },
      input,
      Date.now(),
    );
    const fields = Object.keys(changes);
    if (fields.length === 0) return token;
    await em.transactional(async (tx) => {
      // The row lock orders this change with any other tightening of the same token.
      const [locked] = await tx.execute<
        { usage_limit: number | null; not_before: Date | null; allowed_cidrs: string[] | null }[]
      >(
        'select usage_limit, not_before, allowed_cidrs from api_token where id = ? and revoked_at is null for update',
        [token.id],
      );
      if (!locked) throw revokedTargetError();
      // Judged again on the locked row: a concurrent tightening may have narrowed it further.
      tightenedRestrictions(
        {
          allowedCidrs: locked.allowed_cidrs,
          notBefore: locked.not_before,
          usageLimit: locked.usage_limit,
          usageRefill: null,
          expiresAt: token.expiresAt,
        },
        input,
        Date.now(),
      );
      const limit = changes.usageLimit;
      if (limit !== undefined) {
        if (token.usageLimit === null) await this.startCredits(tx, token.id, limit, null);
        else await this.deps.credits.tighten(tx, token.id, limit);
        if (token.usageRefillAmount !== null)
          token.usageRefillAmount = Math.min(token.usageRefillAmount, limit);
        token.usageLimit = limit;
      }
      if (changes.allowedCidrs) token.allowedCidrs = changes.allowedCidrs;
      if (changes.notBefore) token.notBefore = changes.notBefore;
      token.updatedAt = new Date();
      recordAudit(tx, {
        action: 'token.restrict',
        actor: actorOf(caller.principal),
        accountId: token.account,
        targetId: token.id,
        meta: caller.meta,
        detail: fields.join(', '),
      });
    });
    if (changes.usageLimit !== undefined) await this.deps.credits.capped(token.id, changes.usageLimit);
    await this.deps.onTokenChanged?.(token.id);
    return token;
  }

  /** The credit counter of a token given a usageLimit, in the current refill period when it has one. */
  private async startCredits(
    tx: EntityManager,
    tokenId: string,
    limit: number,
    interval: string | null,
  ): Promise<void> {
    await tx.execute(
      `insert into token_credit (token_id, remaining, period_start)
       values (?, ?, case when ?::text is not null
         then date_trunc(lower(?::text), now() at time zone 'utc') at time zone 'utc' end)`,
      [tokenId, limit, interval, interval],
    );
  }

  /** Deactivates or reactivates; no-op (and no audit event) when already in that state. */
  async setTokenActive(em: EntityManager, caller: Caller, id: string, active: boolean): Promise<ApiToken> {
    const token = await this.requireOwnToken(em, caller, id);
    if (token.revokedAt)
      throw new KeywardError('conflict', 'A revoked token cannot be activated or deactivated.');
    const changed = await em.transactional(async (tx) => {
      const rows = await tx.execute<{ id: string }[]>(
        `update api_token set active = ?, updated_at = now()
         where id = ? and revoked_at is null and active <> ? returning id`,
        [active, token.id, active],
      );
      if (rows.length === 0) return false;
      this.audit(tx, caller, active ? 'token.activate' : 'token.deactivate', token);
      return true;
    });
    if (changed) await this.deps.onTokenChanged?.(token.id);
    await em.refresh(token);
    return token;
  }

  /**
   * Permanent and idempotent: a second revoke returns the same token and writes no second event.
   * Every token it created goes with it, transitively (token-revocation.ts).
   */
  async revokeToken(em: EntityManager, caller: Caller, id: string): Promise<ApiToken> {
    const token = await this.requireOwnToken(em, caller, id);
    const revoked = await em.transactional((tx) =>
      revokeTokenTrees(tx, [token.id], actorOf(caller.principal), caller.meta),
    );
    await this.tokensChanged(revoked);
    await em.refresh(token);
    return token;
  }

  /**
   * Revokes every presented secret that names a token (leaked in public), and the tokens each
   * created. The caller learns nothing about which existed: the answer is the same either way.
   * Audit actor: leak-report.
   */
  async revokeLeaked(em: EntityManager, secrets: readonly string[], meta: RequestMeta): Promise<void> {
    const hashes = [
      ...new Set(secrets.filter((secret) => isWellFormedTokenSecret(secret, this.deps.prefix))),
    ].map(hashTokenSecret);
    const revoked = await em.transactional(async (tx) => {
      const rows =
        hashes.length === 0
          ? []
          : await tx.execute<{ id: string }[]>(
              'select id from api_token where secret_hash in (select jsonb_array_elements_text(?::jsonb))',
              [JSON.stringify(hashes)],
            );
      const revokedTrees = await revokeTokenTrees(
        tx,
        rows.map((row) => row.id),
        { type: 'leak-report', id: null },
        meta,
      );
      // The report itself, for admins: how many secrets came in and how many tokens it revoked.
      recordAudit(tx, {
        action: 'token.leak_report',
        actor: { type: 'leak-report', id: null },
        accountId: null,
        targetId: null,
        meta,
        detail: `${secrets.length} received, ${revokedTrees.length} revoked`,
      });
      return revokedTrees;
    });
    await this.tokensChanged(revoked);
  }

  /** The tokens a token of the caller's created (not their descendants), newest first. */
  async listChildren(em: EntityManager, caller: Caller, tokenId: string): Promise<ApiToken[]> {
    const account = ownerOf(caller);
    return em.find(
      ApiToken,
      { createdByToken: tokenId, account: account.id },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 100 },
    );
  }

  /** Drops changed tokens from every instance's cache (also for changes made by scheduled jobs). */
  async tokensChanged(tokens: readonly { id: string }[]): Promise<void> {
    for (const token of tokens) await this.deps.onTokenChanged?.(token.id);
  }

  /**
   * The caller's tokens, newest first, optionally by status. `afterId` is the token the page starts
   * after; another account's or an unknown token is validation_failed on `after`, like a malformed cursor.
   */
  /**
   * One page of the caller's tokens: filtered by status (any of `statuses`) and by a search on the
   * name or the display prefix, in one of the orders of `TOKEN_ORDERS`, after the token `afterId`.
   */
  async listTokens(em: EntityManager, caller: Caller, options: TokenListOptions): Promise<TokenPage> {
    const account = ownerOf(caller);
    const params: unknown[] = [account.id];
    let where = 'account_id = ?';
    const statuses = [...new Set(options.statuses ?? [])];
    if (statuses.length > 0)
      where += ` and (${statuses.map((status) => tokenStatusSql(status)).join(' or ')})`;
    const search = options.search?.trim();
    if (search) {
      const pattern = search.replace(/[\\%_]/g, (c) => `\\${c}`);
      where += ' and (name ilike ? or display_prefix ilike ?)';
      params.push(`%${pattern}%`, `${pattern}%`);
    }
    const order = TOKEN_ORDERS[options.orderBy ?? 'CREATED_DESC'];
    const { afterId } = options;
    if (afterId) {
      if (!isUuid(afterId)) throw invalidCursorError();
      where += ` and (${order.key}, id) ${order.after} (select ${order.key}, id from api_token where id = ? and account_id = ?)`;
      params.push(afterId, account.id);
    }
    const rows = await em.execute<{ id: string }[]>(
      `select id from api_token where ${where} order by ${order.key} ${order.direction}, id ${order.direction} limit ?`,
      [...params, options.first + 1],
    );
    // A foreign or unknown position matches no row, so only an empty page needs telling apart from the end.
    if (afterId && rows.length === 0) {
      const [own] = await em.execute('select 1 from api_token where id = ? and account_id = ?', [
        afterId,
        account.id,
      ]);
      if (!own) throw invalidCursorError();
    }
    const ids = rows.slice(0, options.first).map((row) => row.id);
    const tokens = ids.length === 0 ? [] : await em.find(ApiToken, { id: { $in: ids } });
    const byId = new Map(tokens.map((token) => [token.id, token]));
    return {
      tokens: ids.map((id) => byId.get(id)!).filter(Boolean),
      hasNextPage: rows.length > options.first,
    };
  }

  /** Uses per UTC day by outcome for the last `days` days, oldest first, zero-filled. */
  async usage(em: EntityManager, tokenId: string, days: number): Promise<TokenUsageCounts[]> {
    // A use reclassified from allowed to denied across midnight can leave -1 on a day: never shown.
    const rows = await em.execute<{ day: string; count: number; denied: number; rate_limited: number }[]>(
      `select to_char(day, 'YYYY-MM-DD') as day, greatest(count, 0) as count, greatest(denied, 0) as denied,
              greatest(rate_limited, 0) as rate_limited
       from token_usage_day
       where token_id = ? and day > (now() at time zone 'utc')::date - ?::int`,
      [tokenId, days],
    );
    const byDay = new Map(rows.map((row) => [row.day, row]));
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return Array.from({ length: days }, (_, index) => {
      const date = new Date(today - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10);
      const row = byDay.get(date);
      return { date, count: row?.count ?? 0, denied: row?.denied ?? 0, rateLimited: row?.rate_limited ?? 0 };
    });
  }

  private audit(tx: EntityManager, caller: Caller, action: string, token: ApiToken) {
    recordAudit(tx, {
      action,
      actor: actorOf(caller.principal),
      accountId: token.account,
      targetId: token.id,
      meta: caller.meta,
    });
  }
}
