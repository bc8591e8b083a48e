import { infiniteQueryOptions, keepPreviousData } from '@tanstack/react-query';
import { graphql, type ResultOf, request, type VariablesOf } from '../../lib/graphql';

/** What an inventory row shows: whose token it is, what it may do, its use, expiry and policy. */
export const InventoryTokenFields = graphql(`
  fragment InventoryTokenFields on Token {
    id name displayPrefix preset permissions status active expiresAt revokedAt createdAt lastUsedAt
    owner { id email name }
    organization { id slug name }
    outOfPolicy
  }
`);

export type InventoryToken = ResultOf<typeof InventoryTokenFields>;

const organizationInventoryDocument = graphql(
  `
  query OrganizationTokenInventory($slug: String!, $first: Int, $after: String) {
    organizationTokenInventory(slug: $slug, first: $first, after: $after) {
      edges { cursor node { ...InventoryTokenFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [InventoryTokenFields],
);

const adminTokensDocument = graphql(
  `
  query AdminTokens($first: Int, $after: String, $filter: AdminTokenFilter) {
    adminTokens(first: $first, after: $after, filter: $filter) {
      edges { cursor node { ...InventoryTokenFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [InventoryTokenFields],
);

export type AdminTokenFilter = NonNullable<VariablesOf<typeof adminTokensDocument>['filter']>;

/** Revokes a token listed in an organization's inventory (its own, or a member's personal token). */
export const revokeInventoryTokenMutation = graphql(`
  mutation RevokeInventoryToken($id: ID!) { revokeToken(id: $id) { id status } }
`);

/** A site admin revokes any token on the server (audited with the admin as the actor). */
export const adminRevokeTokenMutation = graphql(`
  mutation AdminRevokeToken($id: ID!) { adminRevokeToken(id: $id) { id status } }
`);

const PAGE_SIZE = 50;

/**
 * Cache keys: both inventories start with `tokens` (so any token change refreshes them, as it does
 * the token lists) and then `inventory`.
 */
export const inventoryKeys = {
  all: ['tokens', 'inventory'] as const,
  organization: (slug: string) => ['tokens', 'inventory', 'organization', slug] as const,
  admin: (filter: AdminTokenFilter) => ['tokens', 'inventory', 'admin', filter] as const,
};

/** An organization's tokens and its members' personal tokens that reach it, 50 at a time. */
export const organizationInventoryQuery = (slug: string) =>
  infiniteQueryOptions({
    queryKey: inventoryKeys.organization(slug),
    queryFn: async ({ pageParam }) =>
      (await request(organizationInventoryDocument, { slug, first: PAGE_SIZE, after: pageParam }))
        .organizationTokenInventory,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.pageInfo.hasNextPage ? last.pageInfo.endCursor : null),
  });

/** Every token on the server that matches the filter, 50 at a time (site admins). */
export const adminTokensQuery = (filter: AdminTokenFilter) =>
  infiniteQueryOptions({
    queryKey: inventoryKeys.admin(filter),
    queryFn: async ({ pageParam }) =>
      (await request(adminTokensDocument, { filter, first: PAGE_SIZE, after: pageParam })).adminTokens,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.pageInfo.hasNextPage ? last.pageInfo.endCursor : null),
    placeholderData: keepPreviousData,
  });
