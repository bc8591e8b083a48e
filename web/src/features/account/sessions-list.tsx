import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import { ErrorAlert, Loading, StatusMessage } from '../../components/messages';
import { RelativeTime } from '../../components/relative-time';
import { browserName } from '../../lib/browser-name';
import { request } from '../../lib/graphql';
import { printable } from '../../lib/printable';
import { auditKeys } from '../audit/audit.operations';
import { endSessionMutation, sessionKeys, sessionsQuery, type WebSession } from './account.operations';

/**
 * The viewer's web sessions, this browser first and marked, with `End session` for every other one
 * (this browser's is never offered: logging out is the header's Log out).
 */
export function SessionsList() {
  const client = useQueryClient();
  const query = useQuery(sessionsQuery);
  const statusRef = useRef<HTMLDivElement>(null);
  const [ended, setEnded] = useState<string | null>(null);
  const end = useMutation({
    mutationFn: (session: WebSession) => request(endSessionMutation, { id: session.id }),
    onMutate: () => setEnded(null),
    onSuccess: (_result, session) => {
      setEnded(`Ended the session of ${printable(browserName(session.userAgent))}: it is logged out.`);
      // Its button is gone: keep the keyboard in this section, on the message that says what happened.
      window.setTimeout(() => statusRef.current?.focus(), 0);
      void client.invalidateQueries({ queryKey: sessionKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
  });

  if (query.isPending) return <Loading label="Loading sessions…" />;
  if (query.isError && !query.data) return <ErrorAlert message={query.error.message} />;
  const sessions = [...(query.data.viewer?.sessions ?? [])].sort(
    (a, b) => Number(b.current) - Number(a.current),
  );
  const others = sessions.filter((session) => !session.current).length;
  return (
    <>
      <p className="muted">
        {others === 0
          ? 'You are logged in in this browser only.'
          : `You are logged in in this browser and ${others} other ${others === 1 ? 'place' : 'places'}. End any you don't recognise.`}
      </p>
      <div ref={statusRef} tabIndex={-1} className="focus-target">
        {ended ? <StatusMessage>{ended}</StatusMessage> : null}
        <ErrorAlert message={end.error?.message} />
      </div>
      <div className="table-wrap">
        <table className="table table-cards">
          <caption className="visually-hidden">Your web sessions, this browser first</caption>
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">From</th>
              <th scope="col">Last used</th>
              <th scope="col">Started</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <SessionRow
                key={session.id}
                session={session}
                ending={end.isPending && end.variables?.id === session.id}
                onEnd={() => end.mutate(session)}
              />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

type SessionRowProps = { session: WebSession; ending: boolean; onEnd: () => void };

function SessionRow({ session, ending, onEnd }: SessionRowProps) {
  const nameId = useId();
  return (
    <tr className={session.current ? 'current-session' : undefined}>
      <td data-label="Browser">
        <span id={nameId} title={session.userAgent ?? undefined}>
          {printable(browserName(session.userAgent))}
        </span>
        {session.current ? <span className="badge badge-active current-badge">This browser</span> : null}
      </td>
      <td data-label="From">{session.ip ?? '—'}</td>
      <td data-label="Last used">
        <RelativeTime value={session.lastSeenAt} />
      </td>
      <td data-label="Started">
        <RelativeTime value={session.createdAt} />
      </td>
      <td data-label="">
        {session.current ? (
          <span className="muted">Log out to end it</span>
        ) : (
          <button
            type="button"
            className="button button-small"
            aria-describedby={nameId}
            aria-disabled={ending || undefined}
            onClick={() => {
              if (!ending) onEnd();
            }}
          >
            End session
          </button>
        )}
      </td>
    </tr>
  );
}
