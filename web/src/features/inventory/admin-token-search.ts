import { localDateTimeToIso } from '../../lib/time';
import { filterStatuses } from '../tokens/token-list-search';
import type { PermissionPreset, TokenStatus } from '../tokens/tokens.operations';
import type { AdminTokenFilter } from './inventory.operations';

/**
 * The admin inventory's filters, kept in the URL so a view can be bookmarked and shared:
 * `/admin/tokens?owner=ann@example.com&org=acme&status=active&lastUsedBefore=2026-06-01
 * &expiresBefore=2026-07-01&preset=all&outOfPolicy=1`. Dates are local calendar days.
 */
export type AdminTokenSearch = {
  owner?: string;
  org?: string;
  status?: string;
  lastUsedBefore?: string;
  expiresBefore?: string;
  preset?: string;
  outOfPolicy?: '1';
};

export const adminPresets = [
  'ALL',
  'READ_ONLY',
  'CLI',
  'CUSTOM',
] as const satisfies readonly PermissionPreset[];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const known = <T extends string>(values: readonly T[], value: unknown): T | undefined =>
  typeof value === 'string' ? values.find((candidate) => candidate === value.toUpperCase()) : undefined;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim().slice(0, 320) : undefined;

/** The route's `validateSearch`: unknown or malformed params are dropped, never an error page. */
export function validateAdminTokenSearch(search: Record<string, unknown>): AdminTokenSearch {
  const result: AdminTokenSearch = {};
  const owner = text(search.owner);
  if (owner) result.owner = owner;
  const org = text(search.org);
  if (org) result.org = org;
  const status = known(filterStatuses, search.status);
  if (status) result.status = status.toLowerCase();
  for (const key of ['lastUsedBefore', 'expiresBefore'] as const) {
    const value = search[key];
    if (typeof value === 'string' && DATE.test(value) && localDateTimeToIso(`${value}T00:00`))
      result[key] = value;
  }
  const preset = known(adminPresets, search.preset);
  if (preset) result.preset = preset.toLowerCase();
  if (search.outOfPolicy === '1' || search.outOfPolicy === 'true') result.outOfPolicy = '1';
  return result;
}

/** What the server is asked for: a date means before the start of that local day. */
export function adminTokenFilter(search: AdminTokenSearch): AdminTokenFilter {
  const filter: AdminTokenFilter = {};
  if (search.owner) filter.ownerEmail = search.owner;
  if (search.org) filter.organizationSlug = search.org;
  const status = known<TokenStatus>(filterStatuses, search.status);
  if (status) filter.status = status;
  if (search.lastUsedBefore) filter.lastUsedBefore = localDateTimeToIso(`${search.lastUsedBefore}T00:00`);
  if (search.expiresBefore) filter.expiresBefore = localDateTimeToIso(`${search.expiresBefore}T00:00`);
  const preset = known(adminPresets, search.preset);
  if (preset) filter.preset = preset;
  if (search.outOfPolicy) filter.outOfPolicy = true;
  return filter;
}
