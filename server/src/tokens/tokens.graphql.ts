import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { Account } from '../accounts/accounts.entity.js';
import { AuditActorRef } from '../audit/audit.graphql.js';
import { validationError } from '../errors.js';
import { builder, type GraphQLContext } from '../graphql/builder.js';
import { registerNode } from '../graphql/node.graphql.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import { PermissionPresetEnum } from '../permissions/permissions.graphql.js';
import {
  effectivePermissions,
  organizationTokenPermissions,
  presetPermissions,
} from '../permissions/presets.js';
import { USAGE_REFILL_INTERVALS } from './token-restrictions.js';
import { tokenCreatedBy, tokenRateLimit, tokenStatus } from './token-rules.js';
import type { ApiToken } from './tokens.entity.js';
import type { TokenAction, TokenOrder, TokenUsageCounts } from './tokens.service.js';

/**
 * The scope of a field acting on token `id`: the permission it needs depends on whose token it is
 * (TokensService.permissionsFor: org-tokens:* for an organization token the caller belongs to,
 * tokens:* otherwise, unknown ids included).
 */
export async function tokenScope(ctx: GraphQLContext, id: string | number, action: TokenAction) {
  const [first, second] = await ctx.services.tokens.permissionsFor(
    ctx.em(),
    ctx.caller(),
    String(id),
    action,
  );
  if (second === undefined) return { permission: first! };
  return { $all: { permission: first!, $all: { permission: second } } };
}

const MAX_USAGE_DAYS = 366;

export const TokenStatusEnum = builder.enumType('TokenStatus', {
  values: ['ACTIVE', 'INACTIVE', 'EXPIRED', 'REVOKED', 'PENDING'] as const,
});

const UsageRefillIntervalEnum = builder.enumType('UsageRefillInterval', {
  description: 'Refill periods, in UTC: each day, each week from Monday, each calendar month.',
  values: USAGE_REFILL_INTERVALS,
});

const UsageRefillRef = builder
  .objectRef<{ amount: number; interval: (typeof USAGE_REFILL_INTERVALS)[number] }>('UsageRefill')
  .implement({
    description: 'At the start of each period the credits left are set back to `amount`.',
    fields: (t) => ({
      amount: t.exposeInt('amount'),
      interval: t.field({ type: UsageRefillIntervalEnum, resolve: (refill) => refill.interval }),
    }),
  });

const UsageRefillInput = builder.inputType('UsageRefillInput', {
  fields: (t) => ({
    amount: t.int({ required: true, description: 'Credits after each refill: 1 to usageLimit.' }),
    interval: t.field({ type: UsageRefillIntervalEnum, required: true }),
  }),
});

export const MAX_SEARCH = 100;

export const TokenOrderEnum = builder.enumType('TokenOrder', {
  description: 'How a token list is sorted; ties go by id.',
  values: {
    CREATED_DESC: { description: 'Newest first (the default).' },
    CREATED_ASC: { description: 'Oldest first.' },
    LAST_USED_DESC: { description: 'Most recently used first; never-used tokens last.' },
    EXPIRES_ASC: { description: 'Soonest expiry first; tokens that never expire last.' },
  } as const satisfies Record<TokenOrder, { description: string }>,
});

const TokenUsageDayRef = builder.objectRef<TokenUsageCounts>('TokenUsageDay').implement({
  description: 'One UTC day of a token’s uses, by outcome. Each request counts once.',
  fields: (t) => ({
    date: t.exposeString('date', { description: 'UTC day, YYYY-MM-DD.' }),
    count: t.exposeInt('count', {
      description: 'Requests answered: they passed the rate limit and the permission checks (= allowed).',
    }),
    allowed: t.int({ description: 'Requests answered (the same as count).', resolve: (day) => day.count }),
    denied: t.exposeInt('denied', {
      description: 'Requests refused for a permission the token lacks or its owner’s state.',
    }),
    rateLimited: t.exposeInt('rateLimited', { description: 'Requests refused by a rate limit.' }),
  }),
});

