import { z } from 'zod';
import { PERMISSION_PRESETS, type PermissionPreset } from '../permissions/presets.js';
import { CONTROL_CHARACTER_REASON, controlCharacterIndex } from '../text.js';
import { USAGE_REFILL_INTERVALS } from '../tokens/token-restrictions.js';

/** A string without control characters (NUL, escape, C1); `multiline` keeps tab and line breaks. */
const plainText = (options: { multiline?: boolean; error?: string } = {}) =>
  z
    .string(options.error ? { error: options.error } : undefined)
    .refine((value) => controlCharacterIndex(value, options.multiline) < 0, CONTROL_CHARACTER_REASON);

const isoDate = z
  .string()
  .refine(
    (value) => !Number.isNaN(Date.parse(value)),
    'must be an ISO-8601 date such as 2027-01-31T00:00:00Z.',
  )
  .transform((value) => new Date(value));

const refillInterval = z.enum(USAGE_REFILL_INTERVALS);

const presetEnum = z.enum(PERMISSION_PRESETS as [PermissionPreset, ...PermissionPreset[]]);

/** Body of POST /api/tokens and POST /api/v1/api-tokens: CreateTokenInput as JSON. */
export const createTokenBody = (defaultPreset: PermissionPreset) =>
  z
    .object({
      name: plainText({ error: 'is required and must be a string.' }),
      description: plainText({ multiline: true }).nullish(),
      expiresInDays: z.number().int('must be a whole number.').nullish(),
      expiresAt: isoDate.nullish(),
      preset: presetEnum.optional(),
      permissions: z.array(plainText()).max(200).nullish(),
      rateLimitPerMinute: z.number().int('must be a whole number.').nullish(),
      allowedCidrs: z.array(plainText().max(100)).max(100).nullish(),
      notBefore: isoDate.nullish(),
      usageLimit: z.number().int('must be a whole number.').nullish(),
      usageRefill: z
        .object({ amount: z.number().int('must be a whole number.'), interval: refillInterval })
        .strict()
        .nullish(),
      /** An organization token of this organization: its OWNERs and ADMINs only (org-tokens:manage too). */
      organizationId: plainText().max(100).nullish(),
    })
    .strict()
    .transform((body) => ({
      ...body,
      // A permission list alone means CUSTOM (the API-token route's documented shortcut).
      preset: body.preset ?? (body.permissions ? 'CUSTOM' : defaultPreset),
    }));

/** POST /api/tokens/:id/rotate: RotateTokenInput as JSON (a permission list alone means CUSTOM). */
export const rotateTokenBody = z
  .object({
    gracePeriodHours: z.number().nullish(),
    expiresInDays: z.number().int('must be a whole number.').nullish(),
    expiresAt: isoDate.nullish(),
    name: plainText().nullish(),
    preset: presetEnum.nullish(),
    permissions: z.array(plainText()).max(200).nullish(),
  })
  .strict();

export const loginBody = z
  .object({ email: plainText().max(254), password: plainText({ multiline: true }).max(1024) })
  .strict();

/** POST /api/v1/auth/register: RegisterInput as JSON; the name defaults to the part of the email before @. */
export const registerBody = z
  .object({
    email: plainText().max(254),
    password: plainText({ multiline: true }).max(1024),
    name: plainText().max(100).optional(),
  })
  .strict();

/** POST /api/v1/auth/restore-password. */
export const restorePasswordBody = z.object({ email: plainText().max(254) }).strict();

export const refreshBody = z.object({ refreshToken: plainText().max(256) }).strict();

export const revokeLeakedBody = z
  .object({
    tokens: z
      .array(plainText().max(256))
      .min(1, 'list at least one token.')
      .max(100, 'at most 100 tokens per call.'),
  })
  .strict();

const isoString = z.string().describe('ISO-8601 instant');

/** A token's restrictions as answered (GraphQL's Token fields of the same names). */
const restrictionFields = {
  allowedCidrs: z.array(z.string()).nullable(),
  notBefore: isoString.nullable(),
  usageLimit: z.number().int().nullable(),
  usageRemaining: z.number().int().nullable(),
  usageRefill: z.object({ amount: z.number().int(), interval: refillInterval }).nullable(),
};

/** A token as REST answers it (token-json.ts): never the secret. */
export const tokenResponse = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string().nullable(),
  displayPrefix: z.string(),
  preset: presetEnum,
  permissions: z.array(z.string()),
  effectivePermissions: z.array(z.string()),
  status: z.enum(['ACTIVE', 'INACTIVE', 'EXPIRED', 'REVOKED', 'PENDING']),
  active: z.boolean(),
  expiresAt: isoString.nullable(),
  revokedAt: isoString.nullable(),
  createdAt: isoString,
  lastUsedAt: isoString.nullable(),
  lastUsedIp: z.string().nullable(),
  createdBy: z.string(),
  rateLimitPerMinute: z.number().int(),
  expiryReminders: z.boolean(),
  /** The owning organization of an organization token; null for a personal token. */
  organizationId: z.string().uuid().nullable(),
  ...restrictionFields,
});

/** GET /api/cli/whoami. */
export const whoamiResponse = z.object({
  account: z.object({ id: z.string(), email: z.string(), name: z.string(), plan: z.string() }),
  token: z.object({
    id: z.string(),
    name: z.string(),
    displayPrefix: z.string(),
    permissions: z.array(z.string()),
    expiresAt: isoString.nullable(),
    ...restrictionFields,
  }),
  entitlements: z.object({ proComponents: z.boolean() }),
});

const registryItem = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  type: z.enum(['component', 'block']),
  tier: z.enum(['free', 'pro']),
  version: z.string(),
});

export const registryItemResponse = registryItem.passthrough();

export const registryListResponse = z.object({
  components: z.array(registryItemResponse),
  blocks: z.array(registryItemResponse),
});

export const registrySourceResponse = registryItem.extend({
  files: z.array(z.object({ path: z.string(), content: z.string() })),
});

export const tokenPairResponse = z.object({
  data: z.object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int(),
    user: z.object({ id: z.string(), email: z.string() }),
  }),
});

export const registeredResponse = z.object({
  data: z.object({
    user: z.object({
      id: z.string().uuid(),
      email: z.string(),
      name: z.string(),
      emailVerified: z.boolean(),
    }),
  }),
});

export const restorePasswordResponse = z.object({ data: z.object({ message: z.string() }) });
