import { KeywardError, validationError } from '../errors.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import {
  normalizeCustomPermissions,
  type PermissionPreset,
  presetPermissions,
} from '../permissions/presets.js';
import { assertPlainText } from '../text.js';

export type TokenStatus = 'ACTIVE' | 'INACTIVE' | 'EXPIRED' | 'REVOKED';

/** Revoked beats expired beats inactive. */
export function tokenStatus(
  token: { revokedAt: Date | null; expiresAt: Date | null; active: boolean },
  now: number,
): TokenStatus {
  if (token.revokedAt) return 'REVOKED';
  if (token.expiresAt && token.expiresAt.getTime() <= now) return 'EXPIRED';
  return token.active ? 'ACTIVE' : 'INACTIVE';
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
}

export interface ValidTokenInput {
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
  return { name, description, expiresAt, preset: input.preset, permissions, rateLimitPerMinute: rate };
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
  creator: { preset: PermissionPreset; permissions: readonly string[] | null; expiresAt: Date | null },
  catalogue: PermissionCatalogue,
): void {
  const wanted = presetPermissions(requested.preset, catalogue, requested.permissions ?? []);
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
