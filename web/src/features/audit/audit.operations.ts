import { operation } from '../../lib/graphql';
import type { AuditActor, PageInfo } from '../tokens/tokens.operations';

export type AuditEvent = {
  id: string;
  action: string;
  actor: AuditActor;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** A short note, e.g. why a login failed; never a secret. */
  detail: string | null;
  createdAt: string;
};

export const auditEventsQuery = operation<
  { auditEvents: { edges: { cursor: string; node: AuditEvent }[]; pageInfo: PageInfo } },
  { tokenId: string | null; first: number; after: string | null }
>(`query AuditEvents($tokenId: ID, $first: Int, $after: String) {
  auditEvents(tokenId: $tokenId, first: $first, after: $after) {
    edges { cursor node { id action actor { type id name } targetId ip userAgent detail createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}`);
