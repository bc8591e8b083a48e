import { type InfiniteData, infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { ApiError, graphql, type ResultOf, request, type VariablesOf } from '../../lib/graphql';

/** The fields the tokens table shows. */
export const TokenSummaryFields = graphql(`
  fragment TokenSummaryFields on Token {
    id name description displayPrefix preset permissions status active expiresAt revokedAt createdAt lastUsedAt
    notBefore
    creator { type id name }
    organization { id slug name }
  }
`);

export const TokenDetailFields = graphql(
  `
  fragment TokenDetailFields on Token {
    ...TokenSummaryFields
    effectivePermissions lastUsedIp createdBy
    rateLimitPerMinute
    allowedCidrs usageLimit usageRemaining usageRefill { amount interval }
    expiryReminders
    permissionUsage { permission lastUsedAt count }
    presetDrift
    rotation {
      successorId successorDisplayPrefix rotatedAt graceEndsAt oldSecretUses oldSecretLastUsedAt oldSecretLastUsedIp
    }
    children { id name status }
  }
`,
  [TokenSummaryFields],
);

export type TokenSummary = ResultOf<typeof TokenSummaryFields>;
export type TokenDetail = ResultOf<typeof TokenDetailFields>;
export type TokenStatus = TokenSummary['status'];
export type PermissionPreset = TokenSummary['preset'];
export type TokenCreator = TokenSummary['creator'];

const tokensDocument = graphql(
  `
  query Tokens(
    $first: Int, $after: String, $statuses: [TokenStatus!], $search: String, $orderBy: TokenOrder
  ) {
    tokens(first: $first, after: $after, statuses: $statuses, search: $search, orderBy: $orderBy) {
      edges { cursor node { ...TokenSummaryFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [TokenSummaryFields],
);

export type TokenOrder = NonNullable<VariablesOf<typeof tokensDocument>['orderBy']>;

/** What a token list asks the server for (built from the URL by token-list-search.ts). */
export type TokenListFilter = { statuses: TokenStatus[]; search: string | null; orderBy: TokenOrder };

/** An organization's tokens (owners and admins), with the personal list's filters. */
const organizationTokensDocument = graphql(
  `
  query OrganizationTokens(
    $slug: String!, $first: Int, $after: String, $statuses: [TokenStatus!], $search: String, $orderBy: TokenOrder
  ) {
    organization(slug: $slug) {
      id
      tokens(first: $first, after: $after, statuses: $statuses, search: $search, orderBy: $orderBy) {
        edges { cursor node { ...TokenSummaryFields } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`,
  [TokenSummaryFields],
);

/** Whether the account has any token at all, whatever its status (the list's empty state). */
const anyTokenDocument = graphql(`
  query AnyToken { tokens(first: 1) { edges { node { id } } } }
`);

const anyOrganizationTokenDocument = graphql(`
  query AnyOrganizationToken($slug: String!) {
    organization(slug: $slug) { id tokens(first: 1) { edges { node { id } } } }
  }
`);

/**
 * Whose tokens a list shows: the viewer's own (null) or an organization's. Lists of every scope
 * share the cache's `tokens` keys, so a token changed anywhere is patched wherever it is listed.
 */
export type TokenScope = { id: string; slug: string } | null;

const tokenDocument = graphql(
  `
  query Token($id: ID!) { token(id: $id) { ...TokenDetailFields } }
`,
  [TokenDetailFields],
);

const permissionCatalogueDocument = graphql(`
  query PermissionCatalogue {
    permissionCatalogue { name description actions { name permission description adminOnly presets } }
  }
`);

export type PermissionResource = ResultOf<typeof permissionCatalogueDocument>['permissionCatalogue'][number];

export const createTokenMutation = graphql(
  `
  mutation CreateToken($input: CreateTokenInput!) {
    createToken(input: $input) { secret token { ...TokenSummaryFields } }
  }
`,
  [TokenSummaryFields],
);

export type CreateTokenInput = VariablesOf<typeof createTokenMutation>['input'];
export type CreatedToken = ResultOf<typeof createTokenMutation>['createToken'];

export const updateTokenMutation = graphql(
  `
  mutation UpdateToken($id: ID!, $input: UpdateTokenInput!) {
    updateToken(id: $id, input: $input) { ...TokenDetailFields }
  }
`,
  [TokenDetailFields],
);

export type UpdateTokenInput = VariablesOf<typeof updateTokenMutation>['input'];

export const tightenTokenRestrictionsMutation = graphql(
  `
  mutation TightenTokenRestrictions($id: ID!, $input: TightenTokenRestrictionsInput!) {
    tightenTokenRestrictions(id: $id, input: $input) { ...TokenDetailFields }
  }
`,
  [TokenDetailFields],
);

export type TightenTokenRestrictionsInput = VariablesOf<typeof tightenTokenRestrictionsMutation>['input'];

export const rotateTokenMutation = graphql(
  `
  mutation RotateToken($id: ID!, $input: RotateTokenInput!) {
    rotateToken(id: $id, input: $input) {
      secret
      token { ...TokenSummaryFields }
      rotatedToken { ...TokenDetailFields }
    }
  }
`,
  [TokenSummaryFields, TokenDetailFields],
);

export type RotateTokenInput = VariablesOf<typeof rotateTokenMutation>['input'];
export type RotatedToken = ResultOf<typeof rotateTokenMutation>['rotateToken'];
export type TokenRotation = NonNullable<TokenDetail['rotation']>;
export type PermissionUsage = TokenDetail['permissionUsage'][number];

export const setTokenActiveMutation = graphql(
  `
  mutation SetTokenActive($id: ID!, $active: Boolean!) {
    setTokenActive(id: $id, active: $active) { ...TokenDetailFields }
  }
`,
  [TokenDetailFields],
);

export const revokeTokenMutation = graphql(
  `
  mutation RevokeToken($id: ID!) { revokeToken(id: $id) { ...TokenDetailFields } }
`,
  [TokenDetailFields],
);

const PAGE_SIZE = 50;

/**
 * Cache keys: every token query starts with `tokens`, so one invalidation reaches them all; every
 * filtered list is `['tokens', 'list', filter, organizationId]` (null: the viewer's own tokens).
 */
export const tokenKeys = {
  all: ['tokens'] as const,
  lists: ['tokens', 'list'] as const,
  list: (filter: TokenListFilter, scope: TokenScope = null) =>
    ['tokens', 'list', filter, scope?.id ?? null] as const,
  any: (scope: TokenScope = null) => ['tokens', 'any', scope?.id ?? null] as const,
  detail: (id: string) => ['tokens', 'detail', id] as const,
};

/** One page of a token list, whoever's tokens it lists. */
type TokenPage = ResultOf<typeof tokensDocument>;

/** An organization that is gone, or that the viewer left, answers null: its list fails as not found. */
const organizationGone = (): never => {
  throw new ApiError('This organization is not one of yours, or no longer exists.', 'NOT_FOUND', 200);
};

/** One page of 50 of a scope's tokens. */
async function tokenPage(
  scope: TokenScope,
  variables: TokenListFilter & { first: number; after: string | null },
): Promise<TokenPage> {
  if (!scope) return request(tokensDocument, variables);
  const data = await request(organizationTokensDocument, { ...variables, slug: scope.slug });
  return { tokens: data.organization?.tokens ?? organizationGone() };
}

/** The tokens table for one scope, filter, search and sort, one page of 50 at a time (`Load more`). */
export const tokensQuery = (filter: TokenListFilter, scope: TokenScope = null) =>
  infiniteQueryOptions({
    queryKey: tokenKeys.list(filter, scope),
    queryFn: ({ pageParam }) => tokenPage(scope, { ...filter, first: PAGE_SIZE, after: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.tokens.pageInfo.hasNextPage ? last.tokens.pageInfo.endCursor : null),
  });

/** Whether the scope has any token at all, whatever its status (the list's empty state). */
export const anyTokenQuery = (scope: TokenScope = null) =>
  queryOptions({
    queryKey: tokenKeys.any(scope),
    queryFn: async () => {
      if (!scope) return (await request(anyTokenDocument, {})).tokens.edges.length > 0;
      const data = await request(anyOrganizationTokenDocument, { slug: scope.slug });
      return (data.organization?.tokens ?? organizationGone()).edges.length > 0;
    },
  });

/** The tokens table's cache entry: the pages loaded so far. */
export type TokenPages = InfiniteData<TokenPage, string | null>;

export const tokenQuery = (id: string) =>
  queryOptions({ queryKey: tokenKeys.detail(id), queryFn: () => request(tokenDocument, { id }) });

/** What a token can be granted; it changes only when the server is upgraded. */
export const permissionCatalogueQuery = queryOptions({
  queryKey: ['permissionCatalogue'],
  queryFn: () => request(permissionCatalogueDocument, {}),
  staleTime: 5 * 60_000,
});
