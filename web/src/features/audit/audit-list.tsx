import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { LoadMoreButton } from '../../components/load-more';
import { ErrorAlert, Loading } from '../../components/messages';
import { RelativeTime } from '../../components/relative-time';
import { browserName } from '../../lib/browser-name';
import { printable } from '../../lib/printable';
import { useSignedInViewer } from '../../lib/viewer';
import { ActorLabel } from './actor-label';
import { type AuditEvent, type AuditFilter, auditEventsQuery } from './audit.operations';
import { actionLabels, detailLabel } from './audit-labels';

type AuditListProps = AuditFilter & {
  caption: string;
  /** Shown instead of the table when nothing matches (a string becomes a muted paragraph). */
  emptyText: ReactNode;
};

/**
 * Audit events, newest first, one page at a time (`Load more`). On a phone each row is a card
 * whose cells carry their column's name.
 */
export function AuditList({ tokenId, action, caption, emptyText }: AuditListProps) {
  const viewer = useSignedInViewer();
  const query = useInfiniteQuery(auditEventsQuery({ tokenId, action }));

  if (query.isPending) return <Loading label="Loading events…" />;
  if (query.isError && !query.data) return <ErrorAlert message={query.error.message} />;
  const events = query.data.pages.flatMap((page) => page.auditEvents.edges.map((edge) => edge.node));
  if (events.length === 0)
    return (
      <div aria-busy={query.isPlaceholderData || undefined}>
        {typeof emptyText === 'string' ? <p className="muted">{emptyText}</p> : emptyText}
      </div>
    );

  return (
    <div aria-busy={query.isPlaceholderData || undefined} className="audit-events">
      <div className="table-wrap">
        <table className="table table-cards">
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
    </div>
  );
}

type AuditRowProps = { event: AuditEvent; viewerId: string; tokenId: string | undefined };

function AuditRow({ event, viewerId, tokenId }: AuditRowProps) {
  const label = actionLabels[event.action];
  const detail = detailLabel(event.detail);
  return (
    <tr>
      <td data-label="When">
        <RelativeTime value={event.createdAt} />
      </td>
      <td data-label="Event">
        {label ? <span className="event-label">{label}</span> : null}
        <code>{event.action}</code>
        {detail ? <span className="event-detail"> ({detail})</span> : null}
      </td>
      <td data-label="By">
        <ActorLabel actor={event.actor} viewerId={viewerId} />
      </td>
      <td data-label="Target">
        <AuditTargetLabel event={event} tokenId={tokenId} viewerId={viewerId} />
      </td>
      <td data-label="From">
        {event.ip ?? '—'}
        {event.userAgent ? (
          <span className="user-agent" title={event.userAgent}>
            {printable(browserName(event.userAgent))}
          </span>
        ) : null}
      </td>
    </tr>
  );
}

type AuditTargetProps = { event: AuditEvent; tokenId: string | undefined; viewerId: string };

/** What the event is about, by name: "This token", a link to a token, "Your account". */
function AuditTargetLabel({ event, tokenId, viewerId }: AuditTargetProps) {
  const target = event.target;
  if (!target?.id) return <>—</>;
  if (target.id === tokenId) return <>This token</>;
  switch (target.type) {
    case 'account':
      return <>{target.id === viewerId ? 'Your account' : printable(target.name ?? 'Another account')}</>;
    case 'token':
      // No name: the token is not the caller's (an admin reading another account's events).
      return target.name ? (
        <>
          Token{' '}
          <Link to="/tokens/$id" params={{ id: target.id }}>
            {printable(target.name)}
          </Link>
        </>
      ) : (
        <>
          Token <code className="target-id">{target.id}</code>
        </>
      );
    default:
      return <code className="target-id">{target.id}</code>;
  }
}
