import { builder } from '../graphql/builder.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import { TokenConnection } from '../tokens/tokens.graphql.js';

builder.queryField('organizationTokenInventory', (t) =>
  t.field({
    type: TokenConnection,
    description:
      "Every token that can act on the organization, newest first: its own tokens and its members' personal tokens that reach it (revoked ones left out). Owners and admins.",
    authScopes: { permission: 'org-tokens:read' },
    args: { slug: t.arg.string({ required: true }), first: t.arg.int(), after: t.arg.string() },
    complexity: ({ first }) => ({ field: 1, multiplier: pageCost(first) }),
    resolve: async (_parent, args, ctx) => {
      const page = await ctx.services.tokenInventory.listInventory(ctx.em(), ctx.caller(), args.slug, {
        first: pageSize(args.first),
        afterId: afterCursor('token-inventory', args.after),
      });
      return connectionOf('token-inventory', page.tokens, page.hasNextPage);
    },
  }),
);