/** Owning accounts of the tokens in one request, batched: a page of tokens costs one query. */
const tokenOwners = createContextCache(
  (ctx: GraphQLContext) =>
    new DataLoader<string, Account | null>(async (ids) => {
      const found = await ctx.em().find(Account, { id: { $in: [...ids] } });
      const byId = new Map(found.map((account) => [account.id, account]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
);

/** The account whose caps a personal token's permissions follow: the caller's own, else loaded. */
function ownerOfToken(token: ApiToken, ctx: GraphQLContext): Account | null | Promise<Account | null> {
  if (token.account === null) return null;
  if (ctx.principal.kind !== 'anonymous' && ctx.principal.account.id === token.account)
    return ctx.principal.account;
  return tokenOwners(ctx).load(token.account);
}

const TokenOwnerRef = builder.objectRef<Account>('TokenOwner').implement({
  description: 'The account that owns a personal token.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    name: t.exposeString('name'),
  }),
});

export const TokenRef = builder.objectRef<ApiToken>('Token').implement({
  description:
    'An API token: personal, or an organization token (see organization). Its secret is never readable after creation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    displayPrefix: t.exposeString('displayPrefix', { description: 'The first 12 characters of the secret.' }),
    preset: t.field({ type: PermissionPresetEnum, resolve: (token) => token.preset }),
    permissions: t.stringList({
      description: 'What the preset grants today (CUSTOM: the fixed list).',
      resolve: (token, _args, ctx) =>
        presetPermissions(token.preset, ctx.services.catalogue, token.permissions ?? []),
    }),
    effectivePermissions: t.stringList({
      description:
        'The permissions the token actually has: its own, capped by what its owner may do (an organization token: by what an organization may do).',
      resolve: async (token, _args, ctx) => {
        if (ctx.principal.kind === 'anonymous') return [];
        if (token.organization !== null) return organizationTokenPermissions(token, ctx.services.catalogue);
        // Another account's token (an inventory) is capped by its own owner, not by the reader.
        const owner = await ownerOfToken(token, ctx);
        return owner ? effectivePermissions(token, owner, ctx.services.catalogue) : [];
      },
    }),
    owner: t.field({
      type: TokenOwnerRef,
      nullable: true,
      description:
        'The account that owns a personal token; null for an organization token, or once the owner is deleted.',
      resolve: (token, _args, ctx) => (token.organization === null ? ownerOfToken(token, ctx) : null),
    }),
    status: t.field({
      type: TokenStatusEnum,
      description: 'REVOKED also once a rotated token’s grace is over.',
      resolve: (token) => tokenStatus(token, Date.now()),
    }),
    active: t.exposeBoolean('active'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    lastUsedIp: t.exposeString('lastUsedIp', { nullable: true }),
    expiryReminders: t.exposeBoolean('expiryReminders', {
      description:
        "Whether the token is listed in its owner's daily expiry-reminder digest (the account's switch must be on too).",
    }),
    createdBy: t.id({
      description: 'Id of the creator: the owning account, or the token that created this one (see creator).',
      resolve: (token) => tokenCreatedBy(token),
    }),
    creator: t.field({
      type: AuditActorRef,
      resolve: (token) =>
        token.createdByToken
          ? { type: 'token', id: token.createdByToken }
          : { type: 'account', id: token.account },
    }),
    rateLimitPerMinute: t.int({
      resolve: (token, _args, ctx) => tokenRateLimit(token, ctx.services.defaultTokenRate),
    }),
    allowedCidrs: t.stringList({
      nullable: true,
      description: 'The client addresses and ranges the token works from; null: any.',
      resolve: (token) => token.allowedCidrs,
    }),
    notBefore: t.expose('notBefore', {
      type: 'DateTime',
      nullable: true,
      description: 'The token works from this instant (status PENDING until then).',
    }),
    usageLimit: t.exposeInt('usageLimit', {
      nullable: true,
      description:
        'Credits: the most requests the token may make (per refill period with a refill); null: unlimited.',
    }),
    usageRemaining: t.int({
      nullable: true,
      description: 'Credits left; null without a usageLimit.',
      resolve: async (token, _args, ctx) =>
        token.usageLimit === null
          ? null
          : ((await ctx.services.credits.remaining([token.id])).get(token.id) ?? 0),
    }),
    usageRefill: t.field({
      type: UsageRefillRef,
      nullable: true,
      resolve: (token) =>
        token.usageRefillAmount !== null && token.usageRefillInterval !== null
          ? { amount: token.usageRefillAmount, interval: token.usageRefillInterval }
          : null,
    }),
    usage: t.field({
      type: [TokenUsageDayRef],
      description: 'Uses per UTC day by outcome, oldest first, the last `days` days (1–366) including today.',
      args: { days: t.arg.int({ defaultValue: 30 }) },
      // One entry per day (out-of-range values fail in the resolver, after the cost check).
      complexity: ({ days }) => ({ field: 1, multiplier: Math.min(Math.max(days ?? 30, 1), MAX_USAGE_DAYS) }),
      resolve: (token, { days }, ctx) => {
        const span = days ?? 30;
        if (span < 1 || span > MAX_USAGE_DAYS)
          throw validationError('days', `use a whole number from 1 to ${MAX_USAGE_DAYS}.`);
        return ctx.services.tokens.usage(ctx.em(), token.id, span);
      },
    }),
  }),
});

builder.objectField(TokenRef, 'children', (t) =>
  t.field({
    type: [TokenRef],
    description:
      'The tokens this token created (not their descendants), newest first, at most 100. Revoking this token revokes them all, transitively.',
    authScopes: { permission: 'tokens:read' },
    resolve: (token, _args, ctx) => ctx.services.tokens.listChildren(ctx.em(), ctx.caller(), token.id),
  }),
);

registerNode(TokenRef, {
  permission: () => 'tokens:read',
  load: (ctx, ids) => ctx.services.tokens.findOwnTokens(ctx.em(), ctx.caller(), ids),
});

export const TokenConnection = builder.connectionObject(
  { type: TokenRef, name: 'TokenConnection' },
  { name: 'TokenEdge' },
);

const CreateTokenInput = builder.inputType('CreateTokenInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1–100 characters.' }),
    description: t.string({ description: 'At most 500 characters.' }),
    expiresInDays: t.int({
      description: '1–3650. Leave out both expiry fields for a token that never expires.',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'A future instant, at most 3650 days ahead.' }),
    preset: t.field({ type: PermissionPresetEnum, required: true }),
    permissions: t.stringList({
      description: 'Only with CUSTOM: `resource:action` entries, or a resource name.',
    }),
    rateLimitPerMinute: t.int({ description: 'Default 120.' }),
    allowedCidrs: t.stringList({
      description: 'Up to 20 IPv4/IPv6 addresses or CIDR ranges the token may be used from.',
    }),
    notBefore: t.field({ type: 'DateTime', description: 'The token works from this instant on.' }),
    usageLimit: t.int({
      description: 'Credits: the token works for this many requests, then answers USAGE_EXHAUSTED.',
    }),
    usageRefill: t.field({ type: UsageRefillInput, description: 'Needs usageLimit.' }),
    organizationId: t.id({
      description:
        "Creates an organization token, owned by this organization: its OWNERs and ADMINs may (org-tokens:manage), within the organization's policy.",
    }),
  }),
});

