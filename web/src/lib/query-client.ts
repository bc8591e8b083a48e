import { MutationCache, type Query, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, isUnreachable } from './graphql';

/** The viewer's cache key; every other key belongs to the signed-in account and goes with it. */
export const viewerKey = ['viewer'] as const;

/** Drops everything cached for the previous account (after a logout, an expired session or a login). */
export function forgetAccountData(client: QueryClient): void {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== viewerKey[0] });
}

const signedOut = (error: unknown) => error instanceof ApiError && error.code === 'UNAUTHENTICATED';

/**
 * The app's one cache. A request answering UNAUTHENTICATED (an expired or ended session) signs the
 * app out; only an unreachable server is retried (once, quickly: the banner offers Retry after that).
 */
export function createQueryClient(): QueryClient {
  const onError = (error: unknown) => {
    if (!signedOut(error)) return;
    forgetAccountData(client);
    client.setQueryData(viewerKey, null);
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        retry: (failures, error) => failures < 1 && isUnreachable(error),
        retryDelay: 500,
      },
      mutations: { retry: false },
    },
  });
  return client;
}

/** An active query whose last attempt could not reach the server. */
export const failedToReach = (query: Query): boolean =>
  query.state.status === 'error' && query.isActive() && isUnreachable(query.state.error);
