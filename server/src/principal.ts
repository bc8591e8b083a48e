import type { Account } from './accounts/accounts.entity.js';
import type { PermissionPreset } from './permissions/presets.js';
import type { TokenRestrictions } from './tokens/token-rules.js';

/** What a verified API token carries through a request: ids and rules, never the secret. */
export interface VerifiedToken {
  id: string;
  /**
   * The account the token acts as: its owner, or for an organization token the organization's id
   * (its principal's `account` is the organization seen as an account: docs/architecture.md,
   * "Organization tokens"). Cache eviction (`account:<id>`) and per-account limits key by it.
   */
  accountId: string;
  /** The organization that owns the token; null for a personal token. */
  organizationId: string | null;
  name: string;
  displayPrefix: string;
  preset: PermissionPreset;
  permissions: readonly string[] | null;
  expiresAt: Date | null;
  rateLimitPerMinute: number;
  /** allowedCidrs, notBefore, usageLimit and usageRefill, as stored. */
  restrictions: TokenRestrictions;
}

/** Who is making a request. A bad credential never becomes `anonymous`: it fails the request. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'session'; account: Account; sessionHash: string; permissions: ReadonlySet<string> }
  /** A programmatic-login access token (JWT, /api/v1): acts as the account, like a session without a cookie. */
  | { kind: 'access'; account: Account; familyId: string; permissions: ReadonlySet<string> }
  | {
      kind: 'token';
      account: Account;
      token: VerifiedToken;
      permissions: ReadonlySet<string>;
      /** Answers derived from this verification, kept with its cache entry (e.g. the whoami body). */
      memo: TokenMemo;
    };

/** Per-cache-entry memo: dropped with the entry when the token or its owner changes. */
export interface TokenMemo {
  whoami?: string;
  /** whoami's body around its `usageRemaining` value, for a token with credits (the count changes per request). */
  whoamiParts?: [string, string];
}

export const anonymous: Principal = { kind: 'anonymous' };