const TightenTokenRestrictionsInput = builder.inputType('TightenTokenRestrictionsInput', {
  description:
    'Restrictions only narrow: a subset of the allowed ranges, a later notBefore, fewer credits. A restriction the token lacks may be added.',
  fields: (t) => ({
    allowedCidrs: t.stringList(),
    notBefore: t.field({ type: 'DateTime' }),
    usageLimit: t.int({ description: 'Also caps the credits left and the refill amount.' }),
  }),
});

const UpdateTokenInput = builder.inputType('UpdateTokenInput', {
  description:
    'Only name, description and the expiry-reminder switch can change: permissions and expiry are fixed at creation.',
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    expiryReminders: t.boolean({ description: 'false leaves this token out of expiry-reminder digests.' }),
  }),
});

const CreateTokenPayload = builder
  .objectRef<{ token: ApiToken; secret: string }>('CreateTokenPayload')
  .implement({
    fields: (t) => ({
      token: t.field({ type: TokenRef, resolve: (payload) => payload.token }),
      secret: t.exposeString('secret', { description: 'The token itself. Shown once: store it now.' }),
    }),
  });

builder.queryFields((t) => ({
  tokens: t.field({
    type: TokenConnection,
    description: "The caller's tokens (newest first unless `orderBy` says otherwise).",
    authScopes: { permission: 'tokens:read' },
    args: {
      status: t.arg({ type: TokenStatusEnum, description: 'Only this status (see also `statuses`).' }),
      statuses: t.arg({
        type: [TokenStatusEnum],
        description: 'Only these statuses, e.g. [ACTIVE, INACTIVE] to hide dead tokens. Not with `status`.',
      }),
      search: t.arg.string({
        description: `Part of the name, or the start of the display prefix; case-insensitive, at most ${MAX_SEARCH} characters.`,
      }),
      orderBy: t.arg({ type: TokenOrderEnum, defaultValue: 'CREATED_DESC' }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    complexity: ({ first }) => ({ field: 1, multiplier: pageCost(first) }),
    resolve: async (_parent, args, ctx) => {
      if (args.status && args.statuses)
        throw validationError('statuses', 'use `status` or `statuses`, not both.');
      if (args.search && args.search.length > MAX_SEARCH)
        throw validationError('search', `use at most ${MAX_SEARCH} characters.`);
      const page = await ctx.services.tokens.listTokens(ctx.em(), ctx.caller(), {
        statuses: args.status ? [args.status] : args.statuses,
        search: args.search,
        orderBy: args.orderBy,
        first: pageSize(args.first),
        afterId: afterCursor('tokens', args.after),
      });
      return connectionOf('tokens', page.tokens, page.hasNextPage);
    },
  }),
  token: t.field({
    type: TokenRef,
    nullable: true,
    description:
      "One of the caller's tokens, or a token of an organization where the caller is an OWNER or ADMIN; null for unknown ids and other accounts' tokens alike.",
    authScopes: (_parent, { id }, ctx) => tokenScope(ctx, id, 'read'),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_parent, { id }, ctx) => ctx.services.tokens.findToken(ctx.em(), ctx.caller(), String(id)),
  }),
}));

builder.mutationFields((t) => ({
  createToken: t.field({
    type: CreateTokenPayload,
    description:
      'Creates a token and returns its secret, once. With organizationId, an organization token (needs org-tokens:manage instead of tokens:create).',
    authScopes: (_parent, { input }) => ({
      permission: input.organizationId == null ? 'tokens:create' : 'org-tokens:manage',
    }),
    args: { input: t.arg({ type: CreateTokenInput, required: true }) },
    resolve: async (_parent, { input }, ctx) => {
      const created = await ctx.services.tokens.createToken(ctx.em(), ctx.caller(), {
        ...input,
        organizationId: input.organizationId == null ? null : String(input.organizationId),
      });
      ctx.rateLimited(created.rateLimit);
      return created;
    },
  }),
  updateToken: t.field({
    type: TokenRef,
    authScopes: (_parent, { id }, ctx) => tokenScope(ctx, id, 'update'),
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTokenInput, required: true }) },
    resolve: (_parent, { id, input }, ctx) =>
      ctx.services.tokens.updateToken(ctx.em(), ctx.caller(), String(id), input),
  }),
  tightenTokenRestrictions: t.field({
    type: TokenRef,
    description: "Adds or narrows a token's restrictions (never loosens); takes effect on the next request.",
    authScopes: (_parent, { id }, ctx) => tokenScope(ctx, id, 'update'),
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: TightenTokenRestrictionsInput, required: true }),
    },
    resolve: (_parent, { id, input }, ctx) =>
      ctx.services.tokens.tightenTokenRestrictions(ctx.em(), ctx.caller(), String(id), input),
  }),
  setTokenActive: t.field({
    type: TokenRef,
    description:
      "Deactivates or reactivates a token; takes effect on the next request. An organization's tokens: its OWNERs and ADMINs (org-tokens:manage).",
    authScopes: (_parent, { id }, ctx) => tokenScope(ctx, id, 'update'),
    args: { id: t.arg.id({ required: true }), active: t.arg.boolean({ required: true }) },
    resolve: (_parent, { id, active }, ctx) =>
      ctx.services.tokens.setTokenActive(ctx.em(), ctx.caller(), String(id), active),
  }),
  revokeToken: t.field({
    type: TokenRef,
    description:
      "Revokes a token for good (idempotent); takes effect on the next request. An organization's OWNERs and ADMINs may revoke its tokens and, from its inventory, its members' personal tokens that reach it (the owner is told by mail).",
    authScopes: (_parent, { id }, ctx) => tokenScope(ctx, id, 'revoke'),
    args: { id: t.arg.id({ required: true }) },
    resolve: (_parent, { id }, ctx) => ctx.services.tokens.revokeToken(ctx.em(), ctx.caller(), String(id)),
  }),
}));
