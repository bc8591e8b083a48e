import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Account } from '../accounts/accounts.entity.js';
import { type RequestMeta, recordAudit } from '../audit/audit.service.js';
import { actorOf, type Caller } from '../caller.js';
import { invalidCursorError, KeywardError, validationError } from '../errors.js';
import { isUuid } from '../ids.js';
import { enqueueMail } from '../mail/mail.service.js';
import {
  holdsRole,
  organizationActor,
  organizationNotFound,
  requireOrganizationRole,
  roleRefusal,
} from '../organizations/organization-access.js';
import { assertWithinPolicy, type OrganizationPolicy } from '../organizations/organization-policy.js';
import type { OrganizationRole } from '../organizations/organizations.entity.js';
import { reachesOrganizationSql } from '../organizations/token-reach.js';
import { assertCan } from '../permissions/can.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import { organizationPermissions } from '../permissions/presets.js';
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
  owner: TokenOwner,
  valid: ValidTokenInput,
  secret: string,
  extra: { createdByToken: string | null; expiryReminders?: boolean },
): ApiToken {
  return Object.assign(new ApiToken(), {
    id: randomUUID(),
    account: owner.accountId,
    organization: owner.organizationId,
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

/**
 * Who a new token belongs to: a person (`organizationId` null), or an organization, with
 * `accountId` then only recording the person who created it (null when an organization token did).
 */
interface TokenOwner {
  accountId: string | null;
  organizationId: string | null;
}

/** The person behind a caller, or null when an organization token acts. */
function personOf(caller: Caller): string | null {
  const { principal } = caller;
  if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
  if (principal.kind === 'token' && principal.token.organizationId !== null) return null;
  return principal.account.id;
}

/** What may be done to a token, and the permissions a personal token's owner needs for it. */
export type TokenAction = 'read' | 'update' | 'revoke' | 'rotate';

const PERSONAL_PERMISSIONS: Record<TokenAction, readonly string[]> = {
  read: ['tokens:read'],
  update: ['tokens:update'],
  revoke: ['tokens:revoke'],
  // Rotation creates a token and ends one.
  rotate: ['tokens:create', 'tokens:revoke'],
};

const ORGANIZATION_WHAT: Record<TokenAction, string> = {
  read: "Reading an organization's tokens",
  update: "Changing an organization's tokens",
  revoke: "Revoking an organization's tokens",
  rotate: "Rotating an organization's tokens",
};

const tokenNotFound = () => new KeywardError('not_found', 'No token with that id.');

/** A token the caller may act on, and the organization through which (null: the caller's own token). */
export interface ManageableToken {
  token: ApiToken;
  /** Set when an organization's owner or admin acts on a member's personal token (the inventory). */
  through: { id: string; name: string } | null;
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
   *
   * With `organizationId`, an organization token (docs/architecture.md, "Organization tokens"):
   * the caller needs org-tokens:manage and the OWNER or ADMIN role there (an organization token:
   * its own organization only), the organization's policy must allow it, and the cap counts the
   * organization's live tokens under its row lock.
   */
  async createToken(
    em: EntityManager,
    caller: Caller,
    input: TokenInput & { organizationId?: string | null },
  ): Promise<{ token: ApiToken; secret: string; rateLimit: RateLimitDecision }> {
    const account = ownerOf(caller);
    const organizationId = input.organizationId ?? null;
    assertCan(caller.principal, organizationId === null ? 'tokens:create' : 'org-tokens:manage');
    if (!account.emailVerified)
      throw new KeywardError('email_not_verified', 'Verify your email address before creating tokens.');
    const now = Date.now();
    const valid = grantableBy(
      validateTokenInput(input, this.deps.catalogue, { maxRate: this.deps.maxTokenRate }, now),
      input.permissions,
      // An organization token never holds a site admin's action, whoever creates it.
      organizationId === null ? account : { role: 'member' },
      this.deps.catalogue,
    );
    const { principal } = caller;
    if (organizationId !== null) {
      this.assertOrganizationGrant(valid);
      // Checked before the rate limit is spent; again under the organization's lock below.
      await requireOrganizationRole(em, caller, organizationId, 'ADMIN', 'Creating an organization token');
      assertWithinPolicy(valid, await this.organizationPolicy(em, organizationId), now);
    }
    await this.attenuateForToken(valid, caller, organizationId !== null);
    const rateLimit = await this.deps.rateLimits.consume('token-create', account.id);
    assertAllowed(rateLimit);
    const secret = generateTokenSecret(this.deps.prefix);
    const owner: TokenOwner = { accountId: personOf(caller), organizationId };
    const token = await em.transactional(async (tx) => {
      await this.lockOwner(tx, owner, caller, 'Creating an organization token');
      if (organizationId !== null)
        assertWithinPolicy(valid, await this.organizationPolicy(tx, organizationId), now);
      await this.assertBelowCap(tx, owner, null);
      const created = newToken(owner, valid, secret, {
        // A token created by an organization token goes with it (token-revocation.ts); an
        // organization token created by a person's token does not: it belongs to the organization
        // and outlives that person's tokens.
        createdByToken:
          principal.kind === 'token' && (organizationId === null || principal.token.organizationId !== null)
            ? principal.token.id
            : null,
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

  /** An organization token holds only what an organization may do (organizationPermissions). */
  private assertOrganizationGrant(valid: ValidTokenInput): void {
    if (!valid.permissions) return;
    const cap = organizationPermissions(this.deps.catalogue);
    const refused = valid.permissions.filter((permission) => !cap.has(permission));
    if (refused.length > 0)
      throw validationError(
        'permissions',
        `an organization token cannot hold ${refused.join(', ')}; choose from ${[...cap].sort().join(', ')}.`,
      );
  }

  /** The organization's token policy (read again under its row lock when creating). */
  private async organizationPolicy(em: EntityManager, organizationId: string): Promise<OrganizationPolicy> {
    const [row] = await em.execute<
      { max_lifetime_days: number | null; require_expiry: boolean; allowed_presets: string[] | null }[]
    >('select max_lifetime_days, require_expiry, allowed_presets from organization where id = ?', [
      organizationId,
    ]);
    if (!row) throw organizationNotFound();
    return {
      maxLifetimeDays: row.max_lifetime_days,
      requireExpiry: row.require_expiry,
      allowedPresets: (row.allowed_presets as OrganizationPolicy['allowedPresets']) ?? null,
    };
  }

  /**
   * Locks the row the token cap is counted under: the account's for a personal token, the
   * organization's for an organization token, where the caller's role is then checked again (a
   * concurrent change may have removed them).
   */
  private async lockOwner(tx: EntityManager, owner: TokenOwner, caller: Caller, what: string): Promise<void> {
    if (owner.organizationId === null) {
      await tx.execute('select id from account where id = ? for update', [owner.accountId]);
      return;
    }
    const [locked] = await tx.execute('select id from organization where id = ? for update', [
      owner.organizationId,
    ]);
    if (!locked) throw organizationNotFound();
    await requireOrganizationRole(tx, caller, owner.organizationId, 'ADMIN', what);
  }

  /**
   * A token creating (or rotating) a token hands out at most what it holds: permissions, expiry,
   * restrictions and rate within its own (token-rules.ts, assertAttenuated). Fills `valid` in place.
   */
  private async attenuateForToken(
    valid: ValidTokenInput,
    caller: Caller,
    organizationToken: boolean,
  ): Promise<void> {
    const { principal } = caller;
    if (principal.kind !== 'token') return;
    const { restrictions } = principal.token;
    const usageRemaining =
      restrictions.usageLimit === null
        ? null
        : ((await this.deps.credits.remaining([principal.token.id])).get(principal.token.id) ?? 0);
    assertAttenuated(
      valid,
      { ...principal.token, usageRemaining },
      this.deps.catalogue,
      organizationToken ? organizationPermissions(this.deps.catalogue) : undefined,
    );
    valid.rateLimitPerMinute = attenuatedRate(
      valid.rateLimitPerMinute,
      principal.token.rateLimitPerMinute,
      this.deps.defaultTokenRate,
    );
  }

  /**
   * The cap on live tokens, counted under the owner's row lock (taken by the caller, lockOwner):
   * a person's personal tokens, or an organization's tokens. A rotated token no longer counts: its
   * successor replaces it, so a rotation at the cap still works. `replacing`: the token a rotation
   * replaces, left out of the count.
   */
  private async assertBelowCap(
    tx: EntityManager,
    owner: TokenOwner,
    replacing: string | null,
  ): Promise<void> {
    const [live] = await tx.execute<{ n: number }[]>(
      `select count(*)::int as n from api_token
       where ${owner.organizationId === null ? 'account_id = ? and organization_id is null' : 'organization_id = ?'}
         and revoked_at is null and successor_id is null
         and (expires_at is null or expires_at > now()) and id <> coalesce(?::uuid, '00000000-0000-0000-0000-000000000000')`,
      [owner.organizationId ?? owner.accountId, replacing],
    );
    if ((live?.n ?? 0) >= this.deps.maxTokensPerAccount) {
      const who = owner.organizationId === null ? 'An account' : 'An organization';
      throw new KeywardError(
        'token_limit_reached',
        `${who} may have at most ${this.deps.maxTokensPerAccount} active tokens; revoke one first.`,
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
   * drops the old token's cached entry. Who may rotate is decided by requireManageableToken: the
   * owner of a personal token, the owners and admins of an organization token's organization.
   */
  async rotateToken(
    em: EntityManager,
    caller: Caller,
    id: string,
    input: RotateTokenInput,
  ): Promise<{ token: ApiToken; secret: string; rotated: ApiToken }> {
    const account = ownerOf(caller);
    const { token: old } = await this.requireManageableToken(em, caller, id, 'rotate');
    this.assertRotatable(old);
    const owner: TokenOwner = {
      accountId: old.organization === null ? old.account : personOf(caller),
      organizationId: old.organization,
    };
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
      old.organization === null ? account : { role: 'member' },
      this.deps.catalogue,
    );
    assertNarrowing(valid, old, this.deps.catalogue);
    await this.attenuateForToken(valid, caller, old.organization !== null);
    // The successor starts with what the old token has left: a rotation never refills credits.
    const creditsLeft =
      valid.usageLimit === null
        ? null
        : Math.min(valid.usageLimit, (await this.deps.credits.remaining([old.id])).get(old.id) ?? 0);
    const secret = generateTokenSecret(this.deps.prefix);
    const successor = await em.transactional(async (tx) => {
      await this.lockOwner(tx, owner, caller, "Rotating an organization's tokens");
      // The successor is a new organization token: today's policy applies (a rotation is how an
      // owner brings an out-of-policy token back in, e.g. by giving it an expiry).
      if (owner.organizationId !== null)
        assertWithinPolicy(valid, await this.organizationPolicy(tx, owner.organizationId), now);
      const [locked] = await tx.execute<{ revoked_at: Date | null; successor_id: string | null }[]>(
        'select revoked_at, successor_id from api_token where id = ? for update',
        [old.id],
      );
      this.assertRotatable({
        ...old,
        revokedAt: locked?.revoked_at ?? null,
        successor: locked?.successor_id ?? null,
      });
      await this.assertBelowCap(tx, owner, old.id);
      const created = newToken(owner, valid, secret, {
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
      this.audit(tx, caller, 'token.create', created, `rotation of ${old.id}`);
      this.audit(tx, caller, 'token.rotate', old, `successor ${created.id}, grace ${graceHours} h`);
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

  /**
   * A token the caller may read: their own personal token (tokens:read), or a token of an
   * organization where they are an OWNER or ADMIN (org-tokens:read). Null for an unknown id and
   * for anyone else's token alike; a MEMBER asking for an organization token is forbidden.
   */
  async findToken(em: EntityManager, caller: Caller, id: string): Promise<ApiToken | null> {
    try {
      return (await this.requireManageableToken(em, caller, id, 'read')).token;
    } catch (error) {
      if (error instanceof KeywardError && error.code === 'not_found') return null;
      throw error;
    }
  }

  /** Those of `ids` that are the caller's own personal tokens, in any order; anything else is left out. */
  async findOwnTokens(em: EntityManager, caller: Caller, ids: readonly string[]): Promise<ApiToken[]> {
    const person = personOf(caller);
    const wellFormed = ids.filter(isUuid);
    if (wellFormed.length === 0 || person === null) return [];
    return em.find(ApiToken, { id: { $in: wellFormed }, account: person, organization: null });
  }

  /**
   * The permissions acting on token `id` needs (the GraphQL field's scope): org-tokens:read or
   * org-tokens:manage for a token of an organization the caller belongs to (or whose token acts),
   * else the personal tokens:* ones, also for unknown ids and other people's tokens, so that the
   * answer never tells them apart. requireManageableToken checks the same again.
   */
  async permissionsFor(
    em: EntityManager,
    caller: Caller,
    id: string,
    action: TokenAction,
  ): Promise<string[]> {
    const { principal } = caller;
    if (principal.kind !== 'anonymous' && isUuid(id)) {
      const [row] = await em.execute<{ organization_id: string }[]>(
        `select t.organization_id from api_token t where t.id = ? and t.organization_id is not null
           and (t.organization_id = ? or exists (select 1 from organization_member m
                where m.organization_id = t.organization_id and m.account_id = ?))`,
        [id, principal.kind === 'token' ? principal.token.organizationId : null, personOf(caller)],
      );
      if (row) return [action === 'read' ? 'org-tokens:read' : 'org-tokens:manage'];
    }
    return [...PERSONAL_PERMISSIONS[action]];
  }

  /**
   * The one access check for acting on an existing token (docs/architecture.md, "Organization
   * tokens"), in this order: an unknown id, or a token the caller has no standing for, is
   * not_found; then the permission the action needs; then the organization role.
   * - A personal token: its owner, with the tokens:* permission of the action.
   * - An organization token: the organization's OWNERs and ADMINs (an organization token of that
   *   organization acts as an ADMIN), with org-tokens:read (read) or org-tokens:manage; a MEMBER is
   *   forbidden, naming the role needed.
   * - Revoking only: a member's personal token that can reach an organization (token-reach.ts)
   *   where the caller is an OWNER or ADMIN, with org-tokens:manage (the inventory's revoke).
   */
  async requireManageableToken(
    em: EntityManager,
    caller: Caller,
    id: string,
    action: TokenAction,
  ): Promise<ManageableToken> {
    const { principal } = caller;
    if (principal.kind === 'anonymous') throw new KeywardError('unauthenticated');
    if (!isUuid(id)) throw tokenNotFound();
    const token = await em.findOne(ApiToken, { id });
    if (!token) throw tokenNotFound();
    if (token.organization !== null) {
      const actor = await organizationActor(em, caller, token.organization);
      if (!actor) throw tokenNotFound();
      assertCan(principal, action === 'read' ? 'org-tokens:read' : 'org-tokens:manage');
      if (!holdsRole(actor.role, 'ADMIN')) throw roleRefusal('ADMIN', actor.role, ORGANIZATION_WHAT[action]);
      return { token, through: null };
    }
    const person = personOf(caller);
    if (person !== null && token.account === person) {
      for (const permission of PERSONAL_PERMISSIONS[action]) assertCan(principal, permission);
      return { token, through: null };
    }
    if (action === 'revoke') {
      const reached = await this.reachingOrganization(em, caller, token.id);
      if (reached) {
        assertCan(principal, 'org-tokens:manage');
        if (!holdsRole(reached.role, 'ADMIN'))
          throw roleRefusal('ADMIN', reached.role, "Revoking a member's token");
        return { token, through: { id: reached.id, name: reached.name } };
      }
    }
    throw tokenNotFound();
  }

  /**
   * The organization, among the caller's, that a member's personal token can reach
   * (reachesOrganizationSql), preferring one where the caller is OWNER, then ADMIN; null if none.
   */
  private async reachingOrganization(
    em: EntityManager,
    caller: Caller,
    tokenId: string,
  ): Promise<{ id: string; name: string; role: OrganizationRole } | null> {
    const { principal } = caller;
    if (principal.kind === 'anonymous') return null;
    const reach = reachesOrganizationSql(this.deps.catalogue, 't', 'o.id');
    const ownOrganization = principal.kind === 'token' ? principal.token.organizationId : null;
    const [row] = ownOrganization
      ? await em.execute<{ id: string; name: string; role: OrganizationRole }[]>(
          `select o.id, o.name, 'ADMIN' as role from api_token t join organization o on o.id = ?
           where t.id = ? and ${reach}`,
          [ownOrganization, tokenId],
        )
      : await em.execute<{ id: string; name: string; role: OrganizationRole }[]>(
          `select o.id, o.name, me.role from api_token t
           join organization_member me on me.account_id = ?
           join organization o on o.id = me.organization_id
           where t.id = ? and ${reach}
           order by array_position(array['OWNER','ADMIN','MEMBER'], me.role), o.name limit 1`,
          [principal.account.id, tokenId],
        );
    return row ?? null;
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
    const { token } = await this.requireManageableToken(em, caller, id, 'update');
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
    const { token } = await this.requireManageableToken(em, caller, id, 'update');
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
    const { token } = await this.requireManageableToken(em, caller, id, 'update');
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
   * Every token it created goes with it, transitively (token-revocation.ts). When an
   * organization's owner or admin revokes a member's personal token (the inventory), the owner is
   * told by mail, in the same transaction; the audit event names the actual actor.
   */
  async revokeToken(em: EntityManager, caller: Caller, id: string): Promise<ApiToken> {
    const { token, through } = await this.requireManageableToken(em, caller, id, 'revoke');
    const revoked = await em.transactional(async (tx) => {
      const rows = await revokeTokenTrees(tx, [token.id], actorOf(caller.principal), caller.meta);
      if (through && token.account && rows.some((row) => row.id === token.id))
        await this.mailRevokedByOrganization(tx, token, through.name);
      return rows;
    });
    await this.tokensChanged(revoked);
    await em.refresh(token);
    return token;
  }

  /** Tells a personal token's owner that an organization's owner or admin revoked it. */
  private async mailRevokedByOrganization(
    tx: EntityManager,
    token: ApiToken,
    organizationName: string,
  ): Promise<void> {
    const [owner] = await tx.execute<{ email: string; name: string }[]>(
      'select email, name from account where id = ?',
      [token.account],
    );
    if (!owner) return;
    enqueueMail(tx, {
      to: owner.email,
      kind: 'token_revoked_by_organization',
      subject: `Your Keyward token "${token.name}" was revoked`,
      body: [
        `Hello ${owner.name},`,
        '',
        `An owner or admin of the organization "${organizationName}" revoked your API token "${token.name}" (${token.displayPrefix}…), with any tokens it created.`,
        "It stops working at once. If you still need access, create a new token within the organization's policy.",
      ].join('\n'),
    });
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

  /**
   * The tokens a token the caller may read created (not their descendants), newest first: a
   * token's children have its owner (a personal token's, or the same organization).
   */
  async listChildren(em: EntityManager, caller: Caller, tokenId: string): Promise<ApiToken[]> {
    const parent = await this.findToken(em, caller, tokenId);
    if (!parent) return [];
    return em.find(
      ApiToken,
      parent.organization === null
        ? { createdByToken: parent.id, account: parent.account, organization: null }
        : { createdByToken: parent.id, organization: parent.organization },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: 100 },
    );
  }

  /** Drops changed tokens from every instance's cache (also for changes made by scheduled jobs). */
  async tokensChanged(tokens: readonly { id: string }[]): Promise<void> {
    for (const token of tokens) await this.deps.onTokenChanged?.(token.id);
  }

  /**
   * One page of the caller's personal tokens, or with `organizationId` of that organization's
   * tokens (its OWNERs and ADMINs only: a MEMBER is forbidden, another organization not found):
   * filtered by status (any of `statuses`) and by a search on the name or the display prefix, in
   * one of the orders of `TOKEN_ORDERS`, after the token `afterId`. A position outside the list
   * (another account's or organization's token, an unknown id) is validation_failed on `after`,
   * like a malformed cursor.
   */
  /**
   * One page of the caller's tokens, or of an organization's (`organizationId`, for its owners
   * and admins): filtered by status (any of `statuses`) and by a search on the name or the display
   * prefix, in one of the orders of `TOKEN_ORDERS`, after the token `afterId`.
   */
  async listTokens(
    em: EntityManager,
    caller: Caller,
    options: TokenListOptions & { organizationId?: string | null },
  ): Promise<TokenPage> {
    const organizationId = options.organizationId ?? null;
    if (organizationId !== null) {
      assertCan(caller.principal, 'org-tokens:read');
      await requireOrganizationRole(em, caller, organizationId, 'ADMIN', "Listing an organization's tokens");
    }
    // An organization token has no personal tokens: its personal list is empty.
    const scope =
      organizationId !== null
        ? { sql: 'organization_id = ?', id: organizationId }
        : { sql: 'account_id = ? and organization_id is null', id: personOf(caller) ?? NO_ID };
    const params: unknown[] = [scope.id];
    let where = scope.sql;
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
      where += ` and (${order.key}, id) ${order.after} (select ${order.key}, id from api_token where id = ? and ${scope.sql})`;
      params.push(afterId, scope.id);
    }
    const rows = await em.execute<{ id: string }[]>(
      `select id from api_token where ${where} order by ${order.key} ${order.direction}, id ${order.direction} limit ?`,
      [...params, options.first + 1],
    );
    // A foreign or unknown position matches no row, so only an empty page needs telling apart from the end.
    if (afterId && rows.length === 0) {
      const [own] = await em.execute(`select 1 from api_token where id = ? and ${scope.sql}`, [
        afterId,
        scope.id,
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

  /**
   * A token's event, in the history of its account: the owner of a personal token, the creator of
   * an organization token (none once an organization token created it); an organization token's
   * event names its organization in `detail`.
   */
  private audit(tx: EntityManager, caller: Caller, action: string, token: ApiToken, detail?: string) {
    const context = token.organization === null ? null : `organization ${token.organization}`;
    recordAudit(tx, {
      action,
      actor: actorOf(caller.principal),
      accountId: token.account,
      targetId: token.id,
      meta: caller.meta,
      detail: [detail, context].filter(Boolean).join('; ') || null,
    });
  }
}

/** A uuid no row has: the scope of a list that has no owner. */
const NO_ID = '00000000-0000-0000-0000-000000000000';
