import { useState } from 'react';
import { ErrorAlert, Loading } from '../../components/messages';
import { RelativeTime } from '../../components/relative-time';
import { request, toApiError } from '../../lib/graphql';
import { useQuery } from '../../lib/use-query';
import { endSessionMutation, sessionsQuery } from './account.operations';

/** The viewer's web sessions, with `End session` for each one but this browser's. */
export function SessionsList() {
  const { data, error, loading, reload } = useQuery(sessionsQuery, {});
  const [endError, setEndError] = useState<string | null>(null);

  const end = async (id: string) => {
    setEndError(null);
    try {
      await request(endSessionMutation, { id });
      reload();
    } catch (failure) {
      setEndError(toApiError(failure).message);
    }
  };

  if (error) return <ErrorAlert message={error.message} />;
  if (loading && !data) return <Loading label="Loading sessions…" />;
  const sessions = data?.viewer?.sessions ?? [];
  return (
    <>
      <ErrorAlert message={endError} />
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Your web sessions, most recently used first</caption>
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
              <tr key={session.id}>
                <td>{session.userAgent ?? 'Unknown browser'}</td>
                <td>{session.ip ?? '—'}</td>
                <td>
                  <RelativeTime value={session.lastSeenAt} />
                </td>
                <td>
                  <RelativeTime value={session.createdAt} />
                </td>
                <td>
                  {session.current ? (
                    'This browser'
                  ) : (
                    <button type="button" className="button" onClick={() => end(session.id)}>
                      End session
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
