import { formatRelative } from '../../lib/time';
import type { PermissionUsage } from './tokens.operations';

/** The least-privilege view looks back this many days: a permission unused for longer counts as unused. */
export const USAGE_WINDOW_DAYS = 30;

const WINDOW_MS = USAGE_WINDOW_DAYS * 24 * 3600 * 1000;

/** Whether a request exercised the permission within the window. */
export const usedRecently = (entry: PermissionUsage, now: number = Date.now()): boolean =>
  entry.lastUsedAt !== null && now - new Date(entry.lastUsedAt).getTime() <= WINDOW_MS;

/** "used 12 times, last 2 hours ago", or "never used in 30 days". */
export function usageText(entry: PermissionUsage, now: number = Date.now()): string {
  if (!usedRecently(entry, now) || !entry.lastUsedAt) return `never used in ${USAGE_WINDOW_DAYS} days`;
  const times = entry.count === 1 ? 'once' : `${entry.count} times`;
  return `used ${times}, last ${formatRelative(entry.lastUsedAt, now)}`;
}

/** The permissions requests exercised within the window: what "Narrow to what is used" keeps. */
export const usedPermissions = (usage: readonly PermissionUsage[], now: number = Date.now()): string[] =>
  usage.filter((entry) => usedRecently(entry, now)).map((entry) => entry.permission);
