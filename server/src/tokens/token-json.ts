import type { Account } from '../accounts/accounts.entity.js';
import type { PermissionCatalogue } from '../permissions/catalogue.js';
import {
  effectivePermissions,
  organizationTokenPermissions,
  presetPermissions,
} from '../permissions/presets.js';
import { tokenCreatedBy, tokenRateLimit, tokenStatus } from './token-rules.js';
import type { ApiToken } from './tokens.entity.js';

/** The REST form of a token (the same fields as GraphQL's Token, minus the per-day usage). Never the secret. */
export function tokenJson(
  token: ApiToken,
  owner: Account,
  catalogue: PermissionCatalogue,
  defaultRate: number,
  /** Credits left (TokenCredits.remaining); null without a usageLimit. */
  usageRemaining: number | null,
) {
  return {
    id: token.id,
    name: token.name,
    description: token.description,
    displayPrefix: token.displayPrefix,
    preset: token.preset,
    permissions: presetPermissions(token.preset, catalogue, token.permissions ?? []),
    effectivePermissions:
      token.organization === null
        ? effectivePermissions(token, owner, catalogue)
        : organizationTokenPermissions(token, catalogue),
    status: tokenStatus(token, Date.now()),
    active: token.active,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: token.lastUsedIp,
    createdBy: tokenCreatedBy(token),
    rateLimitPerMinute: tokenRateLimit(token, defaultRate),
    expiryReminders: token.expiryReminders,
    organizationId: token.organization,
    allowedCidrs: token.allowedCidrs,
    notBefore: token.notBefore?.toISOString() ?? null,
    usageLimit: token.usageLimit,
    usageRemaining: token.usageLimit === null ? null : usageRemaining,
    usageRefill:
      token.usageRefillAmount !== null && token.usageRefillInterval !== null
        ? { amount: token.usageRefillAmount, interval: token.usageRefillInterval }
        : null,
  };
}
