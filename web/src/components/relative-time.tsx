import { formatDate, formatDateTime, formatRelative } from '../lib/time';

/** "2 hours ago", with the exact local time on hover. */
export function RelativeTime({
  value,
  fallback = 'Never',
}: {
  value: string | null | undefined;
  fallback?: string;
}) {
  if (!value) return <span>{fallback}</span>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {formatRelative(value)}
    </time>
  );
}

/** A calendar date, with the exact local time on hover. */
export function DateOnly({
  value,
  fallback = 'Never',
}: {
  value: string | null | undefined;
  fallback?: string;
}) {
  if (!value) return <span>{fallback}</span>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {formatDate(value)}
    </time>
  );
}
