import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { LoadMoreButton } from '../../components/load-more';
import { ErrorAlert, Loading } from '../../components/messages';
import { RelativeTime } from '../../components/relative-time';
import { useSignedInViewer } from '../../lib/viewer';
import { ActorLabel } from './actor-label';
import { type AuditEvent, auditEventsQuery } from './audit.operations';
import { actionLabels, detailLabel } from './audit-labels';

type AuditListProps = { tokenId?: string; caption: string; emptyText: string };

/** Audit events, newest first, one page at a time (`Load more`). */
export function AuditList({ tokenId, caption, emptyText }: AuditListProps) {
  const viewer = useSignedInViewer();
  const query = useInfiniteQuery(auditEventsQuery(tokenId ?? null));

  if (query.isPending) return <Loading label="Loading events…" />;
  if (query.isError && !query.data) return <ErrorAlert message={query.error.message} />;
  const events = query.data.pages.flatMap((page) => page.auditEvents.edges.map((edge) => edge.node));
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
      <ErrorAlert message={query.isFetchNextPageError ? query.error?.message : null} />
      {query.hasNextPage ? (
        <LoadMoreButton onClick={() => query.fetchNextPage()} loading={query.isFetchingNextPage} />
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
    return (
      <Link to="/tokens/$id" params={{ id: event.targetId }}>
        View token
      </Link>
    );
  }
  return <code className="target-id">{event.targetId}</code>;
}
