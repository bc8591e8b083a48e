import { validationError } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import { PermissionPresetEnum } from '../permissions/permissions.graphql.js';
import { TokenConnection, TokenRef, TokenStatusEnum } from './tokens.graphql.js';

const MAX_EMAIL = 254;
const MAX_SLUG = 40;

const AdminTokenFilter = builder.inputType('AdminTokenFilter', {
  description: 'Every filter given narrows the list.',
  fields: (t) => ({
    ownerEmail: t.string({
      description: "The owner's email, exactly (case-insensitive): their personal tokens.",
    }),
    organizationSlug: t.string({ description: "The organization's own tokens." }),
    status: t.field({ type: TokenStatusEnum }),
    lastUsedBefore: t.field({
      type: 'DateTime',
      description: 'Last used before this instant; a never-used token counts from its creation.',
    }),
    expiresBefore: t.field({
      type: 'DateTime',
      description: 'Expires before this instant; tokens that never expire are left out.',
    }),
    preset: t.field({ type: PermissionPresetEnum }),
    outOfPolicy: t.boolean({
      description:
        'true: tokens breaking an organization policy (Token.outOfPolicy not empty); false: the others.',
    }),
  }),
});

builder.queryField('adminTokens', (t) =>
  t.field({
    type: TokenConnection,
    description: 'Every token on the server, newest first (site admins).',
    authScopes: { permission: 'admin-tokens:read' },
    args: { first: t.arg.int(), after: t.arg.string(), filter: t.arg({ type: AdminTokenFilter }) },
    complexity: ({ first }) => ({ field: 1, multiplier: pageCost(first) }),
    resolve: async (_parent, args, ctx) => {
      const filter = args.filter ?? {};
      if (filter.ownerEmail && filter.ownerEmail.length > MAX_EMAIL)
        throw validationError('filter.ownerEmail', `use at most ${MAX_EMAIL} characters.`);
      if (filter.organizationSlug && filter.organizationSlug.length > MAX_SLUG)
        throw validationError('filter.organizationSlug', `use at most ${MAX_SLUG} characters.`);
      const page = await ctx.services.adminTokens.listTokens(ctx.em(), ctx.caller(), filter, {
        first: pageSize(args.first),
        afterId: afterCursor('admin-tokens', args.after),
      });
      return connectionOf('admin-tokens', page.tokens, page.hasNextPage);
    },
  }),
);

builder.mutationField('adminRevokeToken', (t) =>
  t.field({
    type: TokenRef,
    description:
      'Revokes any token and the tokens it created (site admins); audited with the admin as actor, its owner told by mail. Idempotent.',
    authScopes: { permission: 'admin-tokens:manage' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_parent, { id }, ctx) =>
      ctx.services.adminTokens.revokeToken(ctx.em(), ctx.caller(), String(id)),
  }),
);
