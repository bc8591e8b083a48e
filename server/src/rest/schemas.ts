import { z } from 'zod';
import { PERMISSION_PRESETS, type PermissionPreset } from '../permissions/presets.js';

const isoDate = z
  .string()
  .refine(
    (value) => !Number.isNaN(Date.parse(value)),
    'must be an ISO-8601 date such as 2027-01-31T00:00:00Z.',
  )
  .transform((value) => new Date(value));

/** Body of POST /api/tokens and POST /api/v1/api-tokens: CreateTokenInput as JSON. */
export const createTokenBody = (defaultPreset: PermissionPreset) =>
  z
    .object({
      name: z.string({ error: 'is required and must be a string.' }),
      description: z.string().nullish(),
      expiresInDays: z.number().int('must be a whole number.').nullish(),
      expiresAt: isoDate.nullish(),
      preset: z.enum(PERMISSION_PRESETS as [PermissionPreset, ...PermissionPreset[]]).optional(),
      permissions: z.array(z.string()).max(200).nullish(),
      rateLimitPerMinute: z.number().int('must be a whole number.').nullish(),
    })
    .strict()
    .transform((body) => ({
      ...body,
      // A permission list alone means CUSTOM (the API-token route's documented shortcut).
      preset: body.preset ?? (body.permissions ? 'CUSTOM' : defaultPreset),
    }));

export const loginBody = z.object({ email: z.string().max(254), password: z.string().max(1024) }).strict();

export const refreshBody = z.object({ refreshToken: z.string().max(256) }).strict();

export const revokeLeakedBody = z
  .object({
    tokens: z
      .array(z.string().max(256))
      .min(1, 'list at least one token.')
      .max(100, 'at most 100 tokens per call.'),
  })
  .strict();
