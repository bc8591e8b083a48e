import { invalidCursorError, validationError } from '../errors.js';
import { type CursorKind, decodeCursor, encodeCursor } from './opaque-id.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `first` for Relay connections: default 20, 1–100. */
export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw validationError('first', `use a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return first;
}

/** The cost multiplier of a connection: the page size it may return (invalid sizes fail in the resolver). */
export function pageCost(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(Math.trunc(first), 1), MAX_PAGE_SIZE);
}

/**
 * The node id an `after` cursor points after; null when there is none. Anything this
 * connection did not issue is validation_failed on `after`.
 */
export function afterCursor(kind: CursorKind, after: string | null | undefined): string | null {
  if (after == null) return null;
  const id = decodeCursor(kind, after);
  if (id === null) throw invalidCursorError();
  return id;
}

/** A Relay connection from one page of nodes, each edge's cursor an opaque token of its node's id. */
export function connectionOf<T extends { id: string }>(kind: CursorKind, nodes: T[], hasNextPage: boolean) {
  const edges = nodes.map((node) => ({ cursor: encodeCursor(kind, node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
