import { validationError } from '../errors.js';

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

/** A Relay connection from one page of nodes whose cursor is their id. */
export function connectionOf<T extends { id: string }>(nodes: T[], hasNextPage: boolean) {
  return {
    edges: nodes.map((node) => ({ cursor: node.id, node })),
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      startCursor: nodes[0]?.id ?? null,
      endCursor: nodes.at(-1)?.id ?? null,
    },
  };
}
