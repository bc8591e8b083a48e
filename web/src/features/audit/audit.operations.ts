import { infiniteQueryOptions, keepPreviousData, queryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf, request } from '../../lib/graphql';

const auditEventsDocument = graphql(`
  query AuditEvents($tokenId: ID, $action: String, $first: Int, $after: String) {
    auditEvents(tokenId: $tokenId, action: $action, first: $first, after: $after) {
      edges {
        cursor
        node {
          id action actor { type id name } targetId target { type id name } ip userAgent detail createdAt
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export type AuditEvent = ResultOf<typeof auditEventsDocument>['auditEvents']['edges'][number]['node'];
export type AuditActor = AuditEvent['actor'];
export type AuditTarget = NonNullable<AuditEvent['target']>;

/** Which events a list shows: about one token, of one action (`token.revoke`) or resource (`token.*`). */
export type AuditFilter = { tokenId?: string | undefined; action?: string | undefined };

const PAGE_SIZE = 20;

/** Cache keys: any change to a token or the account invalidates `audit`, every list at once. */
export const auditKeys = {
  all: ['audit'] as const,
  list: ({ tokenId, action }: AuditFilter) =>
    ['audit', { tokenId: tokenId ?? null, action: action ?? null }] as const,
};

/** Audit events, newest first, 20 at a time; a changed filter keeps the previous rows until it answers. */
export const auditEventsQuery = (filter: AuditFilter) =>
  infiniteQueryOptions({
    queryKey: auditKeys.list(filter),
    queryFn: ({ pageParam }) =>
      request(auditEventsDocument, {
        tokenId: filter.tokenId ?? null,
        action: filter.action ?? null,
        first: PAGE_SIZE,
        after: pageParam,
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) =>
      last.auditEvents.pageInfo.hasNextPage ? last.auditEvents.pageInfo.endCursor : null,
    placeholderData: keepPreviousData,
  });

const tokenChoicesDocument = graphql(`
  query AuditTokenChoices {
    tokens(first: 100) { edges { node { id name displayPrefix status } } }
  }
`);

export type TokenChoice = ResultOf<typeof tokenChoicesDocument>['tokens']['edges'][number]['node'];

/** The caller's tokens (revoked ones too: their history stays), newest first, for the token filter. */
export const tokenChoicesQuery = queryOptions({
  queryKey: ['tokens', 'choices'] as const,
  queryFn: async () => (await request(tokenChoicesDocument, {})).tokens.edges.map((edge) => edge.node),
});

/** `resource.verb` or `resource.*`, as the server accepts them (anything else is left out of the URL). */
const ACTION_FILTER = /^[a-z][a-z_]{0,40}\.([a-z][a-z_]{0,40}|\*)$/;

/** The audit page's search params: `?action=token.*&token=<id>`. */
export const auditSearch = (search: Record<string, unknown>): { action?: string; token?: string } => {
  const result: { action?: string; token?: string } = {};
  if (typeof search.action === 'string' && ACTION_FILTER.test(search.action)) result.action = search.action;
  if (typeof search.token === 'string' && /^[0-9a-f-]{36}$/i.test(search.token)) result.token = search.token;
  return result;
};
