import { builder } from '../graphql/builder.js';
import { PermissionPresetEnum } from '../permissions/permissions.graphql.js';
import { presetDrift } from '../permissions/presets.js';
import { type PermissionUsage, permissionUsage } from './permission-usage.js';
import { MAX_GRACE_HOURS } from './token-rules.js';
import type { ApiToken } from './tokens.entity.js';
import { TokenRef, tokenScope } from './tokens.graphql.js';

/** A rotated token as the rotation field shows it (the successor's prefix is loaded with it). */
interface Rotation {
  token: ApiToken;
  successorDisplayPrefix: string;
}

const TokenRotationRef = builder.objectRef<Rotation>('TokenRotation').implement({
  description:
    'How a token was replaced by rotation: its successor, when its grace ends, and whether clients still use the old secret.',
  fields: (t) => ({
    successorId: t.id({ resolve: ({ token }) => token.successor ?? '' }),
    successorDisplayPrefix: t.exposeString('successorDisplayPrefix', {
      description: 'What the old secret’s TOKEN_ROTATED error names, so its owner knows what to update.',
    }),
    rotatedAt: t.field({ type: 'DateTime', resolve: ({ token }) => token.rotatedAt ?? new Date(0) }),
    graceEndsAt: t.field({
      type: 'DateTime',
      description: 'From this instant the old secret answers TOKEN_ROTATED (the status becomes REVOKED).',
      resolve: ({ token }) => token.graceEndsAt ?? new Date(0),
    }),
    oldSecretUses: t.int({
      description:
        'Requests that presented the old secret since the rotation: accepted during the grace, refused after it. Written behind (within seconds).',
      resolve: ({ token }) => token.oldSecretUses,
    }),
    oldSecretLastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: ({ token }) => token.oldSecretLastUsedAt,
    }),
    oldSecretLastUsedIp: t.string({ nullable: true, resolve: ({ token }) => token.oldSecretLastUsedIp }),
  }),
});

const PermissionUsageRef = builder.objectRef<PermissionUsage>('PermissionUsage').implement({
  description:
    'How much a token used one permission it is granted (counted since Keyward began recording it).',
  fields: (t) => ({
    permission: t.exposeString('permission'),
    count: t.exposeInt('count', { description: 'Requests that exercised it; 0: never used.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.objectFields(TokenRef, (t) => ({
  rotation: t.field({
    type: TokenRotationRef,
    nullable: true,
    description: 'Set once the token was rotated; null otherwise.',
    resolve: async (token, _args, ctx) => {
      if (!token.successor) return null;
      const [row] = await ctx
        .em()
        .execute<{ display_prefix: string }[]>('select display_prefix from api_token where id = ?', [
          token.successor,
        ]);
      return { token, successorDisplayPrefix: row?.display_prefix ?? '' };
    },
  }),
  permissionUsage: t.field({
    type: [PermissionUsageRef],
    description:
      'One entry per permission the token is granted today (as `permissions`), sorted: how often and how recently requests used it. Never used: count 0, lastUsedAt null.',
    resolve: (token, _args, ctx) => permissionUsage(ctx.em(), token, ctx.services.catalogue),
  }),
  presetDrift: t.stringList({
    description:
      'ALL, READ_ONLY and CLI tokens: the permissions their preset gained since the token was created (actions added to the catalogue later; see PermissionAction.addedAt). Always empty for CUSTOM.',
    resolve: (token, _args, ctx) => presetDrift(token, ctx.services.catalogue),
  }),
}));

const RotateTokenInput = builder.inputType('RotateTokenInput', {
  description:
    'Everything left out is kept from the token being rotated: permissions, restrictions and rate limit. Permissions may only narrow.',
  fields: (t) => ({
    gracePeriodHours: t.float({
      description: `How long the old secret keeps working: 0 to ${MAX_GRACE_HOURS} hours (7 days), fractions allowed (0.5 = 30 minutes); default 24.`,
    }),
    expiresInDays: t.int({
      description:
        '1–3650. Without either expiry field the successor gets the old token’s lifetime from now.',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'A future instant, at most 3650 days ahead.' }),
    name: t.string({ description: 'Default: the old token’s name.' }),
    preset: t.field({ type: PermissionPresetEnum, description: 'Default: the old token’s preset.' }),
    permissions: t.stringList({
      description: 'With CUSTOM (or alone, meaning CUSTOM): within the old token’s permissions.',
    }),
  }),
});

const RotateTokenPayload = builder
  .objectRef<{ token: ApiToken; secret: string; rotated: ApiToken }>('RotateTokenPayload')
  .implement({
    fields: (t) => ({
      token: t.field({ type: TokenRef, description: 'The successor.', resolve: (payload) => payload.token }),
      secret: t.exposeString('secret', { description: 'The successor’s secret. Shown once: store it now.' }),
      rotatedToken: t.field({
        type: TokenRef,
        description: 'The old token, with its rotation (grace end) set.',
        resolve: (payload) => payload.rotated,
      }),
    }),
  });

builder.mutationField('rotateToken', (t) =>
  t.field({
    type: RotateTokenPayload,
    description:
      'Replaces a token by a successor and returns the successor’s secret, once; the old secret keeps working for the grace period, then answers TOKEN_ROTATED.',
    // Rotation creates a token and ends one (an organization's token: org-tokens:manage).
    authScopes: (_parent, { id }, ctx) => tokenScope(ctx, id, 'rotate'),
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: RotateTokenInput, required: true }) },
    resolve: (_parent, { id, input }, ctx) =>
      ctx.services.tokens.rotateToken(ctx.em(), ctx.caller(), String(id), input),
  }),
);
