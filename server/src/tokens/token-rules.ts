import { KeywardError, validationError } from '../errors.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import {
  normalizeCustomPermissions,
  type PermissionPreset,
  presetPermissions,
} from '../permissions/presets.js';
import { assertPlainText } from '../text.js';
import {
  cidrsOutside,
  MAX_USAGE_LIMIT,
  normalizeAllowedCidrs,
  USAGE_REFILL_INTERVALS,
} from './token-restrictions.js';
import type { UsageRefillInterval } from './tokens.entity.js';

export type TokenStatus = 'ACTIVE' | 'INACTIVE' | 'EXPIRED' | 'REVOKED' | 'PENDING';

/**
 * Revoked beats expired beats inactive beats pending (before notBefore), as verification decides.
 * A rotated token whose grace is over counts as revoked (token-rotation.ts).
 */
export function tokenStatus(
  token: {
    revokedAt: Date | null;
    expiresAt: Date | null;
    active: boolean;
    notBefore?: Date | null;
    graceEndsAt?: Date | null;
  },
  now: number,
): TokenStatus {
  if (token.revokedAt || (token.graceEndsAt && token.graceEndsAt.getTime() <= now)) return 'REVOKED';
  if (token.expiresAt && token.expiresAt.getTime() <= now) return 'EXPIRED';
  if (!token.active) return 'INACTIVE';
  return token.notBefore && token.notBefore.getTime() > now ? 'PENDING' : 'ACTIVE';
}

/**
 * tokenStatus in SQL, by the database clock, over the `api_token` columns of `alias` (`''` for
 * unqualified columns): the one SQL form every token list filters by (own list, inventories).
 */
export function tokenStatusSql(status: TokenStatus, alias = ''): string {
  const c = (column: string) => (alias ? `${alias}.${column}` : column);
  const revoked = `(${c('revoked_at')} is not null or coalesce(${c('grace_ends_at')} <= now(), false))`;
  const live = `(${c('expires_at')} is null or ${c('expires_at')} > now())`;
  const started = `(${c('not_before')} is null or ${c('not_before')} <= now())`;
  switch (status) {
    case 'REVOKED':
      return revoked;
    case 'EXPIRED':
      return `(not ${revoked} and ${c('expires_at')} <= now())`;
    case 'INACTIVE':
      return `(not ${revoked} and ${live} and not ${c('active')})`;
    case 'PENDING':
      return `(not ${revoked} and ${live} and ${c('active')} and not ${started})`;
    case 'ACTIVE':
      return `(not ${revoked} and ${live} and ${c('active')} and ${started})`;
  }
}

/** Who created a token: the token that created it, else the owning account. */
export function tokenCreatedBy(token: { createdByToken: string | null; account: string | null }): string {
  return token.createdByToken ?? token.account ?? '';
}

/** A token's per-minute limit: its own, else the deployment's default (KEYWARD_LIMIT_TOKEN_DEFAULT). */
export function tokenRateLimit(token: { rateLimitPerMinute: number | null }, defaultRate: number): number {
  return token.rateLimitPerMinute ?? defaultRate;
}

export const MAX_EXPIRY_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface TokenInput {
  name: string;
  description?: string | null;
  expiresInDays?: number | null;
  expiresAt?: Date | null;
  preset: PermissionPreset;
  permissions?: readonly string[] | null;
  rateLimitPerMinute?: number | null;
  allowedCidrs?: readonly string[] | null;
  notBefore?: Date | null;
  usageLimit?: number | null;
  usageRefill?: UsageRefill | null;
}

export interface UsageRefill {
  amount: number;
  interval: UsageRefillInterval;
}

/** A token's restrictions as stored (token-restrictions.ts), each null when absent. */
export interface TokenRestrictions {
  allowedCidrs: string[] | null;
  notBefore: Date | null;
  usageLimit: number | null;
  usageRefill: UsageRefill | null;
}

export interface ValidTokenInput extends TokenRestrictions {
  name: string;
  description: string | null;
  expiresAt: Date | null;
  preset: PermissionPreset;
  /** The stored CUSTOM list (expanded, sorted), or null for the other presets. */
  permissions: string[] | null;
  rateLimitPerMinute: number | null;
}

