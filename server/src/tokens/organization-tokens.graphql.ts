import { validationError } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { afterCursor, connectionOf, pageCost, pageSize } from '../graphql/pagination.js';
import { Organization } from '../organizations/organizations.entity.js';
import { OrganizationRef, OrganizationSummaryRef } from '../organizations/organizations.graphql.js';
import { MAX_SEARCH, TokenConnection, TokenOrderEnum, TokenRef, TokenStatusEnum } from './tokens.graphql.js';

// Organization tokens on the schema (docs/architecture.md, "Organization tokens"): the token's
// organization, and an organization's own tokens for its OWNERs and ADMINs.

builder.objectField(TokenRef, 'organization', (t) =>
  t.field({
    type: OrganizationSummaryRef,
    nullable: true,
    description: 'The organization that owns this token; null for a personal token.',
    resolve: async (token, _args, ctx) => {
      if (token.organization === null) return null;
      const organization = await ctx.em().findOne(Organization, { id: token.organization });
      return organization ? { id: organization.id, slug: organization.slug, name: organization.name } : null;
    },
  }),
);

builder.objectField(OrganizationRef, 'tokens', (t) =>
  t.field({
    type: TokenConnection,
    description:
      "The organization's own tokens (newest first unless `orderBy` says otherwise): for its OWNERs and ADMINs; a MEMBER is FORBIDDEN.",
    authScopes: { permission: 'org-tokens:read' },
    args: {
      statuses: t.arg({ type: [TokenStatusEnum], description: 'Only these statuses.' }),
      search: t.arg.string({
        description: `Part of the name, or the start of the display prefix; case-insensitive, at most ${MAX_SEARCH} characters.`,
      }),
      orderBy: t.arg({ type: TokenOrderEnum, defaultValue: 'CREATED_DESC' }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    complexity: ({ first }) => ({ field: 1, multiplier: pageCost(first) }),
    resolve: async (organization, args, ctx) => {
      if (args.search && args.search.length > MAX_SEARCH)
        throw validationError('search', `use at most ${MAX_SEARCH} characters.`);
      const page = await ctx.services.tokens.listTokens(ctx.em(), ctx.caller(), {
        organizationId: organization.id,
        statuses: args.statuses,
        search: args.search,
        orderBy: args.orderBy,
        first: pageSize(args.first),
        afterId: afterCursor('tokens', args.after),
      });
      return connectionOf('tokens', page.tokens, page.hasNextPage);
    },
  }),
);
