import type { TokenListFilter, TokenOrder, TokenStatus } from './tokens.operations';

/**
 * The token list's filter, search and sort, kept in the URL (`/tokens?status=expired,revoked&q=ci&sort=expires`)
 * so a view can be bookmarked, shared and restored with Back. Absent params mean the defaults:
 * live tokens (active, pending and inactive), no search, newest first.
 */
export type TokenListSearch = { status?: string; q?: string; sort?: TokenSort };

/** The statuses the list filters by, in the order the filter shows them. */
export const filterStatuses = [
  'ACTIVE',
  'PENDING',
  'INACTIVE',
  'EXPIRED',
  'REVOKED',
] as const satisfies readonly TokenStatus[];

/** Dead tokens (expired, revoked) are hidden until asked for; pending ones (not valid yet) are live. */
export const defaultStatuses: readonly TokenStatus[] = ['ACTIVE', 'PENDING', 'INACTIVE'];

export const tokenSorts = {
  created: { order: 'CREATED_DESC', label: 'Newest first' },
  oldest: { order: 'CREATED_ASC', label: 'Oldest first' },
  'last-used': { order: 'LAST_USED_DESC', label: 'Recently used' },
  expires: { order: 'EXPIRES_ASC', label: 'Expiring soonest' },
} as const satisfies Record<string, { order: TokenOrder; label: string }>;

export type TokenSort = keyof typeof tokenSorts;

const isSort = (value: unknown): value is TokenSort =>
  typeof value === 'string' && Object.hasOwn(tokenSorts, value);

/** The route's `validateSearch`: unknown or malformed params are dropped, never an error page. */
export function validateTokenListSearch(search: Record<string, unknown>): TokenListSearch {
  const result: TokenListSearch = {};
  if (typeof search.status === 'string' && parseStatuses(search.status).length > 0)
    result.status = search.status;
  if (typeof search.q === 'string' && search.q.trim()) result.q = search.q;
  if (isSort(search.sort) && search.sort !== 'created') result.sort = search.sort;
  return result;
}

/** `active,expired` → ['ACTIVE', 'EXPIRED'] (known statuses only, in filter order). */
function parseStatuses(value: string): TokenStatus[] {
  const wanted = new Set(value.toUpperCase().split(','));
  return filterStatuses.filter((status) => wanted.has(status));
}

/** The statuses a URL asks for; the defaults when it asks for none. */
export function selectedStatuses(search: TokenListSearch): TokenStatus[] {
  const parsed = search.status ? parseStatuses(search.status) : [];
  return parsed.length > 0 ? parsed : [...defaultStatuses];
}

/** The `status` param for a selection; undefined (left out of the URL) for the default one. */
export function statusParam(statuses: readonly TokenStatus[]): string | undefined {
  const ordered = filterStatuses.filter((status) => statuses.includes(status));
  const isDefault =
    ordered.length === defaultStatuses.length && ordered.every((status) => defaultStatuses.includes(status));
  return isDefault || ordered.length === 0 ? undefined : ordered.join(',').toLowerCase();
}

export function listFilter(search: TokenListSearch): TokenListFilter {
  return {
    statuses: selectedStatuses(search),
    search: search.q?.trim() || null,
    orderBy: tokenSorts[search.sort ?? 'created'].order,
  };
}

/** Whether a list with this filter shows a token in `status` (a token changed: keep it or drop it). */
export const listShows = (filter: TokenListFilter, status: TokenStatus): boolean =>
  filter.statuses.includes(status);