/** 1–100 characters, none of them a control character (line breaks included). */
export function validateName(name: string): string {
  assertPlainText('name', name);
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100)
    throw validationError('name', 'use between 1 and 100 characters.');
  return trimmed;
}

/** At most 500 characters; tab and line breaks are kept, other control characters refused. */
export function validateDescription(description: string | null | undefined): string | null {
  if (description) assertPlainText('description', description, { allowLineBreaks: true });
  const trimmed = description?.trim() ?? '';
  if (trimmed.length > 500) throw validationError('description', 'use at most 500 characters.');
  return trimmed === '' ? null : trimmed;
}

/**
 * Expiry: never (neither given), in N days (1–3650), or at a future instant no more than 3650
 * days ahead. Giving both is ambiguous and rejected.
 */
export function resolveExpiry(
  input: Pick<TokenInput, 'expiresInDays' | 'expiresAt'>,
  now: number,
): Date | null {
  const { expiresInDays, expiresAt } = input;
  if (expiresInDays != null && expiresAt != null) {
    throw validationError('expiresAt', 'give either expiresInDays or expiresAt, not both.');
  }
  if (expiresInDays != null) {
    if (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > MAX_EXPIRY_DAYS) {
      throw validationError('expiresInDays', `use a whole number of days from 1 to ${MAX_EXPIRY_DAYS}.`);
    }
    return new Date(now + expiresInDays * DAY_MS);
  }
  if (expiresAt != null) {
    if (expiresAt.getTime() <= now) throw validationError('expiresAt', 'choose a date in the future.');
    if (expiresAt.getTime() > now + MAX_EXPIRY_DAYS * DAY_MS) {
      throw validationError('expiresAt', `choose a date at most ${MAX_EXPIRY_DAYS} days ahead.`);
    }
    return expiresAt;
  }
  return null;
}

/** Validates a create request into what will be stored; throws validation_failed naming the field. */
export function validateTokenInput(
  input: TokenInput,
  catalogue: PermissionCatalogue,
  limits: { maxRate: number },
  now: number,
): ValidTokenInput {
  const name = validateName(input.name);
  const description = validateDescription(input.description);
  const expiresAt = resolveExpiry(input, now);
  let permissions: string[] | null = null;
  if (input.preset === 'CUSTOM') {
    const normalized = normalizeCustomPermissions(input.permissions ?? [], catalogue);
    if (!normalized.ok) {
      throw validationError(
        'permissions',
        normalized.invalid.length === 0
          ? 'choose at least one permission.'
          : `unknown permission ${normalized.invalid.map((p) => `"${p}"`).join(', ')}; see permissionCatalogue.`,
      );
    }
    permissions = normalized.permissions;
  } else if (input.permissions != null) {
    throw validationError('permissions', 'a permission list goes only with the CUSTOM preset.');
  }
  const rate = input.rateLimitPerMinute ?? null;
  if (rate !== null && (!Number.isInteger(rate) || rate < 1 || rate > limits.maxRate)) {
    throw validationError('rateLimitPerMinute', `use a whole number from 1 to ${limits.maxRate}.`);
  }
  return {
    name,
    description,
    expiresAt,
    preset: input.preset,
    permissions,
    rateLimitPerMinute: rate,
    ...validateRestrictions(input, expiresAt, now),
  };
}

function validateUsageLimit(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_USAGE_LIMIT)
    throw validationError(field, `use a whole number of requests from 1 to ${MAX_USAGE_LIMIT}.`);
  return value;
}

/**
 * allowedCidrs (1–20 addresses or ranges), notBefore (before expiry, at most 3650 days ahead) and
 * usageLimit (credits) with an optional refill, whose amount is at most the limit and needs one.
 */
