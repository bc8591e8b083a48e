import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobOutput } from '../jobs/job-queue.js';
import type { PermissionPreset } from '../permissions/presets.js';
import { revokeTokenTrees } from './token-revocation.js';
import { MAX_EXPIRY_DAYS, type TokenInput } from './token-rules.js';
import type { ApiToken } from './tokens.entity.js';

/**
 * Rotation (docs/api.md, "Rotation"): a successor replaces a token, with its permissions (or
 * fewer), restrictions and rate limit; the old secret keeps working for a grace period, then
 * answers token_rotated naming the successor's display prefix. The end of the grace is decided
 * at verification from the stored `grace_ends_at`, by the database clock (token-verifier.ts); the
 * sweep below only makes it permanent (revoked_at, and the tokens the old one created).
 */
export interface RotateTokenInput {
  /** 0 to 168; 24 when not given. */
  gracePeriodHours?: number | null;
  expiresInDays?: number | null;
  expiresAt?: Date | null;
  name?: string | null;
  preset?: PermissionPreset | null;
  permissions?: readonly string[] | null;
}

const DAY_MS = 86_400_000;

/**
 * The create input of a rotated token's successor: what `input` gives, the rest from `old`.
 * Permissions: the given preset and list (a list alone means CUSTOM), else the old token's. Expiry: the given one, else
 * the old token's lifetime counted from now (never, if it never expired), at most 3650 days.
 * Restrictions, description and rate limit: the old token's (credits are set apart: see
 * TokensService.rotateToken).
 */
export function successorInput(old: ApiToken, input: RotateTokenInput, now: number): TokenInput {
  // A list without a preset is a CUSTOM grant; neither keeps the old token's grant.
  const chosen = input.preset != null || input.permissions != null;
  const preset = input.preset ?? (input.permissions != null ? 'CUSTOM' : old.preset);
  const permissions = chosen ? (input.permissions ?? null) : old.permissions;
  let expiresAt = input.expiresAt ?? null;
  if (input.expiresInDays == null && input.expiresAt == null && old.expiresAt) {
    const lifetime = old.expiresAt.getTime() - old.createdAt.getTime();
    expiresAt = new Date(now + Math.min(Math.max(lifetime, 60_000), MAX_EXPIRY_DAYS * DAY_MS));
  }
  return {
    name: input.name ?? old.name,
    description: old.description,
    expiresInDays: input.expiresInDays ?? null,
    expiresAt,
    preset,
    permissions,
    rateLimitPerMinute: old.rateLimitPerMinute,
    allowedCidrs: old.allowedCidrs,
    // A start already past is left out: the successor works at once.
    notBefore: old.notBefore && old.notBefore.getTime() > now ? old.notBefore : null,
    usageLimit: old.usageLimit,
    usageRefill:
      old.usageRefillAmount !== null && old.usageRefillInterval !== null
        ? { amount: old.usageRefillAmount, interval: old.usageRefillInterval }
        : null,
  };
}

export const ROTATION_GRACE_JOB = 'rotation-grace';

/**
 * Makes the end of each rotation's grace permanent: revokes the rotated tokens whose grace is
 * over (and, as any revocation does, the tokens they created: token-revocation.ts), as the
 * system, with `detail` naming the successor. Verification already refused them from the first
 * instant after the grace; this only sets revoked_at. Idempotent. `onTokensChanged` drops them
 * from every instance's cache after the commit.
 */
export async function revokeEndedGraces(
  em: EntityManager,
  deps: { onTokensChanged: (tokens: readonly { id: string }[]) => Promise<void> },
): Promise<JobOutput> {
  const fork = em.fork();
  const revoked = await fork.transactional(async (tx) => {
    const due = await tx.execute<{ id: string }[]>(
      'select id from api_token where grace_ends_at <= now() and revoked_at is null for update skip locked',
    );
    return revokeTokenTrees(
      tx,
      due.map((row) => row.id),
      { type: 'system', id: null },
      { ip: null, userAgent: null },
    );
  });
  await deps.onTokensChanged(revoked);
  return { revoked: revoked.length };
}
