import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorAlert, Loading } from '../../components/messages';
import { RelativeTime } from '../../components/relative-time';
import { request } from '../../lib/graphql';
import { auditKeys } from '../audit/audit.operations';
import { endSessionMutation, sessionKeys, sessionsQuery } from './account.operations';

/** The viewer's web sessions, with `End session` for each one but this browser's. */
export function SessionsList() {
  const client = useQueryClient();
  const query = useQuery(sessionsQuery);
  const end = useMutation({
    mutationFn: (id: string) => request(endSessionMutation, { id }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: sessionKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
  });

  if (query.isPending) return <Loading label="Loading sessions…" />;
  if (query.isError && !query.data) return <ErrorAlert message={query.error.message} />;
  const sessions = query.data.viewer?.sessions ?? [];
  return (
    <>
      <ErrorAlert message={end.error?.message} />
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
                    <button type="button" className="button" onClick={() => end.mutate(session.id)}>
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