export function validateRestrictions(
  input: Pick<TokenInput, 'allowedCidrs' | 'notBefore' | 'usageLimit' | 'usageRefill'>,
  expiresAt: Date | null,
  now: number,
): TokenRestrictions {
  const allowedCidrs = input.allowedCidrs == null ? null : normalizeAllowedCidrs(input.allowedCidrs);
  const notBefore = input.notBefore ?? null;
  if (notBefore) {
    if (Number.isNaN(notBefore.getTime())) throw validationError('notBefore', 'give an ISO-8601 instant.');
    if (expiresAt && notBefore >= expiresAt)
      throw validationError('notBefore', 'choose an instant before the token expires.');
    if (notBefore.getTime() > now + MAX_EXPIRY_DAYS * DAY_MS)
      throw validationError('notBefore', `choose an instant at most ${MAX_EXPIRY_DAYS} days ahead.`);
  }
  const usageLimit = input.usageLimit == null ? null : validateUsageLimit(input.usageLimit, 'usageLimit');
  let usageRefill: UsageRefill | null = null;
  if (input.usageRefill) {
    const { amount, interval } = input.usageRefill;
    if (usageLimit === null)
      throw validationError(
        'usageRefill',
        'a refill needs a usageLimit: give the credits the token starts with.',
      );
    if (!USAGE_REFILL_INTERVALS.includes(interval))
      throw validationError('usageRefill.interval', 'use DAY, WEEK or MONTH.');
    validateUsageLimit(amount, 'usageRefill.amount');
    if (amount > usageLimit)
      throw validationError('usageRefill.amount', `refill at most the usageLimit (${usageLimit}).`);
    usageRefill = { amount, interval };
  }
  return { allowedCidrs, notBefore, usageLimit, usageRefill };
}

/**
 * Admin-only actions (components:publish, blocks:publish) are never stored in a member's CUSTOM
 * grant: the token could not use them, and would silently gain them if the owner became admin.
 * Naming one is validation_failed naming them all; a whole resource (`components`,
 * `components:*`) expands to the actions the owner may hold. Returns what will be stored.
 */
export function grantableBy(
  valid: ValidTokenInput,
  requested: readonly string[] | null | undefined,
  owner: { role: 'member' | 'admin' },
  catalogue: PermissionCatalogue,
): ValidTokenInput {
  if (owner.role === 'admin' || !valid.permissions) return valid;
  const adminOnly = new Set(
    catalogue.flatMap((resource) =>
      resource.actions.filter((action) => action.requires === 'admin').map((action) => action.permission),
    ),
  );
  const named = new Set((requested ?? []).map((entry) => entry.trim()));
  const refused = valid.permissions.filter(
    (permission) => adminOnly.has(permission) && named.has(permission),
  );
  if (refused.length > 0) {
    throw validationError(
      'permissions',
      `${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} for admins only; leave ${refused.length === 1 ? 'it' : 'them'} out.`,
    );
  }
  const permissions = valid.permissions.filter((permission) => !adminOnly.has(permission));
  if (permissions.length === 0) throw validationError('permissions', 'choose at least one permission.');
  return { ...valid, permissions };
}

/**
 * A token creating a token may only hand out what it holds: the new token's permissions (as
 * granted today) must be within the creator's own grant, and it must expire no later.
 * Grants are compared, not effective sets: both tokens belong to the same owner and are capped by
 * what that owner may do at every request, so the new token's effective permissions stay within
 * the creator's, now and after any change to the owner. Comparing against the creator's effective
 * set instead would stop a member's ALL token from creating an ALL token (a member's ALL lacks the
 * admin-only actions that ALL grants).
 */
