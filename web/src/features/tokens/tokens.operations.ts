import { type InfiniteData, infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf, request, type VariablesOf } from '../../lib/graphql';

/** The fields the tokens table shows. */
export const TokenSummaryFields = graphql(`
  fragment TokenSummaryFields on Token {
    id name description displayPrefix preset status active expiresAt revokedAt createdAt lastUsedAt
  }
`);

export const TokenDetailFields = graphql(
  `
  fragment TokenDetailFields on Token {
    ...TokenSummaryFields
    permissions effectivePermissions lastUsedIp createdBy
    creator { type id name }
    rateLimitPerMinute
    children { id name status }
  }
`,
  [TokenSummaryFields],
);

export type TokenSummary = ResultOf<typeof TokenSummaryFields>;
export type TokenDetail = ResultOf<typeof TokenDetailFields>;
export type TokenStatus = TokenSummary['status'];
export type PermissionPreset = TokenSummary['preset'];

const tokensDocument = graphql(
  `
  query Tokens($first: Int, $after: String) {
    tokens(first: $first, after: $after) {
      edges { cursor node { ...TokenSummaryFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [TokenSummaryFields],
);

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

/** Cache keys: every token query starts with `tokens`, so one invalidation reaches them all. */
export const tokenKeys = {
  all: ['tokens'] as const,
  list: ['tokens', 'list'] as const,
  detail: (id: string) => ['tokens', 'detail', id] as const,
};

/** The tokens table, newest first, one page of 50 at a time (`Load more`). */
export const tokensQuery = infiniteQueryOptions({
  queryKey: tokenKeys.list,
  queryFn: ({ pageParam }) => request(tokensDocument, { first: PAGE_SIZE, after: pageParam }),
  initialPageParam: null as string | null,
  getNextPageParam: (last) => (last.tokens.pageInfo.hasNextPage ? last.tokens.pageInfo.endCursor : null),
});

/** The tokens table's cache entry: the pages loaded so far. */
export type TokenPages = InfiniteData<ResultOf<typeof tokensDocument>, string | null>;

export const tokenQuery = (id: string) =>
  queryOptions({ queryKey: tokenKeys.detail(id), queryFn: () => request(tokenDocument, { id }) });

/** What a token can be granted; it changes only when the server is upgraded. */
export const permissionCatalogueQuery = queryOptions({
  queryKey: ['permissionCatalogue'],
  queryFn: () => request(permissionCatalogueDocument, {}),
  staleTime: 5 * 60_000,
});
