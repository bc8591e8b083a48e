import { EntitySchema } from '@mikro-orm/core';
import { Account } from '../accounts/accounts.entity.js';
import { Organization } from '../organizations/organizations.entity.js';
import type { PermissionPreset } from '../permissions/presets.js';

export class ApiToken {
  id!: string;
  /**
   * The owning account of a personal token: null once it is deleted (presenting the token then
   * answers token_user_missing). For an organization token, only who created it (null once that
   * account is deleted; the token keeps working).
   */
  account!: string | null;
  /** The organization that owns this token; null for a personal token. */
  organization: string | null = null;
  name!: string;
  description: string | null = null;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  secretHash!: string;
  displayPrefix!: string;
  preset!: PermissionPreset;
  /** The explicit list for CUSTOM; null for the other presets, which are evaluated against today's catalogue. */
  permissions: string[] | null = null;
  expiresAt: Date | null = null;
  active = true;
  revokedAt: Date | null = null;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
  lastUsedAt: Date | null = null;
  lastUsedIp: string | null = null;
  /** The token that created this one, or null when the account created it itself. */
  createdByToken: string | null = null;
  rateLimitPerMinute: number | null = null;
  /** Whether this token is listed in its owner's expiry-reminder digests. */
  expiryReminders = true;
  /** Client addresses the token may be used from (addresses or CIDR ranges, normalized); null: anywhere. */
  allowedCidrs: string[] | null = null;
  /** The token works from this instant on (database clock); null: at once. */
  notBefore: Date | null = null;
  /** Credits: how many requests the token may make (its counter is TokenCredit); null: unlimited. */
  usageLimit: number | null = null;
  /** Credits restored at the start of each refill period (never above usageLimit). */
  usageRefillAmount: number | null = null;
  usageRefillInterval: UsageRefillInterval | null = null;
  /** When the token was rotated (token-rotation.ts); null: never. */
  rotatedAt: Date | null = null;
  /** The token that replaced this one by rotation. */
  successor: string | null = null;
  /** The end of the rotation's grace: from then on the secret answers token_rotated (database clock). */
  graceEndsAt: Date | null = null;
  /** Uses of this token's secret since it was rotated (written behind, like lastUsedAt). */
  oldSecretUses = 0;
  oldSecretLastUsedAt: Date | null = null;
  oldSecretLastUsedIp: string | null = null;
}

export type UsageRefillInterval = 'DAY' | 'WEEK' | 'MONTH';

export const ApiTokenSchema = new EntitySchema<ApiToken>({
  class: ApiToken,
  tableName: 'api_token',
  indexes: [
    { properties: ['account', 'createdAt'] },
    { properties: ['organization', 'createdAt'] },
    { properties: ['graceEndsAt'] },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    account: { kind: 'm:1', entity: () => Account, mapToPk: true, nullable: true, deleteRule: 'set null' },
    organization: {
      kind: 'm:1',
      entity: () => Organization,
      mapToPk: true,
      nullable: true,
      deleteRule: 'cascade',
    },
    name: { type: 'text' },
    description: { type: 'text', nullable: true },
    secretHash: { type: 'text', unique: 'api_token_secret_hash_unique' },
    displayPrefix: { type: 'text' },
    preset: { type: 'text', enum: true, items: ['ALL', 'READ_ONLY', 'CLI', 'CUSTOM'] },
    permissions: { type: 'text[]', nullable: true },
    expiresAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    active: { type: 'boolean', default: true },
    revokedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    updatedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    lastUsedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    lastUsedIp: { type: 'text', nullable: true },
    createdByToken: { type: 'uuid', nullable: true },
    rateLimitPerMinute: { type: 'integer', nullable: true },
    expiryReminders: { type: 'boolean', default: true },
    allowedCidrs: { type: 'text[]', nullable: true },
    notBefore: { type: 'Date', columnType: 'timestamptz', nullable: true },
    usageLimit: { type: 'integer', nullable: true },
    usageRefillAmount: { type: 'integer', nullable: true },
    usageRefillInterval: { type: 'text', enum: true, items: ['DAY', 'WEEK', 'MONTH'], nullable: true },
    rotatedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    successor: {
      kind: 'm:1',
      entity: () => ApiToken,
      mapToPk: true,
      nullable: true,
      fieldName: 'successor_id',
      deleteRule: 'set null',
    },
    graceEndsAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    oldSecretUses: { type: 'integer', default: 0 },
    oldSecretLastUsedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    oldSecretLastUsedIp: { type: 'text', nullable: true },
  },
});

/**
 * A token's credit counter, apart from api_token so that spending a credit (one row update per
 * batch of requests) neither rewrites the token row nor fires its invalidation trigger.
 * `periodStart` is the start of the refill period the count belongs to (null without a refill).
 */
export class TokenCredit {
  token!: string;
  remaining!: number;
  periodStart: Date | null = null;
  /** Credits the last spending statement granted (its RETURNING reads it: see token-credits.ts). */
  lastGranted = 0;
}

export const TokenCreditSchema = new EntitySchema<TokenCredit>({
  class: TokenCredit,
  tableName: 'token_credit',
  properties: {
    token: {
      kind: '1:1',
      entity: () => ApiToken,
      mapToPk: true,
      primary: true,
      owner: true,
      deleteRule: 'cascade',
    },
    remaining: { type: 'integer' },
    periodStart: { type: 'Date', columnType: 'timestamptz', nullable: true },
    lastGranted: { type: 'integer', default: 0 },
  },
});

/** Uses per token per UTC day by outcome, feeding `Token.usage`: `count` is the allowed ones. */
export class TokenUsageDay {
  token!: string;
  day!: string;
  count = 0;
  denied = 0;
  rateLimited = 0;
}

export const TokenUsageDaySchema = new EntitySchema<TokenUsageDay>({
  class: TokenUsageDay,
  tableName: 'token_usage_day',
  properties: {
    token: { kind: 'm:1', entity: () => ApiToken, mapToPk: true, primary: true, deleteRule: 'cascade' },
    day: { type: 'date', primary: true },
    count: { type: 'integer', default: 0 },
    denied: { type: 'integer', default: 0 },
    rateLimited: { type: 'integer', default: 0 },
  },
});

/**
 * Which permissions a token exercised (write-behind, like usage): per token and permission, how
 * many requests used it and when the last one did. Feeds `Token.permissionUsage`.
 */
export class TokenPermissionUse {
  token!: string;
  permission!: string;
  count = 0;
  lastUsedAt!: Date;
}

export const TokenPermissionUseSchema = new EntitySchema<TokenPermissionUse>({
  class: TokenPermissionUse,
  tableName: 'token_permission_use',
  properties: {
    token: { kind: 'm:1', entity: () => ApiToken, mapToPk: true, primary: true, deleteRule: 'cascade' },
    permission: { type: 'text', primary: true },
    count: { type: 'bigint', default: 0 },
    lastUsedAt: { type: 'Date', columnType: 'timestamptz' },
  },
});