export function assertAttenuated(
  requested: ValidTokenInput,
  creator: {
    preset: PermissionPreset;
    permissions: readonly string[] | null;
    expiresAt: Date | null;
    restrictions?: TokenRestrictions;
    /** The creator's credits left now (null: unlimited). */
    usageRemaining?: number | null;
  },
  catalogue: PermissionCatalogue,
  /**
   * What the new token can ever hold (an organization token: organizationPermissions): only that
   * part of its grant must be within the creator's.
   */
  cap?: ReadonlySet<string>,
): void {
  const wanted = presetPermissions(requested.preset, catalogue, requested.permissions ?? []).filter(
    (permission) => !cap || cap.has(permission),
  );
  const granted = new Set(presetPermissions(creator.preset, catalogue, creator.permissions ?? []));
  const excess = wanted.filter((permission) => !granted.has(permission));
  if (excess.length > 0) {
    throw new KeywardError(
      'insufficient_scope',
      `The creating token cannot grant ${excess.join(', ')}: a new token's permissions must be within its own.`,
    );
  }
  if (creator.expiresAt && (!requested.expiresAt || requested.expiresAt > creator.expiresAt)) {
    throw new KeywardError(
      'insufficient_scope',
      `The new token must expire no later than the creating token (${creator.expiresAt.toISOString()}).`,
    );
  }
  if (creator.restrictions)
    attenuateRestrictions(requested, creator.restrictions, creator.usageRemaining ?? null);
}

/**
 * A token created by a token inherits each of its creator's restrictions it leaves out, and may
 * only narrow those it gives (insufficient_scope naming the field otherwise): every allowed range
 * inside one of the creator's, a notBefore no earlier, credits no more than the creator has left,
 * a refill only on the creator's interval and no larger than its. Fills `requested` in place.
 */
function attenuateRestrictions(
  requested: ValidTokenInput,
  creator: TokenRestrictions,
  creatorRemaining: number | null,
): void {
  const refuse = (field: string, reason: string) =>
    new KeywardError('insufficient_scope', `${field}: ${reason}`, { field });
  if (creator.allowedCidrs) {
    if (!requested.allowedCidrs) requested.allowedCidrs = [...creator.allowedCidrs];
    const outside = cidrsOutside(requested.allowedCidrs, creator.allowedCidrs);
    if (outside.length > 0)
      throw refuse(
        'allowedCidrs',
        `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the creating token's allowed ranges (${creator.allowedCidrs.join(', ')}).`,
      );
  }
  if (creator.notBefore) {
    if (!requested.notBefore) requested.notBefore = creator.notBefore;
    if (requested.notBefore < creator.notBefore)
      throw refuse(
        'notBefore',
        `the creating token works from ${creator.notBefore.toISOString()}; a new token may not start earlier.`,
      );
  }
  if (creator.usageLimit !== null) {
    const left = creatorRemaining ?? creator.usageLimit;
    if (requested.usageLimit === null) {
      if (left < 1) throw refuse('usageLimit', 'the creating token has no credits left to hand out.');
      requested.usageLimit = left;
    }
    if (requested.usageLimit > left)
      throw refuse(
        'usageLimit',
        `the creating token has ${left} credits left; a new token may have at most that.`,
      );
    if (!requested.usageRefill && creator.usageRefill)
      requested.usageRefill = {
        interval: creator.usageRefill.interval,
        amount: Math.min(creator.usageRefill.amount, requested.usageLimit),
      };
    const refill = requested.usageRefill;
    if (
      refill &&
      (!creator.usageRefill ||
        refill.interval !== creator.usageRefill.interval ||
        refill.amount > creator.usageRefill.amount)
    )
      throw refuse(
        'usageRefill',
        creator.usageRefill
          ? `the creating token refills ${creator.usageRefill.amount} per ${creator.usageRefill.interval}; a new token may refill at most that, on the same interval.`
          : 'the creating token has no refill; a new token may not have one.',
      );
  }
}

export interface RestrictionChanges {
  allowedCidrs?: string[];
  notBefore?: Date;
  usageLimit?: number;
}

/**
 * What a tightening changes: each field given must narrow the token's restriction (a subset of
 * its ranges, a later notBefore, fewer credits), else validation_failed naming the field. A field
 * equal to the current value changes nothing; a restriction the token lacks may be added.
 * Returns only the fields that change.
 */
