import { type QueryClient, type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { request } from '../../lib/graphql';
import { auditKeys } from '../audit/audit.operations';
import { listShows } from './token-list-search';
import {
  type CreateTokenInput,
  createTokenMutation,
  type RotateTokenInput,
  revokeTokenMutation,
  rotateTokenMutation,
  setTokenActiveMutation,
  type TightenTokenRestrictionsInput,
  type TokenDetail,
  type TokenListFilter,
  type TokenPages,
  type TokenSummary,
  tightenTokenRestrictionsMutation,
  tokenKeys,
  type UpdateTokenInput,
  updateTokenMutation,
} from './tokens.operations';

/** The loaded token lists, each with the filter it was fetched with and whose tokens it lists. */
function loadedLists(
  client: QueryClient,
): { key: QueryKey; filter: TokenListFilter; organizationId: string | null }[] {
  return client
    .getQueryCache()
    .findAll({ queryKey: tokenKeys.lists })
    .map((query) => ({
      key: query.queryKey,
      filter: query.queryKey[2] as TokenListFilter,
      organizationId: (query.queryKey[3] as string | null | undefined) ?? null,
    }));
}

/**
 * Shows the changed token wherever a loaded list has it, and drops it from lists whose status
 * filter no longer takes it (a token revoked from the default list leaves it at once).
 */
function patchLists(client: QueryClient, token: TokenSummary): void {
  for (const { key, filter } of loadedLists(client)) {
    const keep = listShows(filter, token.status);
    client.setQueryData<TokenPages>(key, (data) =>
      data
        ? {
            ...data,
            pages: data.pages.map((page) => ({
              tokens: {
                ...page.tokens,
                edges: page.tokens.edges.flatMap((edge) => {
                  if (edge.node.id !== token.id) return [edge];
                  return keep ? [{ ...edge, node: { ...edge.node, ...summaryOf(token) } }] : [];
                }),
              },
            })),
          }
        : data,
    );
  }
}

/**
 * A new token goes first in the loaded lists of its owner (the viewer, or the organization) that
 * would show it first: newest first and unsearched.
 */
function addToLists(client: QueryClient, token: TokenSummary): void {
  for (const { key, filter, organizationId } of loadedLists(client)) {
    if (organizationId !== (token.organization?.id ?? null)) continue;
    if (filter.orderBy !== 'CREATED_DESC' || filter.search || !listShows(filter, token.status)) continue;
    client.setQueryData<TokenPages>(key, (data) => {
      const [first, ...rest] = data?.pages ?? [];
      if (!data || !first) return data;
      const edges = [{ cursor: '', node: token }, ...first.tokens.edges];
      return { ...data, pages: [{ tokens: { ...first.tokens, edges } }, ...rest] };
    });
  }
}

/** The list's fields of a token (a detail answer holds more: usage, children). */
function summaryOf(token: TokenSummary): TokenSummary {
  const { id, name, description, displayPrefix, preset, permissions, status, active } = token;
  const { expiresAt, revokedAt, createdAt, lastUsedAt, notBefore, creator, organization } = token;
  return {
    id,
    name,
    description,
    displayPrefix,
    preset,
    permissions,
    status,
    active,
    expiresAt,
    revokedAt,
    createdAt,
    lastUsedAt,
    notBefore,
    creator,
    organization,
  };
}

/**
 * A token changed: show the answer at once in its detail and in the lists, then refetch what it
 * may have changed elsewhere (lists, child tokens revoked with it, audit history).
 */
function tokenChanged(client: QueryClient, token: TokenDetail): void {
  client.setQueryData(tokenKeys.detail(token.id), { token });
  patchLists(client, token);
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
      addToLists(client, createToken.token);
      void client.invalidateQueries({ queryKey: tokenKeys.all });
      void client.invalidateQueries({ queryKey: auditKeys.all });
    },
  });
}

/**
 * Rotation answers the successor (new in the lists, like a created token) and the old token with
 * its rotation set (shown at once on its detail page).
 */
export function useRotateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (variables: { id: string; input: RotateTokenInput }) =>
      request(rotateTokenMutation, variables),
    // The answer holds the secret: drop it from the mutation cache as soon as the dialog is gone.
    gcTime: 0,
    onSuccess: ({ rotateToken }) => {
      addToLists(client, rotateToken.token);
      tokenChanged(client, rotateToken.rotatedToken);
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
    mutationFn: (variables: { id: string; input: UpdateTokenInput }) =>
      request(updateTokenMutation, variables),
    onSuccess: ({ updateToken }) => tokenChanged(client, updateToken),
  });
}

export function useTightenTokenRestrictions() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (variables: { id: string; input: TightenTokenRestrictionsInput }) =>
      request(tightenTokenRestrictionsMutation, variables),
    onSuccess: ({ tightenTokenRestrictions }) => tokenChanged(client, tightenTokenRestrictions),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => request(revokeTokenMutation, { id }),
    onSuccess: ({ revokeToken }) => tokenChanged(client, revokeToken),
  });
}
