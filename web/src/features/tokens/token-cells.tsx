import { DateOnly } from '../../components/relative-time';
import { daysUntil, formatDateTime, formatRelative } from '../../lib/time';
import { presetLabels } from './token-labels';
import type { TokenSummary } from './tokens.operations';

/** Within this many days an expiry is shown as "soon". */
export const EXPIRES_SOON_DAYS = 7;

/** At most this many permissions are named in a row; the rest are counted. */
const NAMED_PERMISSIONS = 2;

/** The preset, and for a custom token the permissions it lists ("account:read, tokens:read +2 more"). */
export function ScopesSummary({ token }: { token: Pick<TokenSummary, 'preset' | 'permissions'> }) {
  const label = presetLabels[token.preset] ?? token.preset;
  if (token.preset !== 'CUSTOM') return <span>{label}</span>;
  const named = token.permissions.slice(0, NAMED_PERMISSIONS).join(', ');
  const more = token.permissions.length - NAMED_PERMISSIONS;
  return (
    <>
      <span>{label}</span>
      <span className="row-description" title={token.permissions.join(', ')}>
        {named || 'No permissions'}
        {more > 0 ? ` +${more} more` : null}
      </span>
    </>
  );
}

/**
 * The expiry as a badge, "No expiry" or "Expires in 12 days" (with an "expires soon" look within
 * a week), or when it expired ("Expired 3 days ago"; the status badge already says Expired); the date below. A revoked token's expiry no longer matters: only its date.
 */
export function ExpiryBadge({ token }: { token: Pick<TokenSummary, 'expiresAt' | 'status'> }) {
  const { expiresAt } = token;
  if (token.status === 'REVOKED') return <DateOnly value={expiresAt} fallback="No expiry" />;
  if (!expiresAt) return <span className="badge badge-inactive">No expiry</span>;
  const days = daysUntil(expiresAt);
  if (days <= 0 || token.status === 'EXPIRED')
    return (
      <>
        <span>
          Expired{' '}
          <time dateTime={expiresAt} title={formatDateTime(expiresAt)}>
            {formatRelative(expiresAt)}
          </time>
        </span>
        <span className="row-description">
          <DateOnly value={expiresAt} />
        </span>
      </>
    );
  const soon = days <= EXPIRES_SOON_DAYS;
  return (
    <>
      <span className={soon ? 'badge badge-soon' : 'badge badge-expiry'}>
        Expires in {days} {days === 1 ? 'day' : 'days'}
      </span>
      <span className="row-description">
        <DateOnly value={expiresAt} />
      </span>
    </>
  );
}