export function tightenedRestrictions(
  current: TokenRestrictions & { expiresAt: Date | null },
  input: { allowedCidrs?: readonly string[] | null; notBefore?: Date | null; usageLimit?: number | null },
  now: number,
): RestrictionChanges {
  const changes: RestrictionChanges = {};
  const valid = validateRestrictions(
    {
      allowedCidrs: input.allowedCidrs ?? null,
      notBefore: input.notBefore ?? null,
      usageLimit: input.usageLimit ?? null,
    },
    current.expiresAt,
    now,
  );
  if (valid.allowedCidrs) {
    const outside = current.allowedCidrs ? cidrsOutside(valid.allowedCidrs, current.allowedCidrs) : [];
    if (outside.length > 0)
      throw validationError(
        'allowedCidrs',
        `restrictions only narrow: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the token's allowed ranges (${current.allowedCidrs?.join(', ')}).`,
      );
    const same =
      current.allowedCidrs?.length === valid.allowedCidrs.length &&
      valid.allowedCidrs.every((entry) => current.allowedCidrs?.includes(entry));
    if (!same) changes.allowedCidrs = valid.allowedCidrs;
  }
  if (valid.notBefore) {
    if (current.notBefore && valid.notBefore < current.notBefore)
      throw validationError(
        'notBefore',
        `restrictions only narrow: the token already works from ${current.notBefore.toISOString()}; choose that or later.`,
      );
    if (valid.notBefore.getTime() !== current.notBefore?.getTime()) changes.notBefore = valid.notBefore;
  }
  if (valid.usageLimit !== null) {
    if (current.usageLimit !== null && valid.usageLimit > current.usageLimit)
      throw validationError(
        'usageLimit',
        `restrictions only narrow: the token's usageLimit is ${current.usageLimit}; choose that or fewer.`,
      );
    if (valid.usageLimit !== current.usageLimit) changes.usageLimit = valid.usageLimit;
  }
  return changes;
}

/**
 * The rate of a token created by a token: never above the creator's effective rate
 * (insufficient_scope when asked for more). Without one asked for, the child gets the
 * deployment's default capped at the creator's, stored explicitly so a later rise of the default
 * cannot lift it above its creator.
 */
export function attenuatedRate(requested: number | null, creatorRate: number, defaultRate: number): number {
  if (requested === null) return Math.min(defaultRate, creatorRate);
  if (requested > creatorRate) {
    throw new KeywardError(
      'insufficient_scope',
      `rateLimitPerMinute: the creating token allows ${creatorRate} requests per minute; a new token may have at most that.`,
    );
  }
  return requested;
}

/**
 * token_revoked about the token being acted on, not the credential: answered 409 (REST) and as a
 * field error (GraphQL), so no client mistakes it for its own credential having been revoked.
 */
export function revokedTargetError(): KeywardError {
  return new KeywardError('token_revoked', 'This token has been revoked: it can no longer be changed.', {
    status: 409,
  });
}

export const MAX_GRACE_HOURS = 168;
export const DEFAULT_GRACE_HOURS = 24;

/**
 * A rotation's grace: 0 (the old secret stops at once) to 168 hours (7 days), fractions allowed
 * (0.5 is 30 minutes); 24 when not given.
 */
export function validateGracePeriod(hours: number | null | undefined): number {
  if (hours == null) return DEFAULT_GRACE_HOURS;
  if (!Number.isFinite(hours) || hours < 0 || hours > MAX_GRACE_HOURS)
    throw validationError('gracePeriodHours', `use a number of hours from 0 to ${MAX_GRACE_HOURS} (7 days).`);
  return hours;
}

/**
 * Rotation may narrow a token's permissions, never widen them: the successor's grant (as granted
 * today) must be within the rotated token's, else validation_failed on `permissions` naming what
 * would be added. How an owner acts on a least-privilege suggestion.
 */
export function assertNarrowing(
  successor: { preset: PermissionPreset; permissions: readonly string[] | null },
  rotated: { preset: PermissionPreset; permissions: readonly string[] | null },
  catalogue: PermissionCatalogue,
): void {
  const granted = new Set(presetPermissions(rotated.preset, catalogue, rotated.permissions ?? []));
  const wider = presetPermissions(successor.preset, catalogue, successor.permissions ?? []).filter(
    (permission) => !granted.has(permission),
  );
  if (wider.length > 0)
    throw validationError(
      'permissions',
      `rotation may only narrow: the token being rotated does not grant ${wider.join(', ')}.`,
    );
}
