import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf, request } from '../../lib/graphql';

const tokenUsageDocument = graphql(`
  query TokenUsage($id: ID!, $days: Int!) {
    token(id: $id) { id usage(days: $days) { date count allowed denied rateLimited } }
  }
`);

export type UsageDay = NonNullable<ResultOf<typeof tokenUsageDocument>['token']>['usage'][number];

/** The ranges the usage view offers, in days; 30 is the default (and the server's). */
export const USAGE_RANGES = [7, 30, 90] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];
export const DEFAULT_USAGE_RANGE: UsageRange = 30;

export const isUsageRange = (value: unknown): value is UsageRange =>
  USAGE_RANGES.some((range) => String(range) === String(value));

/**
 * One token's requests per UTC day, today last, by outcome. Under the `tokens` key, so any change to
 * the token refreshes it; the previous range stays on screen while another one loads.
 */
export const tokenUsageQuery = (id: string, days: UsageRange) =>
  queryOptions({
    queryKey: ['tokens', 'usage', id, days] as const,
    queryFn: () => request(tokenUsageDocument, { id, days }),
    placeholderData: keepPreviousData,
  });

/** The token page's search params: the usage range (`?days=7`); 30, the default, stays out of the URL. */
export const usageRangeSearch = (search: Record<string, unknown>): { days?: UsageRange } => {
  const days = Number(search.days);
  return isUsageRange(days) && days !== DEFAULT_USAGE_RANGE ? { days } : {};
};
