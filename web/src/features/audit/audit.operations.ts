import { infiniteQueryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf, request } from '../../lib/graphql';

const auditEventsDocument = graphql(`
  query AuditEvents($tokenId: ID, $first: Int, $after: String) {
    auditEvents(tokenId: $tokenId, first: $first, after: $after) {
      edges { cursor node { id action actor { type id name } targetId ip userAgent detail createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export type AuditEvent = ResultOf<typeof auditEventsDocument>['auditEvents']['edges'][number]['node'];
export type AuditActor = AuditEvent['actor'];

const PAGE_SIZE = 20;

/** Cache keys: any change to a token or the account invalidates `audit`, every list at once. */
export const auditKeys = {
  all: ['audit'] as const,
  list: (tokenId: string | null) => ['audit', { tokenId }] as const,
};

/** Audit events, newest first (optionally one token's), 20 at a time. */
export const auditEventsQuery = (tokenId: string | null) =>
  infiniteQueryOptions({
    queryKey: auditKeys.list(tokenId),
    queryFn: ({ pageParam }) => request(auditEventsDocument, { tokenId, first: PAGE_SIZE, after: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) =>
      last.auditEvents.pageInfo.hasNextPage ? last.auditEvents.pageInfo.endCursor : null,
  });
