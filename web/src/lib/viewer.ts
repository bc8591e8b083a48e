import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { ApiError, graphql, type ResultOf, request } from './graphql';
import { forgetAccountData, viewerKey } from './query-client';

export const ViewerFields = graphql(`
  fragment ViewerFields on Viewer { id email name emailVerified plan role }
`);

export type Viewer = ResultOf<typeof ViewerFields>;

const viewerDocument = graphql(
  `
  query Viewer { viewer { ...ViewerFields } }
`,
  [ViewerFields],
);

/**
 * The signed-in account, or null when anonymous. An expired session answers 401 (and the server
 * clears the cookie): that is anonymous too. Any other failure, an unreachable server above all,
 * stays an error, so the shell offers Retry instead of a login page.
 */
export const viewerQuery = queryOptions({
  queryKey: viewerKey,
  queryFn: async (): Promise<Viewer | null> => {
    try {
      return (await request(viewerDocument, {})).viewer;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') return null;
      throw error;
    }
  },
});

/** The viewer as last loaded; the shell renders pages only once it is known. */
export function useViewer(): Viewer | null {
  return useQuery(viewerQuery).data ?? null;
}

/** The viewer on pages behind <RequireAuth>, where it is never null. */
export function useSignedInViewer(): Viewer {
  const viewer = useViewer();
  if (!viewer) throw new Error('This page needs a signed-in viewer.');
  return viewer;
}

/**
 * Records who is signed in now (a login, a logout, a changed name). A different account (or none)
 * never sees the previous one's cached tokens, audit events or sessions.
 */
export function useSetViewer(): (viewer: Viewer | null) => void {
  const client = useQueryClient();
  return useCallback(
    (viewer) => {
      const previous = client.getQueryData(viewerQuery.queryKey);
      if (!viewer || previous?.id !== viewer.id) forgetAccountData(client);
      client.setQueryData(viewerQuery.queryKey, viewer);
    },
    [client],
  );
}
