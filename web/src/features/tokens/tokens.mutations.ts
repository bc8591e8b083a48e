import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { request } from '../../lib/graphql';
import { auditKeys } from '../audit/audit.operations';
import {
  type CreateTokenInput,
  createTokenMutation,
  revokeTokenMutation,
  setTokenActiveMutation,
  type TokenDetail,
  type TokenPages,
  type TokenSummary,
  tokenKeys,
  updateTokenMutation,
} from './tokens.operations';

/** Applies `change` to the token wherever a loaded tokens list shows it. */
function patchLists(client: QueryClient, id: string, change: Partial<TokenSummary>): void {
  client.setQueriesData<TokenPages>({ queryKey: tokenKeys.list }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            tokens: {
              ...page.tokens,
              edges: page.tokens.edges.map((edge) =>
                edge.node.id === id ? { ...edge, node: { ...edge.node, ...change } } : edge,
              ),
            },
          })),
        }
      : data,
  );
}

/**
 * A token changed: show the answer at once in its detail and in the lists, then refetch what it
 * may have changed elsewhere (lists, child tokens revoked with it, audit history).
 */
function tokenChanged(client: QueryClient, token: TokenDetail): void {
  client.setQueryData(tokenKeys.detail(token.id), { token });
  patchLists(client, token.id, token);
  void client.invalidateQueries({ queryKey: tokenKeys.all });
  void client.invalidateQueries({ queryKey: auditKeys.all });
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateTokenInput) => request(createTokenMutation, { input }),
    // The answer holds the secret: drop it from the mutation cache as soon as the form is gone.
    gcTime: 0,
    onSuccess: ({ createToken }) => {
      client.setQueryData<TokenPages>(tokenKeys.list, (data) => {
        const [first, ...rest] = data?.pages ?? [];
        if (!data || !first) return data;
        const edges = [{ cursor: '', node: createToken.token }, ...first.tokens.edges];
        return { ...data, pages: [{ tokens: { ...first.tokens, edges } }, ...rest] };
      });
      void client.invalidateQueries({ queryKey: tokenKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
  });
}

export function useSetTokenActive() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (variables: { id: string; active: boolean }) => request(setTokenActiveMutation, variables),
    onSuccess: ({ setTokenActive }) => tokenChanged(client, setTokenActive),
  });
}

export function useUpdateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (variables: { id: string; input: { name: string; description: string | null } }) =>
      request(updateTokenMutation, variables),
    onSuccess: ({ updateToken }) => tokenChanged(client, updateToken),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request(revokeTokenMutation, { id }),
    onSuccess: ({ revokeToken }) => tokenChanged(client, revokeToken),
  });
}
