import { useState } from 'react';
import { ErrorAlert, Loading } from '../../components/messages';
import { RelativeTime } from '../../components/relative-time';
import { request, toApiError } from '../../lib/graphql';
import { Link } from '../../lib/router';
import { useQuery } from '../../lib/use-query';
import { useSignedInViewer } from '../../lib/viewer';
import { ActorLabel } from './actor-label';
import { type AuditEvent, auditEventsQuery } from './audit.operations';
import { actionLabels, detailLabel } from './audit-labels';

const PAGE_SIZE = 20;

type AuditListProps = { tokenId?: string; caption: string; emptyText: string };

/** Audit events, newest first, one page at a time (`Load more`). */
export function AuditList({ tokenId, caption, emptyText }: AuditListProps) {
  const viewer = useSignedInViewer();
  const variables = { tokenId: tokenId ?? null, first: PAGE_SIZE, after: null };
  const { data, error, loading, setData } = useQuery(auditEventsQuery, variables);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  const loadMore = async () => {
    const after = data?.auditEvents.pageInfo.endCursor;
    if (!after || loadingMore) return;
    setLoadingMore(true);
    setMoreError(null);
    try {
      const next = await request(auditEventsQuery, { ...variables, after });
      setData(
        (current) =>
          current && {
            auditEvents: {
              edges: [...current.auditEvents.edges, ...next.auditEvents.edges],
              pageInfo: next.auditEvents.pageInfo,
            },
          },
      );
    } catch (failure) {
      setMoreError(toApiError(failure).message);
    } finally {
      setLoadingMore(false);
    }
  };

  if (error) return <ErrorAlert message={error.message} />;
  if (loading && !data) return <Loading label="Loading events…" />;
  const events = data?.auditEvents.edges.map((edge) => edge.node) ?? [];
  if (events.length === 0) return <p className="muted">{emptyText}</p>;

  return (
    <>
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Event</th>
              <th scope="col">By</th>
              <th scope="col">Target</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <AuditRow key={event.id} event={event} viewerId={viewer.id} tokenId={tokenId} />
            ))}
          </tbody>
        </table>
      </div>
      <ErrorAlert message={moreError} />
      {data?.auditEvents.pageInfo.hasNextPage ? (
        <button type="button" className="button load-more" onClick={loadMore} aria-busy={loadingMore}>
          Load more
        </button>
      ) : null}
    </>
  );
}

type AuditRowProps = { event: AuditEvent; viewerId: string; tokenId: string | undefined };

function AuditRow({ event, viewerId, tokenId }: AuditRowProps) {
  const label = actionLabels[event.action];
  const detail = detailLabel(event.detail);
  return (
    <tr>
      <td>
        <RelativeTime value={event.createdAt} />
      </td>
      <td>
        {label ? <span className="event-label">{label}</span> : null}
        <code>{event.action}</code>
        {detail ? <span className="event-detail"> ({detail})</span> : null}
      </td>
      <td>
        <ActorLabel actor={event.actor} viewerId={viewerId} />
      </td>
      <td>
        <AuditTarget event={event} tokenId={tokenId} viewerId={viewerId} />
      </td>
      <td>
        {event.ip ?? '—'}
        {event.userAgent ? (
          <span className="user-agent" title={event.userAgent}>
            {event.userAgent}
          </span>
        ) : null}
      </td>
    </tr>
  );
}

type AuditTargetProps = { event: AuditEvent; tokenId: string | undefined; viewerId: string };

function AuditTarget({ event, tokenId, viewerId }: AuditTargetProps) {
  if (!event.targetId) return <>—</>;
  if (event.targetId === tokenId) return <>This token</>;
  if (event.targetId === viewerId) return <>Your account</>;
  if (event.action.startsWith('token.')) {
    return <Link to={`/tokens/${encodeURIComponent(event.targetId)}`}>View token</Link>;
  }
  return <code className="target-id">{event.targetId}</code>;
}
